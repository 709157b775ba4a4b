using Kse.Core.Approvals;
using Kse.Core.Policy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kse.Server.Policy;

/// <summary>
/// While <c>kse serve</c> runs: every 30 s, marks approvals past their TTL as expired and records emergency elevations
/// that ran out, each in the audit trail once. (Without a server, the next <c>kse approvals</c> / <c>kse emergency list</c>
/// does the same.) Decisions never depend on this: the kernel ignores an expired elevation and execution refuses an
/// expired approval on their own. Servers sharing one store take turns (<see cref="Kse.Core.ISweepLock"/>): one sweeps a round.
/// </summary>
public sealed class ExpirySweeper(ApprovalService approvals, EmergencyService emergency, TimeProvider clock, ILogger<ExpirySweeper> log, Kse.Core.ISweepLock? sweepLock = null) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await using var turn = sweepLock is null ? null : await sweepLock.TryAcquireAsync("expiry", stoppingToken);
                if (sweepLock is not null && turn is null)
                {
                    continue; // another server sweeps this round
                }

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
