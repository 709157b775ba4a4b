using System.Text.Json;
using System.Text.Json.Serialization;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Core.Execution;

/// <summary>One runnable operation as <c>ops_list_operations</c> shows it.</summary>
public sealed record OperationSummary
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    public required RiskClass Risk { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    public required IReadOnlyList<OperationParameterSummary> Parameters { get; init; }

    public required string TimeoutText { get; init; }

    public bool Idempotent { get; init; }

    public string? Verify { get; init; }

    public string? Rollback { get; init; }

    /// <summary><c>document:line</c> where it is declared.</summary>
    public required string DeclaredAt { get; init; }
}

public sealed record OperationParameterSummary(string Name, ParameterType Type, bool Required, string Accepts, string? Default, string? Description);

/// <summary>A project's runnable operations, its instances, and the problems in its operation blocks.</summary>
public sealed record OperationListing(string Project, IReadOnlyList<OperationSummary> Operations, IReadOnlyList<InstanceSummary> Instances, IReadOnlyList<string> Errors);

public sealed record InstanceSummary(string Id, EnvironmentKind Environment, string Host, string? Version);

/// <summary>What is asked: run one operation on one instance with these values.</summary>
public sealed record OperationRunRequest
{
    public required string Project { get; init; }

    public required string Operation { get; init; }

    public required string Environment { get; init; }

    public string? Instance { get; init; }

    public IReadOnlyDictionary<string, string?> Parameters { get; init; } = new Dictionary<string, string?>();

    public bool DryRun { get; init; }

    /// <summary>Why (kept with a queued approval and in the audit trail).</summary>
    public string? Reason { get; init; }
}

/// <summary>
/// The answer to a run request: the policy decision, what runs where, and the result if it ran. Only <c>status</c> and
/// <c>decision</c> are always present: when the interception point does not run <c>ops_run</c> (queued, observed) it answers with
/// the same shape (<c>tool</c>, <c>approvalId</c>, <c>expiresAt</c>, <c>resource</c>, <c>message</c>), so clients that check the
/// output schema accept both.
/// </summary>
public sealed record OperationRunOutcome
{
    /// <summary><c>succeeded</c>, <c>failed</c>, <c>timed_out</c>, <c>dry_run</c>, <c>queued</c>, <c>observed</c>, <c>denied</c>, or from the interception point <c>pending_approval</c>.</summary>
    public required string Status { get; init; }

    public required DecisionKind Decision { get; init; }

    public IReadOnlyList<PolicyRule> Rules { get; init; } = [];

    public TakeoverLevel? EffectiveLevel { get; init; }

    public string? Tool { get; init; } = OperationExecutionService.ToolName;

    public string? Project { get; init; }

    public string? Operation { get; init; }

    public RiskClass? Risk { get; init; }

    /// <summary>The environment name (as given when the call was not planned).</summary>
    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public string? Host { get; init; }

    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    public IReadOnlyList<string>? Command { get; init; }

    public string? CommandLine { get; init; }

    public IReadOnlyList<string>? Argv { get; init; }

    public string? ApprovalId { get; init; }

    /// <summary>When a queued approval expires.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The resource to read or subscribe to for a queued approval.</summary>
    public string? Resource { get; init; }

    public OperationRunResult? Result { get; init; }

    public string? Message { get; init; }

    public string? CorrelationId { get; init; }

    [JsonIgnore]
    public bool Ran => Result is { Status: not "dry_run" };
}

