using System.Text.Json;
using System.Text.Json.Serialization;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Core.Actions;

/// <summary>
/// What a face asks of the guarded path: one action (a tool or capability action name such as <c>ops_run</c>) by one actor,
/// with its scope as given and its arguments. Nothing in it is trusted yet: the pipeline parses and plans it.
/// </summary>
public sealed record ActionRequest
{
    public required Actor Actor { get; init; }

    /// <summary>The action's name: the MCP tool name (<c>ops_run</c>, <c>probe_restart</c>) or a capability's action name.</summary>
    public required string Action { get; init; }

    public string? Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    /// <summary>The arguments as JSON values (an MCP call's arguments, or a face's options shaped the same way).</summary>
    public IReadOnlyDictionary<string, JsonElement> Arguments { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The risk the action declares; a handler may know better (ops_run takes it from the operation's spec).</summary>
    public RiskClass Risk { get; init; } = RiskClass.Critical;

    /// <summary>Why (kept with a queued approval and in the audit trail).</summary>
    public string? Reason { get; init; }

    /// <summary>Joins every entry of the action; a new one is made when null.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Builds JSON arguments from plain values (for faces that are not MCP).</summary>
    public static IReadOnlyDictionary<string, JsonElement> ArgumentsOf(object values) =>
        JsonSerializer.SerializeToElement(values, KseJson.Options).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
}

/// <summary>
/// An action resolved once: typed scope, the instance chosen, and for runnable operations the exact argument vector, host, spec
/// version and the hash of the document that declares it. This is what is decided, audited, queued (as the approval's plan) and run.
/// </summary>
public sealed record ActionPlan
{
    public required string Action { get; init; }

    /// <summary>The project as given (checked by the decision); null for unscoped read calls.</summary>
    public string? Project { get; init; }

    /// <summary>The environment's name (an alias such as <c>prod</c> normalized when known).</summary>
    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public string? Host { get; init; }

    public required RiskClass Risk { get; init; }

    /// <summary>The declared operation, for actions that run one.</summary>
    public string? Operation { get; init; }

    public string? SpecVersion { get; init; }

    public IReadOnlyList<string>? Argv { get; init; }

    /// <summary>The command on the host as a human reads it.</summary>
    public string? Command { get; init; }

    public string? Document { get; init; }

    public string? DocumentSha256 { get; init; }

    /// <summary>Why this command, in words, when a choice was made (the tool a strategy picked); shown with the approval, not compared.</summary>
    public string? Rationale { get; init; }

    /// <summary>A look only: decided as a real run would be, audited, nothing runs.</summary>
    public bool DryRun { get; init; }

    /// <summary>The arguments as they will run (an omitted instance filled in): what an approval binds.</summary>
    public required IReadOnlyDictionary<string, JsonElement> Arguments { get; init; }

    /// <summary>The audit operation type of the action's entries: <c>tool.call</c>, or the handler's own (<c>ops.run</c>).</summary>
    public string AuditType { get; init; } = ActionPipeline.ToolCallType;

    public required string Target { get; init; }

    /// <summary>The parameters its audit entries carry (secrets are redacted by the trail).</summary>
    public required IReadOnlyDictionary<string, string?> AuditParameters { get; init; }

    /// <summary>The handler's own resolved form (an <c>ExecutionPlan</c> for ops_run).</summary>
    [JsonIgnore]
    public object? Detail { get; init; }

    /// <summary>The plan an approval stores and is bound to.</summary>
    public ApprovalPlan ToApprovalPlan() => new()
    {
        Tool = Action,
        Project = Project ?? "",
        Environment = Environment,
        Instance = Instance,
        Host = Host,
        Operation = Operation,
        Risk = Risk,
        SpecVersion = SpecVersion,
        Argv = Argv,
        Command = Command,
        Document = Document,
        DocumentSha256 = DocumentSha256,
        Rationale = Rationale,
    };
}

/// <summary>The decision for a plan and actor: the kernel's explanation, plus whether a run is recorded as an observation (a human at L1).</summary>
public sealed record ActionDecision(PolicyExplanation Explanation, bool Observed)
{
    public DecisionKind Kind => Explanation.Decision;
}

/// <summary>What running an action produced; <see cref="Value"/> is the handler's own result (an <c>OperationRunResult</c>).</summary>
public sealed record ActionRunResult
{
    /// <summary><c>succeeded</c>, <c>failed</c>, <c>timed_out</c>, <c>cancelled</c> or <c>dry_run</c>.</summary>
    public required string Status { get; init; }

    public string? ErrorContext { get; init; }

    /// <summary>Extra parameters for the outcome entry (exit code, duration, attempts).</summary>
    public IReadOnlyDictionary<string, string?>? Details { get; init; }

    public IReadOnlyList<string>? Recovery { get; init; }

    [JsonIgnore]
    public object? Value { get; init; }

    public bool Succeeded => Status is "succeeded" or "dry_run";
}

/// <summary>What a runner gets: the plan as decided, under the action's correlation id.</summary>
public sealed class ActionRunContext
{
    public required ActionRequest Request { get; init; }

    public required ActionPlan Plan { get; init; }

    public required ActionDecision Decision { get; init; }

    public required string CorrelationId { get; init; }

    /// <summary>The approval this run executes, if any.</summary>
    public ApprovalRequest? Approval { get; init; }

    /// <summary>Told of the run's steps (attempts, retries, verify, rollback) when the face can pass progress on.</summary>
    public IProgress<WorkProgress>? Progress { get; set; }

    /// <summary>Set by <see cref="ActionPipeline.RunPlannedAsync"/> when a face's own runner (an MCP tool body) ran the handler.</summary>
    public ActionRunResult? Result { get; set; }
}

/// <summary>How one action ended on the guarded path.</summary>
public sealed record ActionOutcome
{
    /// <summary><c>succeeded</c>, <c>failed</c>, <c>timed_out</c>, <c>flagged</c>, <c>dry_run</c>, <c>queued</c>, <c>observed</c> or <c>denied</c>.</summary>
    public required string Status { get; init; }

    public required string CorrelationId { get; init; }

    public required ActionDecision Decision { get; init; }

    /// <summary>Null when the request could not be planned (see <see cref="Error"/>).</summary>
    public ActionPlan? Plan { get; init; }

    public ApprovalRequest? Approval { get; init; }

    public ActionRunResult? Result { get; init; }

    /// <summary>Why a request could not be planned (bad input, unknown names); the face reports it under its own code.</summary>
    public KseException? Error { get; init; }

    public bool Ran => Result is { Status: not "dry_run" };
}

/// <summary>Runs a decided plan: the handler's own runner, or a face's (the MCP tool body behind the interception point).</summary>
public delegate ValueTask<ActionRunResult> ActionRunner(ActionPlan plan, ActionRunContext context, CancellationToken cancellationToken);

/// <summary>
/// Asked when a call would be queued: may a user's confirmation stand in (MCP elicitation, where configured)? Null: queue as usual;
/// otherwise accepted (runs) or refused (denied), with the rule the trail records.
/// </summary>
public delegate ValueTask<(bool Accepted, PolicyRule Rule)?> ActionConfirmer(ActionPlan plan, PolicyExplanation decision, CancellationToken cancellationToken);

/// <summary>
/// One kind of action the pipeline knows how to plan and run (ops_run, emergency requests, and later feedback responses or tool
/// installs). Actions without a handler are planned generically from their scope and declared risk and run by the face.
/// </summary>
public interface IActionHandler
{
    bool Handles(string action);

    /// <summary>Resolves the request into a plan; throws a <see cref="KseException"/> naming what cannot be resolved.</summary>
    ValueTask<ActionPlan> PlanAsync(ActionRequest request, CancellationToken cancellationToken);

    /// <summary>Runs a decided plan. Never decides or audits the action itself: the pipeline does.</summary>
    ValueTask<ActionRunResult> RunAsync(ActionPlan plan, ActionRunContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Whether an approval of this action is executed by running it again on the guarded path (<see cref="ApprovedActionRunner"/>).
    /// False for an action whose run itself queues a request that another executor carries out once approved (emergency requests).
    /// </summary>
    bool RunsWhenApproved => true;
}

/// <summary>The confidence of the learned or observed operation matching a plan, attached to the approval when a call is queued.</summary>
public interface IActionConfidence
{
    /// <summary>Null when nothing observed or recorded matches the plan.</summary>
    ValueTask<ApprovalConfidence?> ConfidenceAsync(ActionPlan plan, CancellationToken cancellationToken);
}
