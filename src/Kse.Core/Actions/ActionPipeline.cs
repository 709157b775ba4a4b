using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Microsoft.Extensions.Logging;

namespace Kse.Core.Actions;

/// <summary>
/// The one guarded path every action takes, whatever the face (an MCP tool call, <c>kse ops run</c>, an approval executed from the
/// page, the operator API or <c>kse approvals approve</c>, an emergency request, and later feedback responses and tool installs):
/// plan once (typed scope, the instance resolved, the exact command and document hash) → decide (the kernel, the actor's rules, the
/// spec's validity) → audit the decision → queue / observe / deny / run → audit the outcome → complete the approval → one progression
/// check. One correlation id joins every entry of the action. Call <see cref="ExecuteAsync"/> with an <see cref="ActionRequest"/>;
/// register an <see cref="IActionHandler"/> to plan and run a new kind of action.
/// </summary>
public sealed class ActionPipeline
{
    public const string ToolCallType = "tool.call";

    private readonly PolicyService _policy;
    private readonly ApprovalService _approvals;
    private readonly IAuditTrail _audit;
    private readonly IReadOnlyList<IActionHandler> _handlers;
    private readonly SpecValidity _specs;
    private readonly ILogger<ActionPipeline> _log;
    private readonly ProgressionService? _progression;
    private readonly IActionConfidence? _confidence;

    public ActionPipeline(PolicyService policy, ApprovalService approvals, IAuditTrail audit, IEnumerable<IActionHandler> handlers, SpecValidity specs, ILogger<ActionPipeline> log, ProgressionService? progression = null, IActionConfidence? confidence = null)
    {
        _confidence = confidence;
        _policy = policy;
        _approvals = approvals;
        _audit = audit;
        _handlers = handlers.ToList();
        _specs = specs;
        _log = log;
        _progression = progression;
    }

    public static string NewCorrelationId() => "act-" + Guid.NewGuid().ToString("N")[..16];

    public IActionHandler? HandlerFor(string action) => _handlers.FirstOrDefault(h => h.Handles(action));

    /// <summary>Resolves a request once: through its handler, or generically from its scope and declared risk. Throws what cannot be resolved.</summary>
    public ValueTask<ActionPlan> PlanAsync(ActionRequest request, CancellationToken cancellationToken = default) =>
        HandlerFor(request.Action) is { } handler ? handler.PlanAsync(request, cancellationToken) : ValueTask.FromResult(GenericPlan(request));

    /// <summary>
    /// The decision for a plan and actor. AI actors are bound by the takeover level and the environment caps, and to observation while
    /// the project's spec does not validate (<c>spec.invalid</c>). Humans are bound by four-eyes on critical operations in
    /// pre-production and production; otherwise they run, and at L1 their runs are recorded as observations.
    /// </summary>
    public async ValueTask<ActionDecision> DecideAsync(ActionPlan plan, Actor actor, CancellationToken cancellationToken = default)
    {
        var decision = await DecideByLevelAsync(plan, actor, cancellationToken);
        return HandlerFor(plan.Action) is IConstrainedActionHandler constrained ? constrained.Constrain(plan, actor, decision) : decision;
    }

    private async ValueTask<ActionDecision> DecideByLevelAsync(ActionPlan plan, Actor actor, CancellationToken cancellationToken)
    {
        if (plan.Risk == RiskClass.Read && !plan.DryRun)
        {
            // Read calls run at every level; they often have no project scope, so the kernel's table is applied directly.
            var (_, rule) = PolicyKernel.DecideAt(TakeoverLevel.L1, RiskClass.Read);
            return new ActionDecision(
                new PolicyExplanation
                {
                    Project = plan.Project ?? "",
                    Environment = plan.Environment,
                    Instance = plan.Instance,
                    Operation = plan.Action,
                    Risk = plan.Risk.Name(),
                    Actor = actor.ToString(),
                    Decision = DecisionKind.Run,
                    Rules = [new PolicyRule(rule.Id, "read tools run at every level")],
                },
                Observed: false);
        }

        if (plan.Project is null || plan.Environment is null)
        {
            return new ActionDecision(Denial(plan.Action, plan.Project, plan.Environment, actor, new PolicyRule("input.scope_missing", $"tool '{plan.Action}' is {plan.Risk.Name()}: its call must name 'project' and 'environment'")), false);
        }

        var d = await _policy.EvaluateAsync(plan.Project, plan.Environment, plan.Operation ?? plan.Action, plan.Risk, plan.Instance, actor, cancellationToken);
        return ForActor(d, actor, plan.Risk, plan.SpecVersion);
    }

