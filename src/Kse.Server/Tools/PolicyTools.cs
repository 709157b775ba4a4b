using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Kse.Core.Actions;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>An emergency request queued for an operator. <c>approvalId</c> names it like every other queued call; <c>requestId</c> is the same id, kept for older clients.</summary>
public sealed record EmergencyRequestResult(string Status, string ApprovalId, string RequestId, DateTimeOffset ExpiresAt, string Resource, string Message);

/// <summary>Policy as the AI sees it: what would be decided, and asking (never granting) an emergency elevation.</summary>
[McpServerToolType]
public sealed class PolicyTools
{
    [McpServerTool(Name = "policy_explain", Title = "Explain a policy decision", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("What the policy kernel would decide for an operation on a project in an environment (run, run_and_flag, queue_for_approval, observe_only, deny), with the levels and the rules. Runs nothing.")]
    [OperationRisk(RiskClass.Read)]
    public static Task<PolicyExplanation> PolicyExplain(
        PolicyService policy,
        McpServer server,
        [Description("The project")] string project,
        [Description("development, test, pre-production or production")] [AllowedValues("development", "test", "pre-production", "production")] string environment,
        [Description("The operation or tool name")] string operation,
        [Description("read, normal or critical")] [AllowedValues("read", "normal", "critical")] string risk,
        [Description("The instance, if any")] string? instance = null,
        CancellationToken cancellationToken = default) =>
        policy.ExplainAsync(project, environment, operation, risk, instance, Actor.Ai(server.ClientInfo?.Name ?? "unknown-client"), cancellationToken);

    [McpServerTool(Name = "takeover_show", Title = "Show takeover levels", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("The takeover level, cap, effective level and any active emergency elevation of a project per environment.")]
    [OperationRisk(RiskClass.Read)]
    public static Task<TakeoverReport> TakeoverShow(
        PolicyService policy,
        [Description("The project")] string project,
        [Description("Only this environment")] [AllowedValues("development", "test", "pre-production", "production")] string? environment = null,
        CancellationToken cancellationToken = default) =>
        policy.ShowAsync(project, environment, cancellationToken);

    [McpServerTool(Name = "takeover_progress", Title = "Assess level progression", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Progression of a project's takeover level per environment: the evidence from the audit trail (days observed, operations, errors, error rate, confidence), the thresholds, and the recommendation: promote (a human applies it with 'kse takeover promote'), demote (applied by the system itself) or hold, with reasons. Changes nothing.")]
    [OperationRisk(RiskClass.Read)]
    public static Task<ProgressionReport> TakeoverProgress(
        ProgressionService progression,
        [Description("The project")] string project,
        [Description("Only this environment (development, test, pre-production or production)")] [AllowedValues("development", "test", "pre-production", "production")] string? environment = null,
        CancellationToken cancellationToken = default) =>
        progression.ReportAsync(project, environment, cancellationToken);

    [McpServerTool(Name = "emergency_request", Title = "Request emergency elevation", UseStructuredContent = true, ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false)]
    [Description("Ask a human emergency-approver to raise a project's takeover level in one environment for a while (default 60, at most 240 minutes). Only queues the request: an operator grants or refuses it.")]
    // Read: it changes nothing on any system, it only queues a request for a human, so it is allowed at every level.
    [OperationRisk(RiskClass.Read)]
    public static async Task<EmergencyRequestResult> EmergencyRequest(
        ActionPipeline pipeline,
        RequestContext<CallToolRequestParams> context,
        Resources.ApprovalSubscriptions followers,
        McpServer server,
        [Description("The project")] string project,
        [Description("development, test, pre-production or production")] [AllowedValues("development", "test", "pre-production", "production")] string environment,
        [Description("The level asked for, L2..L5 (never above the environment's cap)")] [AllowedValues("L1", "L2", "L3", "L4", "L5")] string level,
        [Description("Why: the incident or alert")] string reason,
        [Description("How long, in minutes (default 60, at most 240)")] int minutes = EmergencyService.DefaultMinutes,
        CancellationToken cancellationToken = default)
    {
        // The interception point planned (checked), decided and audited the request; running it queues it for a human.
        var decided = Policy.ToolCallGate.Decided(context);
        var request = (ApprovalRequest)(await pipeline.RunPlannedAsync(decided, cancellationToken)).Value!;
        followers.Follow(server, request.Id);
        return new EmergencyRequestResult(
            "pending_approval",
            request.Id,
            request.Id,
            request.ExpiresAt,
            Policy.ToolCallGate.ApprovalUri(request.Id),
            $"Queued for an emergency-approver operator ('kse approvals approve {request.Id}'). Nothing changes until a human grants it.");
    }
}
