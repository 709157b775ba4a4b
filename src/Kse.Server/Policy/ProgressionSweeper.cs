using Kse.Core.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kse.Server.Policy;

/// <summary>
/// While <c>kse serve</c> runs: every minute, checks every project and environment against the demotion thresholds and applies
/// any demotion that is due (audited as <c>takeover.change</c> by <c>system:kse</c>). Each tool call and operation run already checks
/// its own project after its outcome; this catches outcomes written by other processes (<c>kse ops run</c>, approvals). The first
/// pass waits for the server's first answer (<see cref="FirstAnswer"/>).
/// </summary>
public sealed class ProgressionSweeper : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly Lazy<ProgressionService> _progression;
    private readonly TimeProvider _clock;
    private readonly ILogger<ProgressionSweeper> _log;
    private readonly FirstAnswer? _firstAnswer;
    private readonly Func<Kse.Core.ISweepLock?> _sweepLock;

    public ProgressionSweeper(ProgressionService progression, TimeProvider clock, ILogger<ProgressionSweeper> log, Kse.Core.ISweepLock? sweepLock = null)
        : this(new Lazy<ProgressionService>(progression), clock, log, null, () => sweepLock)
    {
    }

    /// <summary>The server's sweeper: its service is resolved (and its stores opened) only after the first answer.</summary>
    internal ProgressionSweeper(IServiceProvider services, FirstAnswer firstAnswer)
        : this(
            new Lazy<ProgressionService>(services.GetRequiredService<ProgressionService>),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<ProgressionSweeper>>(),
            firstAnswer,
            services.GetService<Kse.Core.ISweepLock>)
    {
    }

    private ProgressionSweeper(Lazy<ProgressionService> progression, TimeProvider clock, ILogger<ProgressionSweeper> log, FirstAnswer? firstAnswer, Func<Kse.Core.ISweepLock?> sweepLock)
    {
        _sweepLock = sweepLock;
        _progression = progression;
        _clock = clock;
        _log = log;
        _firstAnswer = firstAnswer;
    }

    /// <summary>One pass; returns how many levels were demoted (0 when another server that shares the store holds this round).</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var sweepLock = _sweepLock();
        await using var turn = sweepLock is null ? null : await sweepLock.TryAcquireAsync("progression", cancellationToken);
        if (sweepLock is not null && turn is null)
        {
            return 0;
        }

        var demoted = await _progression.Value.SweepAsync(cancellationToken);
        foreach (var change in demoted)
        {
            _log.LogWarning("Demoted {Project}/{Environment} from {From} to {To}: {Reason}", change.Project, change.Environment.Name(), change.From, change.To, change.Reason);
        }

        return demoted.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _clock);
        if (_firstAnswer is not null)
        {
            // Off the start path: the first pass reads the stores, which no first request needs.
            await _firstAnswer.WaitAsync(stoppingToken);
        }

        do
        {
            try
            {
                await SweepOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _log.LogWarning(ex, "Progression sweep failed; it is retried in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
