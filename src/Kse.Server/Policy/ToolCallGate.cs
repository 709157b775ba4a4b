using System.Text.Json;
using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Server.Resources;
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

    /// <summary>Joins every audit entry of this call (<c>kse audit query --correlation</c>).</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The exact command that runs once approved (for operations).</summary>
    public string? CommandLine { get; init; }
}

/// <summary>
/// The MCP face of the guarded path: translates a tools/call into an <see cref="ActionRequest"/>, lets
/// <see cref="ActionPipeline"/> plan, decide, audit and run it (the tool body runs as the pipeline's runner, the plan travelling
/// in the request context's items), and translates the outcome back into a tool result. Unknown and unclassified tools and
/// malformed arguments are denied (and audited) before anything is planned.
/// </summary>
public sealed class ToolCallGate(ActionPipeline pipeline, ApprovalSubscriptions followers, UserConfirmation? confirmation = null)
{
    public const string OperationType = ActionPipeline.ToolCallType;

    /// <summary>The key under which the decided <see cref="ActionRunContext"/> reaches the tool body.</summary>
    public const string ContextKey = "kse.action";

    /// <summary>
    /// The action the interception point planned, decided and audited for this call, for a tool body to run; refused
    /// (<c>policy.denied</c>) when the call did not come through the interception point.
    /// </summary>
    public static ActionRunContext Decided(RequestContext<CallToolRequestParams> context) =>
        context.Items.TryGetValue(ContextKey, out var item) && item is ActionRunContext decided
            ? decided
            : throw KseException.Refused("policy.denied", $"{context.Params?.Name} runs only as decided by the interception point");

    public async ValueTask<CallToolResult> HandleAsync(RequestContext<CallToolRequestParams> context, McpRequestHandler<CallToolRequestParams, CallToolResult> next, CancellationToken cancellationToken)
    {
        var toolName = context.Params?.Name ?? "";
        IReadOnlyDictionary<string, JsonElement> args = context.Params?.Arguments is { } given ? new Dictionary<string, JsonElement>(given, StringComparer.Ordinal) : new Dictionary<string, JsonElement>();
        var request = new ActionRequest
        {
            Actor = Actor.Ai(ClientName(context)),
            Action = toolName,
            Project = Str(args, "project"),
            Environment = Str(args, "environment"),
            Instance = Str(args, "instance"),
            Arguments = args,
            Reason = Str(args, "reason"),
        };

        if (context.MatchedPrimitive is not McpServerTool tool)
        {
            return await DenyAsync(request, new PolicyRule("tool.unknown", $"unknown tool '{toolName}'"), cancellationToken);
        }

        var attribute = tool.Metadata.OfType<OperationRiskAttribute>().FirstOrDefault();
        if (attribute is null)
        {
            return await DenyAsync(request, new PolicyRule("tool.unclassified", $"tool '{toolName}' declares no risk class"), cancellationToken);
        }

        request = request with { Risk = attribute.Risk };

        // Malformed arguments are named before anything reads them; a missing scope of a non-read tool is left to input.scope_missing.
        if (ToolArguments.Problem(tool.ProtocolTool, context.Params?.Arguments, exceptScope: attribute.Risk != RiskClass.Read) is { } badArguments)
        {
            await DenyAsync(request, new PolicyRule(badArguments.Code, badArguments.Message), cancellationToken);
            return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = $"error {badArguments.Code}: {badArguments.Message}" }] };
        }

        if (attribute.Risk != RiskClass.Read && request.Instance is null && args.TryGetValue("instance", out var rawInstance) && rawInstance.ValueKind is not (JsonValueKind.Null or JsonValueKind.String))
        {
            return await DenyAsync(request, new PolicyRule("input.instance_invalid", $"'instance' must be an instance id (a string), not {rawInstance.ValueKind.ToString().ToLowerInvariant()}"), cancellationToken);
        }

        CallToolResult? ran = null;
        ActionOutcome outcome;
        try
        {
            outcome = await pipeline.ExecuteAsync(
                request,
                run: async (plan, runContext, ct) =>
                {
                    context.Items[ContextKey] = runContext;
                    ran = await next(context, ct);
                    return runContext.Result ?? FromToolResult(ran);
                },
                confirm: confirmation is null ? null : async (plan, decision, ct) =>
                    await confirmation.TryConfirmAsync(context, plan, decision, ct) is { } answer ? (answer.Accepted, answer.Rule) : null,
                cancellationToken);
        }
        catch (KseException ex) when (ex.Code == "audit.unavailable")
        {
            return KseErrorFilter.ErrorResult(ex);
        }

        if (ran is not null)
        {
            return ran;
        }

        var rules = outcome.Decision.Explanation.Rules;
        var plan = outcome.Plan;
        switch (outcome.Status)
        {
            case "queued" when outcome.Approval is { } queued:
                followers.Follow(context.Server, queued.Id);
                return Structured(new GatedCallResult
                {
                    Status = "pending_approval",
                    ApprovalId = queued.Id,
                    ExpiresAt = queued.ExpiresAt,
                    Resource = ApprovalUri(queued.Id),
                    Tool = toolName,
                    Project = plan?.Project,
                    Environment = plan?.Environment,
                    Instance = plan?.Instance,
                    Decision = outcome.Decision.Kind,
                    EffectiveLevel = outcome.Decision.Explanation.EffectiveLevel,
                    Rules = rules,
                    CorrelationId = outcome.CorrelationId,
                    CommandLine = plan?.Command,
                    Message = $"Not run: queued for a human operator (approval {queued.Id}, expires {queued.ExpiresAt:u}).{ApprovalConfidenceText.Sentence(queued.Confidence)} Follow it with approval_status or by subscribing to {ApprovalUri(queued.Id)}; once approved it runs once: at approval when the server can run it itself, otherwise when you repeat exactly this call.",
                });

            case "observed":
                return Structured(new GatedCallResult
                {
                    Status = "observed",
                    Tool = toolName,
                    Project = plan?.Project,
                    Environment = plan?.Environment,
                    Instance = plan?.Instance,
                    Decision = outcome.Decision.Kind,
                    EffectiveLevel = outcome.Decision.Explanation.EffectiveLevel,
                    Rules = rules,
                    CorrelationId = outcome.CorrelationId,
                    CommandLine = plan?.Command,
                    Message = rules.FirstOrDefault(r => r.Id == "spec.invalid") is { } invalid
                        ? $"Not run: recorded as an observation only. {invalid.Text}."
                        : $"Not run: at {outcome.Decision.Explanation.EffectiveLevel} (observation) this call is recorded as an observation only.",
                });

            default:
                return Denied(string.Join("; ", rules.Select(r => r.Text)));
        }
    }

    public static string ApprovalUri(string id) => $"kse://approvals/{id}";

    internal static CallToolResult Denied(string reason) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"error policy.denied: {reason}" }],
    };

    private async ValueTask<CallToolResult> DenyAsync(ActionRequest request, PolicyRule rule, CancellationToken cancellationToken)
    {
        await pipeline.DenyAsync(request, rule, cancellationToken);
        return Denied(rule.Text);
    }

    /// <summary>An outcome read from a tool body's result, for tools whose body is not an action handler.</summary>
    private static ActionRunResult FromToolResult(CallToolResult result) => result.IsError == true
        ? new ActionRunResult { Status = "failed", ErrorContext = string.Join(" ", result.Content.OfType<TextContentBlock>().Select(c => c.Text)) }
        : new ActionRunResult { Status = "succeeded" };

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
}
