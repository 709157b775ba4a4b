using Kse.Core.Approvals;

namespace Kse.Core.Actions;

/// <summary>
/// Executes an approved action through the guarded path, for every action kind the pipeline can plan and run (ops_run): the plan is
/// re-resolved and compared with the approved one first (any difference: <c>approvals.stale</c>, nothing runs).
/// </summary>
public sealed class ApprovedActionRunner(Func<ActionPipeline> pipeline) : IApprovedActionExecutor
{
    // Resolved on use: the pipeline needs the approval service, which needs this executor.
    public bool Handles(string tool) => pipeline().HandlerFor(tool) is { RunsWhenApproved: true };

    public ValueTask<IReadOnlyList<string>> ChangesSinceApprovalAsync(ApprovalRequest approval, CancellationToken cancellationToken = default) =>
        pipeline().ChangesSinceApprovalAsync(approval, cancellationToken);

    public async ValueTask<ApprovedActionResult> ExecuteAsync(ApprovalRequest approval, string approvedBy, CancellationToken cancellationToken = default)
    {
        var outcome = await pipeline().RunApprovedAsync(approval, approvedBy, cancellationToken);
        var result = outcome.Result;
        var exit = result?.Details?.GetValueOrDefault("exitCode") is { } code ? $", exit {code}" : "";
        var took = result?.Details?.GetValueOrDefault("durationMs") is { } ms ? $", {ms} ms" : "";
        var summary = $"{outcome.Status}{exit}{took} on {outcome.Plan?.Instance} ({outcome.Plan?.Host})";
        var succeeded = result?.Succeeded ?? false;
        return new ApprovedActionResult(succeeded, summary, succeeded ? null : result?.ErrorContext ?? outcome.Status);
    }
}
