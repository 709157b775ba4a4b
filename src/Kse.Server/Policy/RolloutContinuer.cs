using System.Collections.Concurrent;
using System.Threading.Channels;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Rollouts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kse.Server.Policy;

/// <summary>
/// While <c>kse serve</c> runs: when the approval a paused rollout's step waits for is decided in this process (approved and run on
/// the page or the operator API, rejected, expired, stale), the rollout continues by itself (<see cref="RolloutService.ContinueAfterDecisionAsync"/>),
/// in the background so the operator's request returns at once. Decisions made in another process are continued there
/// (<c>kse approvals approve</c>) or with <c>kse rollout resume</c>.
/// </summary>
public sealed class RolloutContinuer : BackgroundService
{
    private readonly RolloutService _rollouts;
    private readonly ApprovalService _approvals;
    private readonly ILogger<RolloutContinuer> _log;
    private readonly Channel<ApprovalRequest> _decided = Channel.CreateBounded<ApprovalRequest>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    public RolloutContinuer(RolloutService rollouts, ApprovalService approvals, ILogger<RolloutContinuer> log)
    {
        _rollouts = rollouts;
        _approvals = approvals;
        _log = log;
        _approvals.Changed += OnChanged;
    }

    private void OnChanged(ApprovalRequest approval)
    {
        if (RolloutService.RolloutOf(approval) is not null)
        {
            _decided.Writer.TryWrite(approval);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var approval in _decided.Reader.ReadAllAsync(stoppingToken))
            {
                // A step runs to its end (bounded by its own timeout) even when the server is asked to stop meanwhile.
                var task = Task.Run(() => ContinueAsync(approval), CancellationToken.None);
                _running[task] = 0;
                _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ContinueAsync(ApprovalRequest approval)
    {
        var by = approval.State is ApprovalState.Approved or ApprovalState.Executed or ApprovalState.Rejected && approval.DecidedBy is { Length: > 0 } name
            ? Actor.OperatorNamed(name)
            : Actor.Server;
        try
        {
            if (await _rollouts.ContinueAfterDecisionAsync(approval, by, progress: null, CancellationToken.None) is { } rollout)
            {
                _log.LogInformation("Rollout {Rollout} continued after approval {Approval} was {State}: now {RolloutState}", rollout.Id, approval.Id, approval.State, rollout.State);
            }
        }
        catch (Exception ex)
        {
            _log.LogWarning(ex, "Rollout of approval {Approval} could not be continued; 'kse rollout resume' continues it", approval.Id);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _approvals.Changed -= OnChanged;
        await base.StopAsync(cancellationToken);
        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            _log.LogWarning("Stopped while {Count} rollout continuation(s) still ran; 'kse rollout resume' continues them", _running.Count);
        }
    }
}
