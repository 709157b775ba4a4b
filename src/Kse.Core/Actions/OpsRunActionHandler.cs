using System.Globalization;
using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Execution;
using Kse.Core.Policy;

namespace Kse.Core.Actions;

/// <summary>
/// Plans and runs <c>ops_run</c>: a declared operation on one instance. The plan is made once per call from the catalog and
/// project.yaml (both cached by file timestamp): the instance (the environment's only one when omitted), host, spec version, exact
/// argument vector and the SHA-256 of the declaring document. Its entries are <c>ops.run</c>.
/// </summary>
public sealed class OpsRunActionHandler(ExecutionPlanner planner, OperationRunner runner, Func<ActionPipeline> pipeline) : IAuditedActionHandler
{
    public const string Action = "ops_run";

    public const string Type = "ops.run";

    public string AuditType => Type;

    public bool Handles(string action) => action == Action;

    public string TargetOf(ActionRequest request) =>
        $"{Text(request.Arguments, "operation")}@{Text(request.Arguments, "instance") ?? request.Instance ?? Text(request.Arguments, "environment") ?? request.Environment}";

    public IReadOnlyDictionary<string, string?> ParametersOf(ActionRequest request)
    {
        var p = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["operation"] = Text(request.Arguments, "operation"),
            ["environment"] = Text(request.Arguments, "environment") ?? request.Environment,
            ["instance"] = Text(request.Arguments, "instance") ?? request.Instance,
            ["dryRun"] = request.Arguments.TryGetValue("dryRun", out var dry) && dry.ValueKind == JsonValueKind.True ? "true" : "false",
        };
        if (request.Arguments.TryGetValue("parameters", out var given) && given.ValueKind == JsonValueKind.Object)
        {
            foreach (var prop in given.EnumerateObject())
            {
                // Named param.<name> as in every ops.run entry, so secret-looking names are redacted by the trail.
                p["param." + prop.Name] = prop.Value.ValueKind == JsonValueKind.String ? prop.Value.GetString() : prop.Value.GetRawText();
            }
        }

