using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Policy;

namespace Kse.Core.Actions;

/// <summary>
/// An AI's <c>emergency_request</c> on the guarded path: planned (checked by <see cref="EmergencyService.CheckRequest"/>: project,
/// environment, level under the cap, minutes, reason), decided and audited like every action; running it only queues the request
/// for a human emergency-approver (it changes nothing on any system, so it is <c>read</c> and allowed at every level). Once an
/// operator approves it, <see cref="EmergencyRequestExecutor"/> grants the elevation; this action itself is never re-run at
/// approval (<see cref="IActionHandler.RunsWhenApproved"/> is false).
/// </summary>
public sealed class EmergencyRequestActionHandler(Func<EmergencyService> emergency, Func<ApprovalService> approvals) : IActionHandler
{
    public const string Action = ApprovalService.EmergencyRequestTool;

    public bool Handles(string action) => action == Action;

    public bool RunsWhenApproved => false;

    public ValueTask<ActionPlan> PlanAsync(ActionRequest request, CancellationToken cancellationToken)
    {
        var args = request.Arguments;
        var asked = emergency().CheckRequest(Str(args, "project") ?? request.Project, Str(args, "environment") ?? request.Environment, Str(args, "level"), Int(args, "minutes"), Str(args, "reason") ?? request.Reason);
        return ValueTask.FromResult(new ActionPlan
        {
            Action = Action,
            Project = asked.Project,
            Environment = asked.Environment.Name(),
            Risk = RiskClass.Read,
            Operation = Action,
            Arguments = args,
            Target = $"{Action} {asked.Level} for {asked.Minutes} min",
            Rationale = asked.Reason,
            AuditParameters = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["level"] = asked.Level.ToString(),
                ["minutes"] = asked.Minutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["reason"] = asked.Reason,
            },
        });
    }

    public async ValueTask<ActionRunResult> RunAsync(ActionPlan plan, ActionRunContext context, CancellationToken cancellationToken)
    {
        var asked = emergency().CheckRequest(plan.Project, plan.Environment, Str(plan.Arguments, "level"), Int(plan.Arguments, "minutes"), Str(plan.Arguments, "reason") ?? context.Request.Reason);
        var args = JsonSerializer.Serialize(new { project = asked.Project, environment = asked.Environment.Name(), level = asked.Level.ToString(), minutes = asked.Minutes, reason = asked.Reason });
        var request = await approvals().CreateAsync(
            new ApprovalDraft
            {
                Tool = Action,
                ArgumentsJson = args,
                Project = asked.Project,
                Environment = asked.Environment.Name(),
                Requester = context.Request.Actor.ToString(),
                Reason = asked.Reason,
                Risk = RiskClass.Critical,
                CorrelationId = context.CorrelationId,
            },
            cancellationToken);
        return new ActionRunResult
        {
            Status = "succeeded",
            Details = new Dictionary<string, string?>(StringComparer.Ordinal) { ["approval"] = request.Id },
            Value = request,
        };
    }

    private static string? Str(IReadOnlyDictionary<string, JsonElement> args, string key) =>
        args.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(IReadOnlyDictionary<string, JsonElement> args, string key) =>
        args.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : null;
}
