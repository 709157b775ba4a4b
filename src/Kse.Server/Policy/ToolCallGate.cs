using System.Text.Json;
using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Server.Resources;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Policy;

/// <summary>What a tools/call returns instead of running: queued for a human, or only observed.</summary>
public sealed record GatedCallResult
{
    /// <summary><c>pending_approval</c> or <c>observed</c>.</summary>
    public required string Status { get; init; }

    public string? ApprovalId { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The resource to read or subscribe to for the approval's state.</summary>
    public string? Resource { get; init; }

    public required string Tool { get; init; }

    public string? Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public required DecisionKind Decision { get; init; }

    public TakeoverLevel? EffectiveLevel { get; init; }

    public required IReadOnlyList<PolicyRule> Rules { get; init; }

    public required string Message { get; init; }
}

/// <summary>
/// The logic behind the one interception point: decide with the kernel, audit the decision before the tool runs and the
/// outcome after, queue or observe instead of running, deny when in doubt.
/// </summary>
public sealed class ToolCallGate
{
    public const string OperationType = "tool.call";

    private readonly PolicyService _policy;
    private readonly ApprovalService _approvals;
    private readonly IAuditTrail _audit;
    private readonly IEnumerable<IToolRiskResolver> _resolvers;
    private readonly ILogger<ToolCallGate> _log;
    private readonly ApprovalSubscriptions _followers;

    private readonly UserConfirmation? _confirmation;
    private readonly ProgressionService? _progression;

    public ToolCallGate(PolicyService policy, ApprovalService approvals, IAuditTrail audit, IEnumerable<IToolRiskResolver> resolvers, ApprovalSubscriptions followers, ILogger<ToolCallGate> log, UserConfirmation? confirmation = null, ProgressionService? progression = null)
    {
        _progression = progression;
        _followers = followers;
        _confirmation = confirmation;
        _policy = policy;
        _approvals = approvals;
        _audit = audit;
        _resolvers = resolvers;
        _log = log;
    }

