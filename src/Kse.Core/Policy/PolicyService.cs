using Kse.Core.Audit;
using Kse.Core.Specs;

namespace Kse.Core.Policy;

/// <summary>The effective takeover state of one project in one environment, as <c>kse takeover show</c> prints it.</summary>
public sealed record TakeoverView
{
    public required EnvironmentKind Environment { get; init; }

    public required TakeoverLevel Level { get; init; }

    public required TakeoverLevel EffectiveLevel { get; init; }

    public required TakeoverLevel Cap { get; init; }

    /// <summary><c>set</c> or <c>default</c>.</summary>
    public required string Source { get; init; }

    public string? SetBy { get; init; }

    public DateTimeOffset? SetAt { get; init; }

    public string? Reason { get; init; }

    public EmergencyElevation? Elevation { get; init; }
}

public sealed record TakeoverReport(string Project, string SystemType, IReadOnlyList<TakeoverView> Environments);

public sealed record TakeoverChange
{
    public required string Project { get; init; }

    public required EnvironmentKind Environment { get; init; }

    public required TakeoverLevel From { get; init; }

    public required TakeoverLevel To { get; init; }

    public required TakeoverLevel Cap { get; init; }

    public required string Reason { get; init; }

    public required string User { get; init; }

    public required DateTimeOffset At { get; init; }

    public long? AuditSequence { get; init; }
}

/// <summary>A decision with what it was about: what <c>kse policy explain</c> prints and what the interception point audits.</summary>
public sealed record PolicyExplanation
{
    public required string Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public required string Operation { get; init; }

    public string? Risk { get; init; }

    public required string Actor { get; init; }

    public required DecisionKind Decision { get; init; }

    public TakeoverLevel? EffectiveLevel { get; init; }

    public TakeoverLevel? Level { get; init; }

    public string? LevelSource { get; init; }

    public TakeoverLevel? Cap { get; init; }

    public string? ElevationId { get; init; }

    public required IReadOnlyList<PolicyRule> Rules { get; init; }

    public DateTimeOffset DecidedAt { get; init; }

    /// <summary>Rules as <c>id: text</c> lines, the form the audit trail stores.</summary>
    public IReadOnlyList<string> RuleLines() => Rules.Select(r => r.ToString()).ToList();
}

/// <summary>Takeover levels, explanations and decisions over the workspace's stored state.</summary>
public sealed class PolicyService
{
    private readonly KseWorkspace _workspace;
    private readonly ITakeoverStore _store;
    private readonly IAuditTrail _audit;
    private readonly OperatorDirectory _operators;
    private readonly TimeProvider _clock;

    public PolicyService(KseWorkspace workspace, ITakeoverStore store, IAuditTrail audit, PolicyKernel kernel, OperatorDirectory operators, TimeProvider clock)
    {
        _workspace = workspace;
        _store = store;
        _audit = audit;
        Kernel = kernel;
        _operators = operators;
        _clock = clock;
    }

    public PolicyKernel Kernel { get; }

    /// <summary>The audit actor for a CLI user: an operator when configured as one, else an OS user.</summary>
    public Actor ActorFor(string? user)
    {
        var name = string.IsNullOrWhiteSpace(user) ? Environment.UserName : user.Trim();
        return _operators.Find(name) is not null ? Actor.OperatorNamed(name) : Actor.OsUser(name);
    }

    public async Task<TakeoverReport> ShowAsync(string project, string? environment = null, CancellationToken cancellationToken = default)
    {
        var manifest = LoadManifest(project);
        var envs = environment is null ? manifest.Environments : [PolicyNames.ParseEnvironment(environment)];
        var now = _clock.GetUtcNow();
        var elevations = await _store.ListElevationsAsync(manifest.Name, cancellationToken);
        var views = new List<TakeoverView>(envs.Count);
        foreach (var env in envs)
        {
            var set = await _store.GetLevelAsync(manifest.Name, env, cancellationToken);
            var state = new PolicyState { SystemType = manifest.SystemType, Level = set?.Level, Elevations = elevations };
            var d = Kernel.Decide(new PolicyRequest { Project = manifest.Name, Environment = env, Operation = "takeover.show", Risk = RiskClass.Read }, state, now);
            views.Add(new TakeoverView
            {
                Environment = env,
                Level = d.Level!.Value,
                EffectiveLevel = d.EffectiveLevel!.Value,
                Cap = d.Cap!.Value,
                Source = d.LevelSource!,
                SetBy = set?.SetBy,
                SetAt = set?.SetAt,
                Reason = set?.Reason,
                Elevation = d.ElevationId is { } id ? elevations.First(e => e.Id == id) : null,
            });
        }

        return new TakeoverReport(manifest.Name, ProjectManifest.SystemTypeName(manifest.SystemType), views);
    }