    /// <summary>
    /// Applies who is asking to the kernel's decision (what <c>kse policy explain --actor</c> shows): humans are bound by four-eyes on
    /// critical operations in pre-production and production and otherwise run (observed at L1); the AI stays within the kernel's
    /// decision and only observes while the project's spec does not validate (<c>spec.invalid</c>).
    /// </summary>
    /// <param name="specVersion">The spec version the plan was read from: the AI is held to that version's documents.</param>
    public ActionDecision ForActor(PolicyExplanation d, Actor actor, RiskClass risk, string? specVersion = null)
    {
        if (d.Decision == DecisionKind.Deny || risk == RiskClass.Read || !PolicyKernel.IsKnownEnvironmentName(d.Environment, out var env))
        {
            return new ActionDecision(d, false);
        }

        if (IsHuman(actor))
        {
            if (risk == RiskClass.Critical && env is EnvironmentKind.PreProduction or EnvironmentKind.Production)
            {
                return new ActionDecision(d with
                {
                    Decision = DecisionKind.QueueForApproval,
                    Rules = [.. d.Rules, new PolicyRule("human.four_eyes", $"a critical operation in {env.Name()} needs a second operator's approval (four-eyes), whatever the takeover level")],
                }, false);
            }

            var observed = d.EffectiveLevel == TakeoverLevel.L1;
            var rules = d.Rules.ToList();
            rules.Add(new PolicyRule("human.runs", $"takeover levels bound the AI, not operators: {actor} runs this {risk.Name()} operation"));
            if (observed)
            {
                rules.Add(new PolicyRule("human.observed", "at L1 (observation) a human's run is recorded as an observation"));
            }

            return new ActionDecision(d with { Decision = DecisionKind.Run, Rules = rules }, observed);
        }

        if (_specs.FirstProblem(d.Project, specVersion) is { } problem)
        {
            return new ActionDecision(d with
            {
                Decision = DecisionKind.ObserveOnly,
                Rules = [.. d.Rules, new PolicyRule("spec.invalid", $"the operations spec of '{d.Project}' does not validate ({problem.Document}: {problem.Problem}); until it does, the AI may only observe")],
            }, false);
        }

        return new ActionDecision(d, false);
    }