        return p;
    }

    private static string? Text(IReadOnlyDictionary<string, JsonElement> args, string key) =>
        args.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The <c>ops_run</c> arguments of a request, as an MCP client would send them.</summary>
    public static IReadOnlyDictionary<string, System.Text.Json.JsonElement> ArgumentsOf(OperationRunRequest request)
    {
        var args = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["project"] = request.Project,
            ["operation"] = request.Operation,
            ["environment"] = request.Environment,
            ["parameters"] = request.Parameters,
        };
        if (request.Instance is not null)
        {
            args["instance"] = request.Instance;
        }

        if (request.DryRun)
        {
            args["dryRun"] = true;
        }

        return ActionRequest.ArgumentsOf(args);
    }

    public ValueTask<ActionPlan> PlanAsync(ActionRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(Plan(request));

    private ActionPlan Plan(ActionRequest request)
    {
        var args = request.Arguments;
        string? Str(string key) => args.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
        var project = ProjectName.Validate(Str("project") ?? request.Project);
        var operation = Str("operation") ?? throw KseException.BadInput("ops.arguments_invalid", "the call names no operation");
        var environmentText = Str("environment") ?? request.Environment;
        var instance = Str("instance") ?? request.Instance;
        if (instance is null && args.TryGetValue("instance", out var rawInstance) && rawInstance.ValueKind is not (JsonValueKind.Null or JsonValueKind.String))
        {
            throw KseException.BadInput("input.instance_invalid", $"'instance' must be an instance id (a string), not {rawInstance.ValueKind.ToString().ToLowerInvariant()}");
        }

        var dryRun = args.TryGetValue("dryRun", out var dry) && dry.ValueKind == JsonValueKind.True;
        if (environmentText is null)
        {
            var risk = planner.Catalog(project).Get(operation).Risk;
            throw KseException.BadInput("input.scope_missing", $"tool '{Action}' is {risk.Name()}: its call must name 'project' and 'environment'");
        }

        // The instance's version picks the spec the operation is read from (the Versions capability resolves it).
        var environment = PolicyNames.ParseEnvironment(environmentText);
        var target = ExecutionPlanner.ChooseInstance(planner.Manifest(project), environment, instance);
        var spec = planner.CatalogFor(project, target);
        var catalog = spec.Catalog;
        var hashes = spec.Hashes;
        var op = catalog.Get(operation);
        var execution = planner.Plan(catalog.Project, op, target, Parameters(args), spec.SpecVersion);
        var arguments = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["project"] = execution.Project,
            ["operation"] = execution.Operation,
            ["environment"] = execution.Environment.Name(),
            ["instance"] = execution.Instance,
            ["parameters"] = new SortedDictionary<string, string>(execution.Parameters.ToDictionary(), StringComparer.Ordinal),
        };
        if (dryRun)
        {
            arguments["dryRun"] = true;
        }

        return new ActionPlan
        {
            Action = Action,
            Project = execution.Project,
            Environment = execution.Environment.Name(),
            Instance = execution.Instance,
            Host = execution.Host,
            Risk = execution.Risk,
            Operation = execution.Operation,
            SpecVersion = execution.SpecVersion,
            Argv = execution.Argv,
            Command = execution.CommandLine,
            Document = op.Document,
            DocumentSha256 = hashes.GetValueOrDefault(op.Document),
            Rationale = execution.Tool is { } chosen ? $"{chosen.Tool} chosen by strategy '{chosen.Strategy}' for {execution.Instance}: {chosen.Rationale}" : null,
            DryRun = dryRun,
            Arguments = ActionRequest.ArgumentsOf(arguments),
            AuditType = Type,
            Target = $"{execution.Operation}@{execution.Instance}",
            AuditParameters = WithSpec(AuditParameters(execution), execution, op.Document, hashes.GetValueOrDefault(op.Document)),
            Detail = execution,
        };
    }

    public async ValueTask<ActionRunResult> RunAsync(ActionPlan plan, ActionRunContext context, CancellationToken cancellationToken)
    {
        var execution = (ExecutionPlan)plan.Detail!;
        if (plan.DryRun)
        {
            var dry = OperationRunner.DryRun(execution);
            return new ActionRunResult { Status = "dry_run", Value = dry, Recovery = null };
        }

        var result = await runner.RunAsync(execution, (rollback, ct) => DecideRecoveryAsync(rollback, context, ct), context.Progress, cancellationToken);
        var details = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["exitCode"] = result.ExitCode?.ToString(CultureInfo.InvariantCulture),
            ["durationMs"] = result.DurationMs.ToString(CultureInfo.InvariantCulture),
            ["attempts"] = result.Attempts.Count.ToString(CultureInfo.InvariantCulture),
        };
        if (result.Verify is { } v)
        {
            details["verify"] = $"{v.Operation}: {v.Status}";
        }

        return new ActionRunResult
        {
            Status = result.Status,
            ErrorContext = result.ErrorContext,
            Details = details,
            Recovery = result.Recovery.Count > 0 ? result.Recovery.Select(r => r.ToString()).ToList() : null,
            Value = result,
        };
    }

    /// <summary>A rollback is an action of its own kind: decided for the same actor and audited under the same correlation id.</summary>
    private async ValueTask<RecoveryDecision> DecideRecoveryAsync(ExecutionPlan rollback, ActionRunContext context, CancellationToken cancellationToken)
    {
        var guarded = pipeline();
        var rollbackPlan = new ActionPlan
        {
            Action = Action,
            Project = rollback.Project,
            Environment = rollback.Environment.Name(),
            Instance = rollback.Instance,
            Host = rollback.Host,
            Risk = rollback.Risk,
            Operation = rollback.Operation,
            SpecVersion = rollback.SpecVersion,
            Argv = rollback.Argv,
            Command = rollback.CommandLine,
            Arguments = new Dictionary<string, JsonElement>(),
            AuditType = Type + ".rollback",
            Target = $"{rollback.Operation}@{rollback.Instance}",
            AuditParameters = AuditParameters(rollback),
            Detail = rollback,
        };
        var actor = context.Request.Actor;
        var d = await guarded.DecideAsync(rollbackPlan, actor, cancellationToken);
        var runs = d.Kind is DecisionKind.Run or DecisionKind.RunAndFlag;
        await guarded.AuditRecoveryAsync(actor, rollbackPlan, d, runs ? "decided" : "proposed", context.CorrelationId, cancellationToken);
        var why = $"policy decided {d.Kind.Name()} for rollback '{rollback.Operation}' ({rollback.Risk.Name()}" + (d.Explanation.EffectiveLevel is { } l ? $" at {l})" : ")");
        return runs ? RecoveryDecision.Allow(why) : RecoveryDecision.Propose(why + ": proposed for a human");
    }

    /// <summary>Parameter values as given: strings, numbers and booleans (as their JSON text).</summary>
    private static Dictionary<string, string?> Parameters(IReadOnlyDictionary<string, JsonElement> args)
    {
        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (args.TryGetValue("parameters", out var p) && p.ValueKind == JsonValueKind.Object)
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

        return parameters;
    }

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

        if (plan.Tool is { } chosen)
        {
            // A strategy's selection is audited with the action it decided.
            p["strategy"] = chosen.Strategy;
            p["tool"] = chosen.Tool;
            p["toolVersion"] = chosen.Version;
            p["toolRanking"] = chosen.Ranking;
            p["toolRationale"] = chosen.Rationale;
        }

        return p;
    }

    /// <summary>The spec the plan came from, in every entry: its version, the declaring document and that document's SHA-256.</summary>
    private static Dictionary<string, string?> WithSpec(Dictionary<string, string?> parameters, ExecutionPlan plan, string document, string? sha256)
    {
        parameters["specVersion"] = plan.SpecVersion;
        parameters["instanceVersion"] = plan.Version;
        parameters["document"] = document;
        parameters["documentSha256"] = sha256;
        return parameters;
    }

    /// <summary>The <c>ops_run</c> answer for an outcome of the guarded path, the same shape from every face.</summary>
    public static OperationRunOutcome Shape(ActionOutcome outcome)
    {
        var decision = outcome.Decision.Explanation;
        var execution = outcome.Plan?.Detail as ExecutionPlan;
        var result = outcome.Result?.Value as OperationRunResult;
        var approval = outcome.Approval;
        return new OperationRunOutcome
        {
            Status = outcome.Status,
            Decision = decision.Decision,
            Rules = decision.Rules,
            EffectiveLevel = decision.EffectiveLevel,
            Project = execution?.Project ?? outcome.Plan?.Project,
            Operation = execution?.Operation,
            Risk = execution?.Risk,
            Environment = execution?.Environment.Name() ?? outcome.Plan?.Environment,
            Instance = execution?.Instance,
            Host = execution?.Host,
            Parameters = execution?.Parameters,
            Command = execution?.Command,
            CommandLine = execution?.CommandLine,
            Argv = execution?.Argv,
            Strategy = execution?.Tool,
            SpecVersion = outcome.Plan?.SpecVersion,
            Document = outcome.Plan?.Document,
            DocumentSha256 = outcome.Plan?.DocumentSha256,
            ApprovalId = outcome.Status == "queued" ? approval?.Id : null,
            ExpiresAt = outcome.Status == "queued" ? approval?.ExpiresAt : null,
            Resource = outcome.Status == "queued" && approval is not null ? $"kse://approvals/{approval.Id}" : null,
            Result = result,
            Observed = outcome.Decision.Observed ? true : null,
            CorrelationId = outcome.CorrelationId,
            Message = outcome.Status switch
            {
                "dry_run" => $"dry run: would {Verb(decision.Decision)}; nothing ran",
                "queued" => $"queued for approval: it runs once another operator approves {approval?.Id}.{ApprovalConfidenceText.Sentence(approval?.Confidence)}",
                "observed" => $"not run: recorded as an observation ({string.Join("; ", decision.Rules.Where(r => r.Id is "spec.invalid" or "decide.l1_observe").Select(r => r.Id))})",
                "denied" => $"not run: the policy kernel decided {decision.Decision.Name()}",
                _ when outcome.Decision.Observed => "ran; recorded as an observation (a human's run at L1)",
                _ => null,
            },
        };
    }

    private static string Verb(DecisionKind d) => d switch
    {
        DecisionKind.Run => "run",
        DecisionKind.RunAndFlag => "run and be flagged for review",
        DecisionKind.QueueForApproval => "be queued for approval",
        DecisionKind.ObserveOnly => "be recorded as an observation only",
        _ => "be denied",
    };
}

/// <summary>The guarded path for one declared operation, as the faces that are not MCP ask for it.</summary>
public static class OperationActions
{
    /// <summary>
    /// Runs (or queues, observes, denies, dry-runs) <paramref name="request"/> for <paramref name="actor"/> on the guarded path and
    /// answers in the <c>ops_run</c> shape. A request that cannot be planned is audited as denied and its cause is thrown.
    /// </summary>
    public static async Task<OperationRunOutcome> RunOperationAsync(this ActionPipeline pipeline, OperationRunRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var action = await pipeline.ExecuteAsync(
            new ActionRequest
            {
                Actor = actor,
                Action = OpsRunActionHandler.Action,
                Project = request.Project,
                Environment = request.Environment,
                Instance = request.Instance,
                Arguments = OpsRunActionHandler.ArgumentsOf(request),
                Reason = request.Reason,
            },
            cancellationToken: cancellationToken);
        if (action.Error is { } error)
        {
            throw error;
        }

        return OpsRunActionHandler.Shape(action);
    }
}
