using Kse.Core.Policy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kse.Server.Policy;

/// <summary>
/// While <c>kse serve</c> runs: every minute, checks every project and environment against the demotion thresholds and applies
/// any demotion that is due (audited as <c>takeover.change</c> by <c>system:kse</c>). Each tool call and operation run already checks
/// its own project after its outcome; this catches outcomes written by other processes (<c>kse ops run</c>, approvals).
/// </summary>
public sealed class ProgressionSweeper(ProgressionService progression, TimeProvider clock, ILogger<ProgressionSweeper> log, Kse.Core.ISweepLock? sweepLock = null) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>One pass; returns how many levels were demoted (0 when another server that shares the store holds this round).</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        await using var turn = sweepLock is null ? null : await sweepLock.TryAcquireAsync("progression", cancellationToken);
        if (sweepLock is not null && turn is null)
        {
            return 0;
        }

        var demoted = await progression.SweepAsync(cancellationToken);
        foreach (var change in demoted)
        {
            log.LogWarning("Demoted {Project}/{Environment} from {From} to {To}: {Reason}", change.Project, change.Environment.Name(), change.From, change.To, change.Reason);
        }

        return demoted.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await SweepOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning(ex, "Progression sweep failed; it is retried in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