    /// <summary>
    /// The whole path for one action. <paramref name="run"/> is the face's own runner (the MCP tool body); null runs the handler.
    /// <paramref name="confirm"/> may stand in for the queue where configured. Refusals and queueing are outcomes, not exceptions;
    /// a failed audit write throws <c>audit.unavailable</c> and nothing runs.
    /// </summary>
    public async Task<ActionOutcome> ExecuteAsync(ActionRequest request, ActionRunner? run = null, ActionConfirmer? confirm = null, CancellationToken cancellationToken = default)
    {
        var correlation = request.CorrelationId ?? NewCorrelationId();
        ActionPlan plan;
        try
        {
            plan = await PlanAsync(request, cancellationToken);
        }
        catch (KseException ex)
        {
            var rule = new PolicyRule(ex.Code, $"this '{request.Action}' call cannot be decided (its risk or target could not be resolved): {ex.Code}: {ex.Message}");
            var denial = new ActionDecision(Denial(request.Action, request.Project, request.Environment, request.Actor, rule), false);
            var unplanned = UnplannedPlan(request);
            await TryAuditAsync(Draft(request.Actor, unplanned, denial, correlation, "denied") with { ErrorContext = Describe(ex) }, cancellationToken);
            return new ActionOutcome { Status = "denied", CorrelationId = correlation, Decision = denial, Error = ex };
        }

        var decision = await DecideAsync(plan, request.Actor, cancellationToken);
        if (plan.DryRun)
        {
            await AuditOrThrowAsync(Draft(request.Actor, plan, decision, correlation, "dry_run") with { OperationType = plan.AuditType + ".dry_run" }, plan, cancellationToken);
            var context = new ActionRunContext { Request = request, Plan = plan, Decision = decision, CorrelationId = correlation };
            var dry = await (run ?? HandlerRunner(plan))(plan, context, cancellationToken);
            return new ActionOutcome { Status = "dry_run", CorrelationId = correlation, Decision = decision, Plan = plan, Result = context.Result ?? dry };
        }

        switch (decision.Kind)
        {
            case DecisionKind.Run:
            case DecisionKind.RunAndFlag:
                return await RunAsync(request, plan, decision, correlation, approval: null, run, cancellationToken);

            case DecisionKind.QueueForApproval:
            {
                var reason = string.IsNullOrWhiteSpace(request.Reason) ? $"{request.Action} requested by {request.Actor}" : request.Reason.Trim();
                var canonical = ApprovalBinding.Canonical(plan.Arguments);
                var approvalPlan = plan.ToApprovalPlan();
                var binding = ApprovalBinding.Compute(plan.Action, canonical, plan.Project!, plan.Environment, plan.Instance, request.Actor.ToString(), reason, plan.Risk, approvalPlan);
                if (await _approvals.FindApprovedAsync(binding, cancellationToken) is { } approved && await _approvals.TryBeginExecutionAsync(approved.Id, binding, cancellationToken) is { } claimed)
                {
                    var viaApproval = decision with
                    {
                        Explanation = decision.Explanation with
                        {
                            Decision = DecisionKind.Run,
                            Rules = [.. decision.Explanation.Rules, new PolicyRule("approval.approved", $"approval {claimed.Id} by {claimed.DecidedBy} covers exactly this call; it runs once")],
                        },
                    };
                    return await RunAsync(request, plan, viaApproval, claimed.CorrelationId ?? correlation, claimed, run, cancellationToken);
                }

                if (confirm is not null && await confirm(plan, decision.Explanation, cancellationToken) is { } confirmed)
                {
                    var answered = decision with
                    {
                        Explanation = decision.Explanation with { Decision = confirmed.Accepted ? DecisionKind.Run : DecisionKind.Deny, Rules = [.. decision.Explanation.Rules, confirmed.Rule] },
                    };
                    if (confirmed.Accepted)
                    {
                        return await RunAsync(request, plan, answered, correlation, approval: null, run, cancellationToken);
                    }

                    await TryAuditAsync(Draft(request.Actor, plan, answered, correlation, "denied"), cancellationToken);
                    return new ActionOutcome { Status = "denied", CorrelationId = correlation, Decision = answered, Plan = plan };
                }

                var confidence = await ConfidenceAsync(plan, cancellationToken);
                var queuedEntry = Draft(request.Actor, plan, decision, correlation, "queued");
                if (confidence is not null)
                {
                    queuedEntry = queuedEntry with { Parameters = Merge(queuedEntry.Parameters ?? new Dictionary<string, string?>(), new Dictionary<string, string?> { ["confidence"] = confidence.Score.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) }) };
                }

                await AuditOrThrowAsync(queuedEntry, plan, cancellationToken);
                var queued = await _approvals.CreateAsync(
                    new ApprovalDraft
                    {
                        Tool = plan.Action,
                        ArgumentsJson = canonical,
                        Project = plan.Project!,
                        Environment = plan.Environment,
                        Instance = plan.Instance,
                        Requester = request.Actor.ToString(),
                        Reason = reason,
                        Risk = plan.Risk,
                        CorrelationId = correlation,
                        EffectiveLevel = decision.Explanation.EffectiveLevel,
                        Plan = approvalPlan,
                        Confidence = confidence,
                    },
                    cancellationToken);
                return new ActionOutcome { Status = "queued", CorrelationId = correlation, Decision = decision, Plan = plan, Approval = queued };
            }

            case DecisionKind.ObserveOnly:
                await AuditOrThrowAsync(Draft(request.Actor, plan, decision, correlation, "observed"), plan, cancellationToken);
                return new ActionOutcome { Status = "observed", CorrelationId = correlation, Decision = decision, Plan = plan };

            default:
                await TryAuditAsync(Draft(request.Actor, plan, decision, correlation, "denied"), cancellationToken);
                return new ActionOutcome { Status = "denied", CorrelationId = correlation, Decision = decision, Plan = plan };
        }
    }

    /// <summary>Denies a request before it is planned (an unknown tool, malformed arguments), audited under a new correlation id.</summary>
    public async Task<ActionOutcome> DenyAsync(ActionRequest request, PolicyRule rule, CancellationToken cancellationToken = default)
    {
        var correlation = request.CorrelationId ?? NewCorrelationId();
        var denial = new ActionDecision(Denial(request.Action, request.Project, request.Environment, request.Actor, rule), false);
        await TryAuditAsync(Draft(request.Actor, UnplannedPlan(request), denial, correlation, "denied"), cancellationToken);
        return new ActionOutcome { Status = "denied", CorrelationId = correlation, Decision = denial };
    }

    /// <summary>Audits a recovery step's decision (a rollback) under the action's correlation id; throws <c>audit.unavailable</c> when it cannot.</summary>
    public ValueTask AuditRecoveryAsync(Actor actor, ActionPlan plan, ActionDecision decision, string outcome, string correlation, CancellationToken cancellationToken) =>
        AuditOrThrowAsync(Draft(actor, plan, decision, correlation, outcome), plan, cancellationToken);

    /// <summary>For a face's own runner (the MCP tool body): runs the handler for the decided plan and keeps its result on the context.</summary>
    public async ValueTask<ActionRunResult> RunPlannedAsync(ActionRunContext context, CancellationToken cancellationToken)
    {
        var result = await HandlerRunner(context.Plan)(context.Plan, context, cancellationToken);
        context.Result = result;
        return result;
    }

    /// <summary>
    /// Runs an approved action (called by the approval queue once an operator approved it and it still plans to exactly what was
    /// approved): audited as the server acting for the approver and the requester, under the approval's correlation id.
    /// </summary>
    public async Task<ActionOutcome> RunApprovedAsync(ApprovalRequest approval, string approvedBy, CancellationToken cancellationToken)
    {
        var request = RequestOf(approval);
        var plan = await PlanAsync(request, cancellationToken);
        var changes = approval.Plan is { } approvedPlan ? approvedPlan.Differences(plan.ToApprovalPlan()) : [];
        if (changes.Count > 0)
        {
            throw KseException.Refused("approvals.stale", $"approval {approval.Id} is stale, nothing ran: {string.Join("; ", changes)}");
        }

        var explanation = new PolicyExplanation
        {
            Project = plan.Project ?? "",
            Environment = plan.Environment,
            Instance = plan.Instance,
            Operation = plan.Operation ?? plan.Action,
            Risk = plan.Risk.Name(),
            Actor = Actor.Server.ToString(),
            Decision = DecisionKind.Run,
            EffectiveLevel = approval.EffectiveLevel,
            Rules =
            [
                new PolicyRule("approval.executed", $"{approval.Id} approved by operator:{approvedBy}"),
                new PolicyRule("approval.requested", $"by {approval.Requester}: {approval.Reason}"),
                new PolicyRule("approval.binding", $"sha256:{approval.Binding}"),
            ],
        };
        return await RunAsync(request with { Actor = Actor.Server }, plan, new ActionDecision(explanation, false), approval.CorrelationId ?? approval.Id, approval: null, run: null, cancellationToken);
    }

    /// <summary>What would run now for an approval, compared with what was approved; empty when identical.</summary>
    public async ValueTask<IReadOnlyList<string>> ChangesSinceApprovalAsync(ApprovalRequest approval, CancellationToken cancellationToken = default)
    {
        if (approval.Plan is not { } approved)
        {
            return [];
        }

        try
        {
            return approved.Differences((await PlanAsync(RequestOf(approval), cancellationToken)).ToApprovalPlan());
        }
        catch (KseException ex)
        {
            return [$"it can no longer be planned ({ex.Code}: {ex.Message})"];
        }
    }

    /// <summary>The request an approval was made from (its stored arguments, as they will run).</summary>
    public static ActionRequest RequestOf(ApprovalRequest approval)
    {
        using var doc = JsonDocument.Parse(approval.ArgumentsJson);
        var args = doc.RootElement.ValueKind == JsonValueKind.Object
            ? doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal)
            : new Dictionary<string, JsonElement>();
        return new ActionRequest
        {
            Actor = ParseActor(approval.Requester),
            Action = approval.Tool,
            Project = approval.Project,
            Environment = approval.Environment,
            Instance = approval.Instance,
            Arguments = args,
            Risk = approval.Risk,
            Reason = approval.Reason,
            CorrelationId = approval.CorrelationId,
        };
    }

    private async Task<ActionOutcome> RunAsync(ActionRequest request, ActionPlan plan, ActionDecision decision, string correlation, ApprovalRequest? approval, ActionRunner? run, CancellationToken cancellationToken)
    {
        // A read tool of kse itself; a read operation still runs a real command on a host, so it keeps its decision-first entry.
        if (plan.Risk == RiskClass.Read && approval is null && HandlerFor(plan.Action) is null)
        {
            return await ReadAsync(request, plan, decision, correlation, run, cancellationToken);
        }

        try
        {
            await AuditOrThrowAsync(Draft(request.Actor, plan, decision, correlation, "decided"), plan, cancellationToken);
        }
        catch (KseException)
        {
            if (approval is not null)
            {
                await _approvals.CompleteExecutionAsync(approval.Id, succeeded: false, "the decision could not be audited; the action did not run");
            }

            throw;
        }

        var context = new ActionRunContext { Request = request, Plan = plan, Decision = decision, CorrelationId = correlation, Approval = approval };
        ActionRunResult result;
        try
        {
            result = await (run ?? HandlerRunner(plan))(plan, context, cancellationToken);
            result = context.Result ?? result;
        }
        catch (Exception ex)
        {
            var cancelled = ex is OperationCanceledException;
            await TryAuditAsync(Draft(request.Actor, plan, decision, correlation, cancelled ? "cancelled" : "failed") with { ErrorContext = Describe(ex) }, CancellationToken.None);
            if (approval is not null)
            {
                await _approvals.CompleteExecutionAsync(approval.Id, succeeded: false, Describe(ex));
            }

            if (!cancelled)
            {
                await CheckProgressionAsync(plan, decision, correlation);
            }

            throw;
        }

        var status = result.Status == "succeeded" && decision.Kind == DecisionKind.RunAndFlag && plan.AuditType == ToolCallType ? "flagged" : result.Status;
        var outcome = Draft(request.Actor, plan, decision, correlation, status) with
        {
            ErrorContext = result.ErrorContext,
            RecoveryAttempts = result.Recovery is { Count: > 0 } r ? r : null,
            Parameters = Merge(AuditParameters(plan, decision), result.Details),
        };
        if (!await TryAuditAsync(outcome, CancellationToken.None))
        {
            _log.LogError("The outcome of {Action} ({Correlation}) could not be audited", plan.Action, correlation);
        }

        if (approval is not null)
        {
            await _approvals.CompleteExecutionAsync(approval.Id, result.Succeeded, result.Succeeded ? null : result.ErrorContext ?? result.Status);
        }

        await CheckProgressionAsync(plan, decision, correlation);
        return new ActionOutcome { Status = status, CorrelationId = correlation, Decision = decision, Plan = plan, Approval = approval, Result = result };
    }

    /// <summary>
    /// A read changes nothing anywhere, so it is audited by one entry (decision and outcome) written after it ran and before its
    /// result is handed out: one durable write per call instead of two. If that entry cannot be written the result is withheld
    /// (<c>audit.unavailable</c>), so nothing is learned without a trace.
    /// </summary>
    private async Task<ActionOutcome> ReadAsync(ActionRequest request, ActionPlan plan, ActionDecision decision, string correlation, ActionRunner? run, CancellationToken cancellationToken)
    {
        var context = new ActionRunContext { Request = request, Plan = plan, Decision = decision, CorrelationId = correlation };
        ActionRunResult result;
        try
        {
            result = await (run ?? HandlerRunner(plan))(plan, context, cancellationToken);
            result = context.Result ?? result;
        }
        catch (Exception ex)
        {
            await TryAuditAsync(Draft(request.Actor, plan, decision, correlation, ex is OperationCanceledException ? "cancelled" : "failed") with { ErrorContext = Describe(ex) }, CancellationToken.None);
            throw;
        }

        var entry = Draft(request.Actor, plan, decision, correlation, result.Status) with
        {
            ErrorContext = result.ErrorContext,
            Parameters = Merge(AuditParameters(plan, decision), result.Details),
        };
        await AuditOrThrowAsync(entry, plan, CancellationToken.None);
        return new ActionOutcome { Status = result.Status, CorrelationId = correlation, Decision = decision, Plan = plan, Result = result };
    }

    /// <summary>The matching operation's confidence for a queued call; a failure to compute it never keeps the call from being queued.</summary>
    private async ValueTask<ApprovalConfidence?> ConfidenceAsync(ActionPlan plan, CancellationToken cancellationToken)
    {
        if (_confidence is null)
        {
            return null;
        }

        try
        {
            return await _confidence.ConfidenceAsync(plan, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _log.LogWarning(ex, "The confidence of {Action} on {Project} could not be computed; queued without it", plan.Action, plan.Project);
            return null;
        }
    }

    private ActionRunner HandlerRunner(ActionPlan plan) =>
        HandlerFor(plan.Action) is { } handler
            ? handler.RunAsync
            : throw KseException.BadInput("action.no_runner", $"'{plan.Action}' has no runner here: it runs only where its tool is served");

    /// <summary>After an outcome of a scoped (non-read) action: demote by itself when the recent error rate passes the threshold. A failed check is logged and audited; the action's result stands.</summary>
    private async ValueTask CheckProgressionAsync(ActionPlan plan, ActionDecision decision, string correlation)
    {
        if (_progression is null || decision.Explanation.EffectiveLevel is null || plan.Project is null || plan.Environment is null || plan.Risk == RiskClass.Read)
        {
            return;
        }

        try
        {
            if (await _progression.CheckAfterOutcomeAsync(plan.Project, plan.Environment, CancellationToken.None) is { } change)
            {
                _log.LogWarning("Demoted {Project}/{Environment} from {From} to {To}: {Reason}", change.Project, change.Environment.Name(), change.From, change.To, change.Reason);
            }
        }
        catch (Exception ex)
        {
            // The periodic sweep and 'kse takeover progress' check again; the failure itself is kept.
            _log.LogError(ex, "Progression check after {Action} on {Project}/{Environment} failed", plan.Action, plan.Project, plan.Environment);
            await TryAuditAsync(
                new AuditDraft
                {
                    Actor = Actor.Server,
                    OperationType = "progression.check",
                    Project = plan.Project,
                    Environment = plan.Environment,
                    Target = $"{plan.Project}/{plan.Environment}",
                    Decision = "check",
                    Outcome = "failed",
                    ErrorContext = Describe(ex),
                    CorrelationId = correlation,
                },
                CancellationToken.None);
        }
    }

    private ActionPlan GenericPlan(ActionRequest request)
    {
        var environment = request.Environment;
        if (PolicyKernel.IsKnownEnvironmentName(environment, out var kind))
        {
            // An accepted alias ('prod') is recorded by its name, so approvals and audit entries can be found by it.
            environment = kind.Name();
        }

        return new ActionPlan
        {
            Action = request.Action,
            Project = request.Project,
            Environment = environment,
            Instance = request.Instance,
            Risk = request.Risk,
            Arguments = request.Arguments,
            Target = request.Action,
            AuditParameters = ArgumentParameters(request.Arguments),
        };
    }

    private ActionPlan UnplannedPlan(ActionRequest request) => new()
    {
        Action = request.Action,
        Project = request.Project,
        Environment = request.Environment,
        Instance = request.Instance,
        Risk = request.Risk,
        Arguments = request.Arguments,
        AuditType = HandlerFor(request.Action) is IAuditedActionHandler typed ? typed.AuditType : ToolCallType,
        Target = HandlerFor(request.Action) is IAuditedActionHandler named ? named.TargetOf(request) : request.Action,
        AuditParameters = HandlerFor(request.Action) is IAuditedActionHandler described ? described.ParametersOf(request) : ArgumentParameters(request.Arguments),
    };

    /// <summary>Arguments as audit parameters: strings as given, objects and arrays as JSON with secrets redacted.</summary>
    public static IReadOnlyDictionary<string, string?> ArgumentParameters(IReadOnlyDictionary<string, JsonElement> args) =>
        args.ToDictionary(p => p.Key, p => (string?)(p.Value.ValueKind switch
        {
            JsonValueKind.String => p.Value.GetString(),
            JsonValueKind.Object or JsonValueKind.Array => ApprovalBinding.RedactSecrets(p.Value.GetRawText()),
            _ => p.Value.GetRawText(),
        }), StringComparer.Ordinal);

    private static IReadOnlyDictionary<string, string?> AuditParameters(ActionPlan plan, ActionDecision decision)
    {
        if (!decision.Observed)
        {
            return plan.AuditParameters;
        }

        return Merge(plan.AuditParameters, new Dictionary<string, string?> { ["observed"] = "true" });
    }

    private static IReadOnlyDictionary<string, string?> Merge(IReadOnlyDictionary<string, string?> a, IReadOnlyDictionary<string, string?>? b)
    {
        if (b is null || b.Count == 0)
        {
            return a;
        }

        var merged = new Dictionary<string, string?>(a, StringComparer.Ordinal);
        foreach (var (k, v) in b)
        {
            merged[k] = v;
        }

        return merged;
    }

    private static AuditDraft Draft(Actor actor, ActionPlan plan, ActionDecision decision, string correlation, string outcome) => new()
    {
        Actor = actor,
        OperationType = plan.AuditType,
        Project = string.IsNullOrEmpty(plan.Project) ? null : plan.Project,
        Version = plan.SpecVersion,
        Environment = plan.Environment,
        TakeoverLevel = decision.Explanation.EffectiveLevel?.ToString(),
        Target = plan.Target,
        Parameters = AuditParameters(plan, decision),
        Decision = decision.Kind.Name(),
        Rules = decision.Explanation.RuleLines(),
        Outcome = outcome,
        CorrelationId = correlation,
    };

    private async ValueTask AuditOrThrowAsync(AuditDraft draft, ActionPlan plan, CancellationToken cancellationToken)
    {
        if (!await TryAuditAsync(draft, cancellationToken))
        {
            throw new KseException("audit.unavailable", $"the decision for '{plan.Action}' could not be written to the audit trail; it did not run", KseErrorKind.Failure);
        }
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

    private static PolicyExplanation Denial(string action, string? project, string? environment, Actor actor, PolicyRule rule) => new()
    {
        Project = project ?? "",
        Environment = environment,
        Operation = action,
        Actor = actor.ToString(),
        Decision = DecisionKind.Deny,
        Rules = [rule],
    };

    private static bool IsHuman(Actor actor) => actor.Kind is Actor.User or Actor.Operator;

    private static Actor ParseActor(string text)
    {
        var i = text.IndexOf(':', StringComparison.Ordinal);
        return i > 0 ? new Actor(text[..i], text[(i + 1)..]) : new Actor(Actor.User, text);
    }

    private static string Describe(Exception ex) => ex is KseException k ? $"{k.Code}: {k.Message}" : ex.Message;
}

/// <summary>A handler whose entries carry their own audit operation type (<c>ops.run</c>), even when a request cannot be planned.</summary>
public interface IAuditedActionHandler : IActionHandler
{
    string AuditType { get; }

    /// <summary>The target of a request's entries when it could not be planned (its values as given).</summary>
    string TargetOf(ActionRequest request);

    /// <summary>The parameters of a request's entries when it could not be planned, named as in its planned entries.</summary>
    IReadOnlyDictionary<string, string?> ParametersOf(ActionRequest request);
}

/// <summary>A handler whose actions carry rules of their own on top of the kernel's and the actor's (tool installs: never in production).</summary>
public interface IConstrainedActionHandler : IActionHandler
{
    /// <summary>The decision once the action's own rules apply; <paramref name="decision"/> itself when none does.</summary>
    ActionDecision Constrain(ActionPlan plan, Actor actor, ActionDecision decision);
}
