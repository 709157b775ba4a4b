using Kse.Core.Approvals;
using Kse.Core.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kse.Server.Policy;

/// <summary>
/// While <c>kse serve</c> runs: every 30 s, marks approvals past their TTL as expired and records emergency elevations
/// that ran out, each in the audit trail once. (Without a server, the next <c>kse approvals</c> / <c>kse emergency list</c>
/// does the same.) Decisions never depend on this: the kernel ignores an expired elevation and execution refuses an
/// expired approval on their own. The first pass waits for the server's first answer (<see cref="FirstAnswer"/>). Servers sharing
/// one store take turns (<see cref="Kse.Core.ISweepLock"/>): one sweeps a round.
/// </summary>
public sealed class ExpirySweeper : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly Func<(ApprovalService, EmergencyService)> _services;
    private readonly TimeProvider _clock;
    private readonly ILogger<ExpirySweeper> _log;
    private readonly FirstAnswer? _firstAnswer;
    private readonly Func<Kse.Core.ISweepLock?> _sweepLock;

    public ExpirySweeper(ApprovalService approvals, EmergencyService emergency, TimeProvider clock, ILogger<ExpirySweeper> log, Kse.Core.ISweepLock? sweepLock = null)
        : this(() => (approvals, emergency), clock, log, null, () => sweepLock)
    {
    }

    /// <summary>The server's sweeper: its services are resolved (and their stores opened) only after the first answer.</summary>
    internal ExpirySweeper(IServiceProvider services, FirstAnswer firstAnswer)
        : this(
            () => (services.GetRequiredService<ApprovalService>(), services.GetRequiredService<EmergencyService>()),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<ExpirySweeper>>(),
            firstAnswer,
            services.GetService<Kse.Core.ISweepLock>)
    {
    }

    private ExpirySweeper(Func<(ApprovalService, EmergencyService)> services, TimeProvider clock, ILogger<ExpirySweeper> log, FirstAnswer? firstAnswer, Func<Kse.Core.ISweepLock?> sweepLock)
    {
        _sweepLock = sweepLock;
        _services = services;
        _clock = clock;
        _log = log;
        _firstAnswer = firstAnswer;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _clock);
        if (_firstAnswer is not null)
        {
            // Off the start path: the first pass reads the stores, which no first request needs.
            await _firstAnswer.WaitAsync(stoppingToken);
        }

        var log = _log;
        do
        {
            try
            {
                var sweepLock = _sweepLock();
                await using var turn = sweepLock is null ? null : await sweepLock.TryAcquireAsync("expiry", stoppingToken);
                if (sweepLock is not null && turn is null)
                {
                    continue; // another server sweeps this round
                }

                var (approvals, emergency) = _services();
                var approvalsExpired = await approvals.ExpireDueAsync(stoppingToken);
                var elevationsEnded = await emergency.RecordExpiriesAsync(stoppingToken);
                if (approvalsExpired + elevationsEnded > 0)
                {
                    log.LogInformation("Expired {Approvals} approval(s) and recorded the end of {Elevations} emergency elevation(s)", approvalsExpired, elevationsEnded);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning(ex, "Expiry sweep failed; it is retried in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