/// <summary>
/// Runs declared operations under the policy kernel and into the audit trail: the decision is written before anything runs,
/// the outcome (error context and every recovery attempt included) after.
/// </summary>
public sealed class OperationExecutionService(
    KseWorkspace workspace,
    OperationRunner runner,
    PolicyService policy,
    ApprovalService approvals,
    IAuditTrail audit,
    ProgressionService? progression = null)
{
    public const string AuditOperationType = "ops.run";

    /// <summary>The MCP tool name, also the <c>tool</c> of queued run approvals.</summary>
    public const string ToolName = "ops_run";

    public ExecutionPlanner Planner => runner.Planner;

    public OperationListing List(string project)
    {
        var catalog = runner.Planner.Catalog(project);
        IReadOnlyList<InstanceSummary> instances;
        try
        {
            instances = Specs.ProjectManifest.Load(workspace, catalog.Project).Instances.Select(i => new InstanceSummary(i.Id, i.Environment, i.IsLocal ? "local" : i.Host, i.Version)).ToList();
        }
        catch (KseException)
        {
            instances = [];
        }

        return new OperationListing(
            catalog.Project,
            catalog.Operations.Select(Summarize).ToList(),
            instances,
            catalog.Errors.Select(e => e.ToString()).ToList());
    }

    public static OperationSummary Summarize(OperationDefinition o) => new()
    {
        Name = o.Name,
        Description = o.Description,
        Risk = o.Risk,
        Command = o.Command,
        Parameters = o.Parameters.Select(p => new OperationParameterSummary(p.Name, p.Type, p.Required, ParameterValues.Describe(p), p.Default, p.Description)).ToList(),
        TimeoutText = o.Timeout.TotalSeconds >= 60 && o.Timeout.TotalSeconds % 60 == 0 ? $"{o.Timeout.TotalMinutes:0}m" : $"{o.Timeout.TotalSeconds:0.###}s",
        Idempotent = o.Idempotent,
        Verify = o.Verify,
        Rollback = o.Rollback,
        DeclaredAt = $"{o.Document}:{o.Line}",
    };

    /// <summary>The plan for a request; every name and value checked (bad input throws).</summary>
    public ExecutionPlan Plan(OperationRunRequest request) =>
        runner.Planner.Plan(ProjectName.Validate(request.Project), request.Operation, PolicyNames.ParseEnvironment(request.Environment), request.Instance, request.Parameters);

    /// <summary>The risk of an operation as its spec declares it; null when it cannot be found (the caller must then deny).</summary>
    public RiskClass? RiskOf(string? project, string? operation)
    {
        if (!ProjectName.IsValid(project) || string.IsNullOrWhiteSpace(operation))
        {
            return null;
        }

        try
        {
            return runner.Planner.Catalog(project!).Find(operation)?.Risk;
        }
        catch (KseException)
        {
            return null;
        }
    }

    /// <summary>What the kernel decides for the plan, for <paramref name="actor"/>.</summary>
    public PolicyExplanation Decide(ExecutionPlan plan, Actor actor) =>
        policy.Evaluate(plan.Project, plan.Environment.Name(), plan.Operation, plan.Risk, plan.Instance, actor);

    /// <summary>
    /// A dry run: the plan and the decision a real run would get. Nothing runs; the look is audited (outcome <c>dry_run</c>).
    /// </summary>
    public async Task<OperationRunOutcome> DryRunAsync(OperationRunRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var plan = Plan(request);
        var decision = Decide(plan, actor);
        var correlation = NewCorrelationId();
        await audit.AppendAsync(Draft(plan, actor, decision, "dry_run", correlation) with { OperationType = AuditOperationType + ".dry_run" }, cancellationToken);
        return Shape(plan, decision, "dry_run", correlation) with
        {
            Result = OperationRunner.DryRun(plan),
            Message = $"dry run: would {Verb(decision.Decision)}; nothing ran",
        };
    }

    /// <summary>
    /// Runs a plan the caller has already had decided (and audited) as runnable, and audits the outcome. Used by the MCP tool behind the
    /// interception point and by the execution of an approved action.
    /// </summary>
    public async Task<OperationRunResult> ExecuteAsync(ExecutionPlan plan, Actor actor, string? correlationId, IReadOnlyList<string>? attribution, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(plan, (rollback, ct) => DecideRecoveryAsync(rollback, actor, correlationId, ct), cancellationToken);
        await audit.AppendAsync(OutcomeDraft(plan, actor, result, correlationId, attribution), cancellationToken);
        if (progression is not null)
        {
            // An outcome is evidence: a run of failures demotes the level by itself (audited as takeover.change by system:kse).
            // A failed check must not turn a finished run into an error; the server's sweep and 'kse takeover progress' check again.
            try
            {
                await progression.CheckAfterOutcomeAsync(plan.Project, plan.Environment.Name(), CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Deliberately ignored here (see above).
            }
        }

        return result;
    }

    /// <summary>
    /// Runs a request the interception point has already decided as runnable (and audited); the outcome is audited here with its
    /// error context and recovery attempts.
    /// </summary>
    public async Task<OperationRunOutcome> RunDecidedAsync(OperationRunRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var plan = Plan(request);
        var correlation = NewCorrelationId();
        var result = await ExecuteAsync(plan, actor, correlation, ["decided at the interception point (audited as tool.call)"], cancellationToken);
        var decided = new PolicyExplanation { Project = plan.Project, Operation = plan.Operation, Actor = actor.ToString(), Decision = DecisionKind.Run, Rules = [] };
        return Shape(plan, decided, result.Status, correlation) with { Result = result };
    }

    /// <summary>
    /// The whole path for a human at the command line: decide, audit the decision, then run only when the kernel says run.
    /// Queued and observe-only decisions do not run here (an approval, by another operator, is the way).
    /// </summary>
    public async Task<OperationRunOutcome> RunAsync(OperationRunRequest request, Actor actor, CancellationToken cancellationToken)
    {
        if (request.DryRun)
        {
            return await DryRunAsync(request, actor, cancellationToken);
        }

        var plan = Plan(request);
        var decision = Decide(plan, actor);
        var correlation = NewCorrelationId();
        var status = decision.Decision switch
        {
            DecisionKind.Run or DecisionKind.RunAndFlag => "decided",
            DecisionKind.QueueForApproval => "queued",
            DecisionKind.ObserveOnly => "observed",
            _ => "denied",
        };

        // Written before anything runs: if this append fails, nothing runs.
        await audit.AppendAsync(Draft(plan, actor, decision, status, correlation), cancellationToken);
        if (status == "queued")
        {
            var approval = await QueueAsync(plan, request.Reason, actor, decision, correlation, cancellationToken);
            return Shape(plan, decision, status, correlation) with
            {
                ApprovalId = approval.Id,
                ExpiresAt = approval.ExpiresAt,
                Resource = $"kse://approvals/{approval.Id}",
                Message = $"queued for approval: it runs once another operator approves {approval.Id}",
            };
        }

        if (status != "decided")
        {
            return Shape(plan, decision, status, correlation) with { Message = $"not run: the policy kernel decided {decision.Decision.Name()}" };
        }

        var result = await ExecuteAsync(plan, actor, correlation, null, cancellationToken);
        return Shape(plan, decision, result.Status, correlation) with { Result = result };
    }

    /// <summary>Queues the plan as an <c>ops_run</c> approval whose arguments include the exact argument vector that will run.</summary>
    public Task<ApprovalRequest> QueueAsync(ExecutionPlan plan, string? reason, Actor requester, PolicyExplanation decision, string? correlationId, CancellationToken cancellationToken) =>
        approvals.CreateAsync(
            new ApprovalDraft
            {
                Tool = ToolName,
                ArgumentsJson = ArgumentsFor(plan, includeArgv: true),
                Project = plan.Project,
                Environment = plan.Environment.Name(),
                Instance = plan.Instance,
                Requester = requester.ToString(),
                Reason = string.IsNullOrWhiteSpace(reason) ? $"run {plan.Operation} on {plan.Instance}" : reason.Trim(),
                Risk = plan.Risk,
                CorrelationId = correlationId,
                EffectiveLevel = decision.EffectiveLevel,
            },
            cancellationToken);

    /// <summary>The <c>ops_run</c> arguments of a plan (as an MCP client would send them), optionally with the argument vector it resolves to.</summary>
    public static string ArgumentsFor(ExecutionPlan plan, bool includeArgv)
    {
        var args = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["project"] = plan.Project,
            ["operation"] = plan.Operation,
            ["environment"] = plan.Environment.Name(),
            ["instance"] = plan.Instance,
            ["parameters"] = new SortedDictionary<string, string>(plan.Parameters.ToDictionary(), StringComparer.Ordinal),
        };
        if (includeArgv)
        {
            args["argv"] = plan.Argv;
        }

        return JsonSerializer.Serialize(args);
    }

    /// <summary>Reads <c>ops_run</c> arguments (as approved) back into a request; <paramref name="argv"/> is the approved vector when recorded.</summary>
    public static OperationRunRequest RequestFromArguments(string json, out IReadOnlyList<string>? argv)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (root.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            foreach (var prop in p.EnumerateObject())
            {
                parameters[prop.Name] = prop.Value.ValueKind switch
                {
                    JsonValueKind.String => prop.Value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => prop.Value.GetRawText(),
                    _ => throw KseException.BadInput("ops.parameter_invalid", $"parameter '{prop.Name}' must be a string, number or boolean"),
                };
            }
        }

        argv = root.TryGetProperty("argv", out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : null;
        return new OperationRunRequest
        {
            Project = Str("project") ?? throw KseException.BadInput("ops.arguments_invalid", "the arguments name no project"),
            Operation = Str("operation") ?? throw KseException.BadInput("ops.arguments_invalid", "the arguments name no operation"),
            Environment = Str("environment") ?? throw KseException.BadInput("ops.arguments_invalid", "the arguments name no environment"),
            Instance = Str("instance"),
            Parameters = parameters,
        };
    }

    private async ValueTask<RecoveryDecision> DecideRecoveryAsync(ExecutionPlan rollback, Actor actor, string? correlationId, CancellationToken cancellationToken)
    {
        var d = Decide(rollback, actor);
        var runs = d.Decision is DecisionKind.Run or DecisionKind.RunAndFlag;
        await audit.AppendAsync(Draft(rollback, actor, d, runs ? "decided" : "proposed", correlationId) with { OperationType = AuditOperationType + ".rollback" }, cancellationToken);
        var why = $"policy decided {d.Decision.Name()} for rollback '{rollback.Operation}' ({rollback.Risk.Name()}" + (d.EffectiveLevel is { } l ? $" at {l})" : ")");
        return runs ? RecoveryDecision.Allow(why) : RecoveryDecision.Propose(why + ": proposed for a human");
    }

    public static string NewCorrelationId() => "run-" + Guid.NewGuid().ToString("N")[..16];

    internal static Dictionary<string, string?> AuditParameters(ExecutionPlan plan)
    {
        var p = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["operation"] = plan.Operation,
            ["instance"] = plan.Instance,
            ["host"] = plan.Host,
            ["risk"] = plan.Risk.Name(),
            ["command"] = plan.CommandLine,
        };
        foreach (var (k, v) in plan.Parameters)
        {
            p["param." + k] = v;
        }

        return p;
    }

    private static AuditDraft Draft(ExecutionPlan plan, Actor actor, PolicyExplanation decision, string outcome, string? correlation) => new()
    {
        Actor = actor,
        OperationType = AuditOperationType,
        Project = plan.Project,
        Version = plan.Version,
        Environment = plan.Environment.Name(),
        TakeoverLevel = decision.EffectiveLevel?.ToString(),
        Target = $"{plan.Operation}@{plan.Instance}",
        Parameters = AuditParameters(plan),
        Decision = decision.Decision.Name(),
        Rules = decision.RuleLines(),
        Outcome = outcome,
        CorrelationId = correlation,
    };

    private static AuditDraft OutcomeDraft(ExecutionPlan plan, Actor actor, OperationRunResult result, string? correlation, IReadOnlyList<string>? attribution)
    {
        var parameters = AuditParameters(plan);
        parameters["exitCode"] = result.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        parameters["durationMs"] = result.DurationMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        parameters["attempts"] = result.Attempts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (result.Verify is { } v)
        {
            parameters["verify"] = $"{v.Operation}: {v.Status}";
        }

        return new AuditDraft
        {
            Actor = actor,
            OperationType = AuditOperationType,
            Project = plan.Project,
            Version = plan.Version,
            Environment = plan.Environment.Name(),
            Target = $"{plan.Operation}@{plan.Instance}",
            Parameters = parameters,
            Decision = "run",
            Rules = attribution,
            Outcome = result.Status,
            ErrorContext = result.ErrorContext,
            RecoveryAttempts = result.Recovery.Count > 0 ? result.Recovery.Select(r => r.ToString()).ToList() : null,
            CorrelationId = correlation,
        };
    }

    private static OperationRunOutcome Shape(ExecutionPlan plan, PolicyExplanation decision, string status, string? correlation) => new()
    {
        Status = status == "decided" ? "succeeded" : status,
        Decision = decision.Decision,
        Rules = decision.Rules,
        EffectiveLevel = decision.EffectiveLevel,
        Project = plan.Project,
        Operation = plan.Operation,
        Risk = plan.Risk,
        Environment = plan.Environment.Name(),
        Instance = plan.Instance,
        Host = plan.Host,
        Parameters = plan.Parameters,
        Command = plan.Command,
        CommandLine = plan.CommandLine,
        Argv = plan.Argv,
        CorrelationId = correlation,
    };

    private static string Verb(DecisionKind d) => d switch
    {
        DecisionKind.Run => "run",
        DecisionKind.RunAndFlag => "run and be flagged for review",
        DecisionKind.QueueForApproval => "be queued for approval",
        DecisionKind.ObserveOnly => "be recorded as an observation only",
        _ => "be denied",
    };
}