    /// <summary>Sets a level with a reason; refuses one above the environment's cap (<c>policy.level_above_cap</c>). Audited before it is stored.</summary>
    public async Task<TakeoverChange> SetLevelAsync(string project, string? environment, string? level, string? reason, Actor actor, CancellationToken cancellationToken = default)
    {
        var manifest = LoadManifest(project);
        var env = PolicyNames.ParseEnvironment(environment);
        var to = PolicyNames.ParseLevel(level);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw KseException.BadInput("policy.reason_required", "a level change needs a reason (it is kept in the audit trail)");
        }

        if (ScopeProblem(manifest, env, null) is { } problem)
        {
            throw KseException.BadInput("policy.environment_not_in_project", problem.Text);
        }

        var cap = PolicyKernel.CapOf(env);
        if (to > cap)
        {
            throw KseException.Refused("policy.level_above_cap", $"{to} is above the {env.Name()} cap {cap}; use at most {cap} (an emergency elevation cannot pass the cap either)");
        }

        return (await ChangeLevelAsync(manifest.Name, env, to, reason.Trim(), actor, trigger: null, details: null, rules: null, expectedFrom: null, cancellationToken))!;
    }

    /// <summary>
    /// Audits, then stores a level change (the cap already checked by the caller). <paramref name="trigger"/> and
    /// <paramref name="details"/> say what caused it (e.g. a progression demotion and its evidence). With
    /// <paramref name="expectedFrom"/>, nothing happens (null) unless the level in force is still that one. Compare-and-set
    /// across processes: reading the level in force, auditing the change and storing it happen under one workspace lock, so
    /// the audited <c>from</c> is always the level really replaced, however many processes change levels at once.
    /// </summary>
    internal async Task<TakeoverChange?> ChangeLevelAsync(
        string project,
        EnvironmentKind env,
        TakeoverLevel to,
        string reason,
        Actor actor,
        string? trigger,
        IReadOnlyDictionary<string, string?>? details,
        IReadOnlyList<string>? rules,
        TakeoverLevel? expectedFrom,
        CancellationToken cancellationToken)
    {
        var manifest = LoadManifest(project);
        var cap = PolicyKernel.CapOf(env);
        if (to > cap)
        {
            throw KseException.Refused("policy.level_above_cap", $"{to} is above the {env.Name()} cap {cap}; use at most {cap} (an emergency elevation cannot pass the cap either)");
        }

        using var held = await WorkspaceLock.AcquireAsync(Path.Combine(_workspace.StateDir, "takeover.lock"), TimeSpan.FromMinutes(2), cancellationToken);
        var current = await _store.GetLevelAsync(manifest.Name, env);
        var from = Clamp(current?.Level ?? Kernel.Options.DefaultFor(manifest.SystemType), cap);
        if (expectedFrom is { } expected && from != expected)
        {
            return null;
        }

        var now = _clock.GetUtcNow();
        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["from"] = from.ToString(),
            ["to"] = to.ToString(),
            ["cap"] = cap.ToString(),
            ["reason"] = reason,
            ["previousSource"] = current is null ? "default" : "set",
        };
        if (trigger is not null)
        {
            parameters["trigger"] = trigger;
        }

        foreach (var (k, v) in details ?? new Dictionary<string, string?>())
        {
            parameters[k] = v;
        }

        var entry = await _audit.AppendAsync(
            new AuditDraft
            {
                Actor = actor,
                OperationType = "takeover.change",
                Project = manifest.Name,
                Environment = env.Name(),
                TakeoverLevel = to.ToString(),
                Target = $"{manifest.Name}/{env.Name()}",
                Parameters = parameters,
                Decision = "applied",
                Rules = [$"policy.level_within_cap: {to} <= {env.Name()} cap {cap}", .. rules ?? []],
                Outcome = "succeeded",
            },
            cancellationToken);
        await _store.SetLevelAsync(new TakeoverSetting { Project = manifest.Name, Environment = env, Level = to, Reason = reason, SetBy = actor.Name, SetAt = now, AuditSequence = entry.Sequence });
        return new TakeoverChange
        {
            Project = manifest.Name,
            Environment = env,
            From = from,
            To = to,
            Cap = cap,
            Reason = reason,
            User = actor.Name,
            At = now,
            AuditSequence = entry.Sequence,
        };
    }

    /// <summary>For <c>kse policy explain</c>: unknown names are errors (exit 2, or 3 for an unknown project), nothing runs.</summary>
    public async Task<PolicyExplanation> ExplainAsync(string project, string? environment, string operation, string? risk, string? instance, Actor actor, CancellationToken cancellationToken = default)
    {
        var manifest = LoadManifest(project);
        var env = PolicyNames.ParseEnvironment(environment);
        var riskClass = PolicyNames.ParseRisk(risk);
        if (string.IsNullOrWhiteSpace(operation))
        {
            throw KseException.BadInput("policy.operation_missing", "name the operation");
        }

        if (ScopeProblem(manifest, env, instance) is { } problem)
        {
            throw problem.Id == "input.instance_unknown"
                ? KseException.NotFound("policy.instance_unknown", problem.Text)
                : KseException.BadInput(problem.Id.Replace("input.", "policy.", StringComparison.Ordinal), problem.Text);
        }

        return await DecideAsync(manifest, env.Name(), operation, riskClass.Name(), instance, actor, cancellationToken);
    }

    /// <summary>
    /// The environment must be one of the project's, and a named instance must be one of its instances in that environment:
    /// otherwise a call could be decided at one environment's level while acting on another's instance.
    /// </summary>
    public static PolicyRule? ScopeProblem(ProjectManifest manifest, EnvironmentKind environment, string? instance)
    {
        if (!manifest.Environments.Contains(environment))
        {
            return new PolicyRule("input.environment_not_in_project", $"project '{manifest.Name}' has no {environment.Name()} environment (project.yaml lists {string.Join(", ", manifest.Environments.Select(e => e.Name()))})");
        }

        if (instance is null)
        {
            return null;
        }

        var found = manifest.Instances.FirstOrDefault(i => i.Id == instance);
        if (found is null)
        {
            return new PolicyRule("input.instance_unknown", $"project '{manifest.Name}' has no instance '{instance}'");
        }

        return found.Environment != environment
            ? new PolicyRule("input.instance_environment_mismatch", $"instance '{instance}' of '{manifest.Name}' is in {found.Environment.Name()}, not {environment.Name()}")
            : null;
    }

    /// <summary>The decision for a call whose names come from outside (MCP arguments): anything unknown is a deny, never an exception.</summary>
    public async ValueTask<PolicyExplanation> EvaluateAsync(string? project, string? environment, string operation, RiskClass risk, string? instance, Actor actor, CancellationToken cancellationToken = default)
    {
        ProjectManifest manifest;
        try
        {
            manifest = LoadManifest(project);
        }
        catch (KseException ex)
        {
            return new PolicyExplanation
            {
                Project = project ?? "",
                Environment = environment,
                Instance = instance,
                Operation = operation,
                Risk = risk.Name(),
                Actor = actor.ToString(),
                Decision = DecisionKind.Deny,
                Rules = [new PolicyRule(ex.Code == "spec.project_not_found" ? "input.project_unknown" : "input.project_invalid", ex.Message)],
                DecidedAt = _clock.GetUtcNow(),
            };
        }

        return await DecideAsync(manifest, environment, operation, risk.Name(), instance, actor, cancellationToken);
    }

    private async ValueTask<PolicyExplanation> DecideAsync(ProjectManifest manifest, string? environment, string operation, string? risk, string? instance, Actor actor, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        PolicyState state;
        if (PolicyKernel.IsKnownEnvironmentName(environment, out var env))
        {
            state = new PolicyState { SystemType = manifest.SystemType, Level = (await _store.GetLevelAsync(manifest.Name, env, cancellationToken))?.Level, Elevations = await _store.ListElevationsAsync(manifest.Name, cancellationToken) };
        }
        else
        {
            state = new PolicyState { SystemType = manifest.SystemType };
        }

        var d = Kernel.Decide(manifest.Name, environment, operation, risk, instance, actor.ToString(), state, now);
        if (d.Decision != DecisionKind.Deny && ScopeProblem(manifest, env, instance) is { } problem)
        {
            d = new PolicyDecision { Decision = DecisionKind.Deny, Rules = [problem] };
        }

        return new PolicyExplanation
        {
            Project = manifest.Name,
            Environment = environment,
            Instance = instance,
            Operation = operation,
            Risk = risk,
            Actor = actor.ToString(),
            Decision = d.Decision,
            EffectiveLevel = d.EffectiveLevel,
            Level = d.Level,
            LevelSource = d.LevelSource,
            Cap = d.Cap,
            ElevationId = d.ElevationId,
            Rules = d.Rules,
            DecidedAt = now,
        };
    }

    private ProjectManifest LoadManifest(string? project) => ProjectManifest.Load(_workspace, ProjectName.Validate(project));

    private static TakeoverLevel Clamp(TakeoverLevel level, TakeoverLevel cap) => level > cap ? cap : level;
}