    public async ValueTask<CallToolResult> HandleAsync(RequestContext<CallToolRequestParams> context, McpRequestHandler<CallToolRequestParams, CallToolResult> next, CancellationToken cancellationToken)
    {
        var toolName = context.Params?.Name ?? "";
        IReadOnlyDictionary<string, JsonElement> args = context.Params?.Arguments is { } given ? new Dictionary<string, JsonElement>(given, StringComparer.Ordinal) : new Dictionary<string, JsonElement>();
        var actor = Actor.Ai(ClientName(context));
        var correlation = "call-" + Guid.NewGuid().ToString("N")[..16];
        var project = Str(args, "project");
        var environment = Str(args, "environment");
        var instance = Str(args, "instance");

        if (context.MatchedPrimitive is not McpServerTool tool)
        {
            return await DenyAsync(actor, toolName, project, environment, args, correlation, new PolicyRule("tool.unknown", $"unknown tool '{toolName}'"), cancellationToken);
        }

        var attribute = tool.Metadata.OfType<OperationRiskAttribute>().FirstOrDefault();
        if (attribute is null)
        {
            return await DenyAsync(actor, toolName, project, environment, args, correlation, new PolicyRule("tool.unclassified", $"tool '{toolName}' declares no risk class"), cancellationToken);
        }

        // Malformed arguments are named before anything reads them; a missing scope of a non-read tool is left to input.scope_missing.
        if (ToolArguments.Problem(tool.ProtocolTool, context.Params?.Arguments, exceptScope: attribute.Risk != RiskClass.Read) is { } badArguments)
        {
            return await RejectArgumentsAsync(actor, toolName, project, environment, args, correlation, badArguments, cancellationToken);
        }

        RiskClass risk;
        try
        {
            risk = await ResolveRiskAsync(toolName, args, attribute.Risk, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return await DenyAsync(actor, toolName, project, environment, args, correlation, new PolicyRule(ex is KseException known ? known.Code : "tool.risk_unresolved", $"this '{toolName}' call cannot be decided (its risk or target could not be resolved): {Describe(ex)}"), cancellationToken);
        }

        if (risk == RiskClass.Read)
        {
            if (ToolArguments.Problem(tool.ProtocolTool, context.Params?.Arguments) is { } malformed)
            {
                return await RejectArgumentsAsync(actor, toolName, project, environment, args, correlation, malformed, cancellationToken);
            }

            // Read tools run at every level; they often have no project scope, so the kernel's table is applied directly.
            var (_, rule) = PolicyKernel.DecideAt(TakeoverLevel.L1, RiskClass.Read);
            var readDecision = new PolicyExplanation
            {
                Project = project ?? "",
                Environment = environment,
                Instance = instance,
                Operation = toolName,
                Risk = risk.Name(),
                Actor = actor.ToString(),
                Decision = DecisionKind.Run,
                Rules = [new PolicyRule(rule.Id, "read tools run at every level")],
            };
            return await RunAsync(context, next, actor, toolName, args, readDecision, correlation, approval: null, cancellationToken);
        }

        if (instance is null && args.TryGetValue("instance", out var rawInstance) && rawInstance.ValueKind is not (JsonValueKind.Null or JsonValueKind.String))
        {
            return await DenyAsync(actor, toolName, project, environment, args, correlation, new PolicyRule("input.instance_invalid", $"'instance' must be an instance id (a string), not {rawInstance.ValueKind.ToString().ToLowerInvariant()}"), cancellationToken);
        }

        if (project is null || environment is null)
        {
            return await DenyAsync(actor, toolName, project, environment, args, correlation, new PolicyRule("input.scope_missing", $"tool '{toolName}' is {risk.Name()}: its call must name 'project' and 'environment'"), cancellationToken);
        }

        // An accepted alias ('prod') is recorded by its name, so approvals and audit entries can be found by it.
        if (PolicyKernel.IsKnownEnvironmentName(environment, out var environmentKind))
        {
            environment = environmentKind.Name();
        }

        var decision = _policy.Evaluate(project, environment, toolName, risk, instance, actor);
        var canonical = ApprovalBinding.Canonical(args);
        var reason = Str(args, "reason") ?? $"{toolName} requested by {actor}";
        switch (decision.Decision)
        {
            case DecisionKind.Run:
            case DecisionKind.RunAndFlag:
                return await RunAsync(context, next, actor, toolName, args, decision, correlation, approval: null, cancellationToken);

            case DecisionKind.QueueForApproval:
            {
                var binding = ApprovalBinding.Compute(toolName, canonical, project, environment, instance, actor.ToString(), reason, risk);
                if (_approvals.FindApproved(binding) is { } approved && _approvals.TryBeginExecution(approved.Id, binding) is { } claimed)
                {
                    var viaApproval = decision with
                    {
                        Decision = DecisionKind.Run,
                        Rules = [.. decision.Rules, new PolicyRule("approval.approved", $"approval {claimed.Id} by {claimed.DecidedBy} covers exactly this call; it runs once")],
                    };
                    return await RunAsync(context, next, actor, toolName, args, viaApproval, correlation, claimed, cancellationToken);
                }

                // Where configured (normal risk, development/test, never production) the client's user may confirm instead of the queue.
                if (_confirmation is not null && await _confirmation.TryConfirmAsync(context, toolName, risk, decision, args, cancellationToken) is { } confirmed)
                {
                    var confirmedDecision = decision with { Decision = confirmed.Accepted ? DecisionKind.Run : DecisionKind.Deny, Rules = [.. decision.Rules, confirmed.Rule] };
                    if (confirmed.Accepted)
                    {
                        return await RunAsync(context, next, actor, toolName, args, confirmedDecision, correlation, approval: null, cancellationToken);
                    }

                    await TryAuditAsync(Draft(actor, toolName, args, confirmedDecision, correlation, "denied"), cancellationToken);
                    return Denied(confirmed.Rule.Text);
                }

                if (!await TryAuditAsync(Draft(actor, toolName, args, decision, correlation, "queued"), cancellationToken))
                {
                    return AuditFailed(toolName);
                }

                var queued = await _approvals.CreateAsync(
                    new ApprovalDraft
                    {
                        Tool = toolName,
                        ArgumentsJson = canonical,
                        Project = project,
                        Environment = environment,
                        Instance = instance,
                        Requester = actor.ToString(),
                        Reason = reason,
                        Risk = risk,
                        CorrelationId = correlation,
                        EffectiveLevel = decision.EffectiveLevel,
                    },
                    cancellationToken);
                _followers.Follow(context.Server, queued.Id);
                return Structured(new GatedCallResult
                {
                    Status = "pending_approval",
                    ApprovalId = queued.Id,
                    ExpiresAt = queued.ExpiresAt,
                    Resource = ApprovalUri(queued.Id),
                    Tool = toolName,
                    Project = project,
                    Environment = environment,
                    Instance = instance,
                    Decision = decision.Decision,
                    EffectiveLevel = decision.EffectiveLevel,
                    Rules = decision.Rules,
                    Message = $"Not run: queued for a human operator (approval {queued.Id}, expires {queued.ExpiresAt:u}). Follow it with approval_status or by subscribing to {ApprovalUri(queued.Id)}; once approved it runs once: at approval when the server can run it itself, otherwise when you repeat exactly this call.",
                });
            }

            case DecisionKind.ObserveOnly:
                if (!await TryAuditAsync(Draft(actor, toolName, args, decision, correlation, "observed"), cancellationToken))
                {
                    return AuditFailed(toolName);
                }

                return Structured(new GatedCallResult
                {
                    Status = "observed",
                    Tool = toolName,
                    Project = project,
                    Environment = environment,
                    Instance = instance,
                    Decision = decision.Decision,
                    EffectiveLevel = decision.EffectiveLevel,
                    Rules = decision.Rules,
                    Message = $"Not run: at {decision.EffectiveLevel} (observation) this call is recorded as an observation only.",
                });

            default:
                await TryAuditAsync(Draft(actor, toolName, args, decision, correlation, "denied"), cancellationToken);
                return Denied(string.Join("; ", decision.Rules.Select(r => r.Text)));
        }
    }

    public static string ApprovalUri(string id) => $"kse://approvals/{id}";

    internal static CallToolResult Denied(string reason) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"error policy.denied: {reason}" }],
    };

    private async ValueTask<CallToolResult> RunAsync(
        RequestContext<CallToolRequestParams> context,
        McpRequestHandler<CallToolRequestParams, CallToolResult> next,
        Actor actor,
        string toolName,
        IReadOnlyDictionary<string, JsonElement> args,
        PolicyExplanation decision,
        string correlation,
        ApprovalRequest? approval,
        CancellationToken cancellationToken)
    {
        if (!await TryAuditAsync(Draft(actor, toolName, args, decision, correlation, "decided"), cancellationToken))
        {
            if (approval is not null)
            {
                _approvals.CompleteExecution(approval.Id, succeeded: false, "the decision could not be audited; the tool did not run");
            }

            return AuditFailed(toolName);
        }

        CallToolResult result;
        try
        {
            result = await next(context, cancellationToken);
        }
        catch (Exception ex)
        {
            await TryAuditAsync(Draft(actor, toolName, args, decision, correlation, ex is OperationCanceledException ? "cancelled" : "failed") with { ErrorContext = Describe(ex) }, CancellationToken.None);
            if (approval is not null)
            {
                _approvals.CompleteExecution(approval.Id, succeeded: false, Describe(ex));
            }

            if (ex is not OperationCanceledException)
            {
                await CheckProgressionAsync(decision);
            }

            throw;
        }

        var failed = result.IsError == true;
        var error = failed ? string.Join(" ", result.Content.OfType<TextContentBlock>().Select(c => c.Text)) : null;
        var outcome = failed ? "failed" : decision.Decision == DecisionKind.RunAndFlag ? "flagged" : "succeeded";
        if (!await TryAuditAsync(Draft(actor, toolName, args, decision, correlation, outcome) with { ErrorContext = error }, CancellationToken.None))
        {
            _log.LogError("The outcome of {Tool} ({Correlation}) could not be audited", toolName, correlation);
        }

        if (approval is not null)
        {
            _approvals.CompleteExecution(approval.Id, !failed, error);
        }

        await CheckProgressionAsync(decision);
        return result;
    }

    /// <summary>After an outcome of a scoped (non-read) call: demote by itself when the recent error rate passes the threshold.</summary>
    private async ValueTask CheckProgressionAsync(PolicyExplanation decision)
    {
        if (_progression is null || decision.EffectiveLevel is null || string.IsNullOrEmpty(decision.Project) || decision.Environment is null)
        {
            return;
        }

        try
        {
            if (await _progression.CheckAfterOutcomeAsync(decision.Project, decision.Environment, CancellationToken.None) is { } change)
            {
                _log.LogWarning("Demoted {Project}/{Environment} from {From} to {To}: {Reason}", change.Project, change.Environment.Name(), change.From, change.To, change.Reason);
            }
        }
        catch (Exception ex)
        {
            // The call's own result stands; the periodic sweep and 'kse takeover progress' check again.
            _log.LogError(ex, "Progression check after {Operation} on {Project}/{Environment} failed", decision.Operation, decision.Project, decision.Environment);
        }
    }

    private async ValueTask<CallToolResult> DenyAsync(Actor actor, string toolName, string? project, string? environment, IReadOnlyDictionary<string, JsonElement> args, string correlation, PolicyRule rule, CancellationToken cancellationToken)
    {
        var decision = new PolicyExplanation
        {
            Project = project ?? "",
            Environment = environment,
            Operation = toolName,
            Actor = actor.ToString(),
            Decision = DecisionKind.Deny,
            Rules = [rule],
        };
        await TryAuditAsync(Draft(actor, toolName, args, decision, correlation, "denied"), cancellationToken);
        return Denied(rule.Text);
    }

    /// <summary>A call whose arguments do not fit the tool's schema is denied (and audited) with the argument named.</summary>
    private async ValueTask<CallToolResult> RejectArgumentsAsync(Actor actor, string toolName, string? project, string? environment, IReadOnlyDictionary<string, JsonElement> args, string correlation, (string Code, string Message) problem, CancellationToken cancellationToken)
    {
        await DenyAsync(actor, toolName, project, environment, args, correlation, new PolicyRule(problem.Code, problem.Message), cancellationToken);
        return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = $"error {problem.Code}: {problem.Message}" }] };
    }

    private async ValueTask<RiskClass> ResolveRiskAsync(string tool, IReadOnlyDictionary<string, JsonElement> args, RiskClass declared, CancellationToken cancellationToken)
    {
        foreach (var resolver in _resolvers)
        {
            if (resolver.Handles(tool) && await resolver.ResolveAsync(tool, args, cancellationToken) is { } dynamic)
            {
                return PolicyKernel.IsKnown(dynamic) ? dynamic : throw KseException.BadInput("policy.risk_unknown", $"resolver returned risk value {(int)dynamic}");
            }
        }

        return declared;
    }

    private async ValueTask<bool> TryAuditAsync(AuditDraft draft, CancellationToken cancellationToken)
    {
        try
        {
            await _audit.AppendAsync(draft, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _log.LogError(ex, "Audit append failed for {Type} {Target} ({Outcome})", draft.OperationType, draft.Target, draft.Outcome);
            return false;
        }
    }

    private static AuditDraft Draft(Actor actor, string tool, IReadOnlyDictionary<string, JsonElement> args, PolicyExplanation decision, string correlation, string outcome) => new()
    {
        Actor = actor,
        OperationType = OperationType,
        Project = string.IsNullOrEmpty(decision.Project) ? null : decision.Project,
        Environment = decision.Environment,
        TakeoverLevel = decision.EffectiveLevel?.ToString(),
        Target = tool,
        Parameters = args.ToDictionary(p => p.Key, p => (string?)(p.Value.ValueKind switch
        {
            JsonValueKind.String => p.Value.GetString(),
            JsonValueKind.Object or JsonValueKind.Array => ApprovalBinding.RedactSecrets(p.Value.GetRawText()),
            _ => p.Value.GetRawText(),
        }), StringComparer.Ordinal),
        Decision = decision.Decision.Name(),
        Rules = decision.RuleLines(),
        Outcome = outcome,
        CorrelationId = correlation,
    };

    private static CallToolResult AuditFailed(string tool) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"error audit.unavailable: the decision for '{tool}' could not be written to the audit trail; the tool did not run" }],
    };

    private static CallToolResult Structured(GatedCallResult value)
    {
        var element = JsonSerializer.SerializeToElement(value, KseJson.Options);
        return new CallToolResult
        {
            StructuredContent = element,
            Content = [new TextContentBlock { Text = element.GetRawText() }],
        };
    }

    // An agent authenticated over HTTP is named by its credential, never by the client info it sends.
    private static string ClientName(RequestContext<CallToolRequestParams> context) =>
        Http.AgentAccess.AgentName(context.User) is { } agent ? agent
        : context.JsonRpcRequest.Context?.ClientInfo?.Name is { Length: > 0 } perRequest ? perRequest
        : context.Server.ClientInfo?.Name is { Length: > 0 } name ? name
        : "unknown-client";

    private static string? Str(IReadOnlyDictionary<string, JsonElement> args, string key) =>
        args.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static string Describe(Exception ex) => ex is KseException k ? $"{k.Code}: {k.Message}" : ex.Message;
}
