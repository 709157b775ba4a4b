using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Core.Execution;

/// <summary>
/// Runs an approved <c>ops_run</c> in the server (or the <c>kse approvals approve</c> process): the call is re-planned from the approved
/// arguments, and it runs only if project, environment, instance and risk still match the approval and, when the approval recorded the
/// exact argument vector, the vector is unchanged. Audited as the server acting for the approver and the requester.
/// </summary>
public sealed class OpsRunApprovedExecutor(Func<OperationExecutionService> executionService) : IApprovedActionExecutor
{
    // Resolved on use: the execution service needs the approval service, which needs this executor.
    public bool Handles(string tool) => tool == OperationExecutionService.ToolName;

    public async ValueTask<ApprovedActionResult> ExecuteAsync(ApprovalRequest approval, string approvedBy, CancellationToken cancellationToken = default)
    {
        var execution = executionService();
        var request = OperationExecutionService.RequestFromArguments(approval.ArgumentsJson, out var approvedArgv);
        var plan = execution.Plan(request);
        var mismatch = new List<string>();
        if (plan.Project != approval.Project)
        {
            mismatch.Add($"project {plan.Project} != {approval.Project}");
        }

        if (plan.Environment.Name() != approval.Environment)
        {
            mismatch.Add($"environment {plan.Environment.Name()} != {approval.Environment}");
        }

        if (plan.Instance != approval.Instance)
        {
            mismatch.Add($"instance {plan.Instance} != {approval.Instance}");
        }

        if (plan.Risk != approval.Risk)
        {
            mismatch.Add($"the spec now says risk {plan.Risk.Name()}, approved as {approval.Risk.Name()}");
        }

        if (approvedArgv is not null && !approvedArgv.SequenceEqual(plan.Argv, StringComparer.Ordinal))
        {
            mismatch.Add($"the command is now '{ShellWords.Join(plan.Argv)}', approved was '{ShellWords.Join(approvedArgv)}'");
        }

        if (mismatch.Count > 0)
        {
            throw KseException.Refused("ops.approval_mismatch", $"approval {approval.Id} does not cover what would run now: {string.Join("; ", mismatch)}");
        }

        var attribution = new[]
        {
            $"approval.executed: {approval.Id} approved by operator:{approvedBy}",
            $"approval.requested: by {approval.Requester}: {approval.Reason}",
            $"approval.binding: sha256:{approval.Binding}",
        };
        var result = await execution.ExecuteAsync(plan, Actor.Server, approval.CorrelationId ?? approval.Id, attribution, cancellationToken);
        var summary = $"{result.Status}" + (result.ExitCode is { } c ? $", exit {c}" : "") + $", {result.DurationMs} ms on {plan.Instance} ({plan.Host})";
        return new ApprovedActionResult(result.Succeeded, summary, result.Succeeded ? null : result.ErrorContext ?? result.Status);
    }
}
