using Kse.Core.Specs;

namespace Kse.Core.Policy;

/// <summary>What is asked: one operation of one project in one environment, with its risk class, by an actor.</summary>
public sealed record PolicyRequest
{
    public required string Project { get; init; }

    public required EnvironmentKind Environment { get; init; }

    public string? Instance { get; init; }

    /// <summary>The tool or operation name, e.g. <c>ops_run</c> or <c>restart-service</c>.</summary>
    public required string Operation { get; init; }

    public required RiskClass Risk { get; init; }

    /// <summary>Who asks, as <c>kind:name</c> (e.g. <c>ai:claude-code</c>); explanatory only, it does not change the decision.</summary>
    public string Actor { get; init; } = "unknown";
}

/// <summary>The takeover state the kernel decides on, for the project and environment of a request.</summary>
public sealed record PolicyState
{
    /// <summary>Sets the default level when no human has set one.</summary>
    public required SystemType SystemType { get; init; }

    /// <summary>The level a human set for this project and environment; null means the system type's default.</summary>
    public TakeoverLevel? Level { get; init; }

    /// <summary>Emergency elevations; the kernel counts only active ones of the request's project and environment.</summary>
    public IReadOnlyList<EmergencyElevation> Elevations { get; init; } = [];
}

/// <summary>A time-boxed raise of one project's level in one environment, granted by an emergency-approver operator.</summary>
public sealed record EmergencyElevation
{
    public required string Id { get; init; }

    public required string Project { get; init; }

    public required EnvironmentKind Environment { get; init; }

    public required TakeoverLevel Level { get; init; }

    public required string Reason { get; init; }

    public required string GrantedBy { get; init; }

    public required DateTimeOffset GrantedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    public string? RevokedBy { get; init; }

    public string? RevokeReason { get; init; }

    /// <summary>When the expiry was written to the audit trail (once).</summary>
    public DateTimeOffset? ExpiryRecordedAt { get; init; }

    /// <summary>The approval id when the elevation answered an AI's <c>emergency_request</c>.</summary>
    public string? RequestId { get; init; }

    /// <summary>Active from its grant until its expiry, unless revoked; the end is exclusive.</summary>
    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && now >= GrantedAt && now < ExpiresAt;

    public string StatusAt(DateTimeOffset now) => RevokedAt is not null ? "revoked" : now >= ExpiresAt ? "expired" : now < GrantedAt ? "scheduled" : "active";
}

/// <summary>One rule that contributed to a decision: a stable id (for queries and tests) and a sentence for humans.</summary>
public sealed record PolicyRule(string Id, string Text)
{
    public override string ToString() => $"{Id}: {Text}";
}

/// <summary>The kernel's answer, with the levels it used and the rules that decided, in order.</summary>
public sealed record PolicyDecision
{
    public required DecisionKind Decision { get; init; }

    /// <summary>The level the decision was taken at; null when the request was denied before a level applied.</summary>
    public TakeoverLevel? EffectiveLevel { get; init; }

    /// <summary>The project's level before the cap and elevations (set by a human, else the default).</summary>
    public TakeoverLevel? Level { get; init; }

    public TakeoverLevel? Cap { get; init; }

    /// <summary><c>set</c> or <c>default</c>.</summary>
    public string? LevelSource { get; init; }

    /// <summary>The elevation that raised the level, if one did.</summary>
    public string? ElevationId { get; init; }

    public required IReadOnlyList<PolicyRule> Rules { get; init; }

    public bool Runs => Decision is DecisionKind.Run or DecisionKind.RunAndFlag;
}

/// <summary>Default levels per system type (<c>Kse:Policy:DefaultLevels:kse|existing</c>).</summary>
public sealed record PolicyOptions
{
    public TakeoverLevel DefaultLevelKse { get; init; } = TakeoverLevel.L3;

    public TakeoverLevel DefaultLevelExisting { get; init; } = TakeoverLevel.L1;

    public TakeoverLevel DefaultFor(SystemType type) => type == SystemType.Existing ? DefaultLevelExisting : DefaultLevelKse;
}

/// <summary>
/// The policy kernel: a pure, deterministic function of (request, state, now). No I/O, no clock of its own.
/// Rules (stable ids): <c>input.*</c> deny malformed requests; <c>level.set</c>/<c>level.default</c> pick the base level;
/// <c>cap.environment</c>/<c>cap.clamped</c> apply the environment's cap; <c>elevation.active</c>/<c>elevation.expired</c>/
/// <c>elevation.revoked</c>/<c>elevation.capped</c> account for emergency elevations; <c>decide.*</c> map level and risk to the decision.
/// </summary>
public sealed class PolicyKernel
{
    public PolicyKernel(PolicyOptions? options = null)
    {
        Options = options ?? new PolicyOptions();
    }

    public PolicyOptions Options { get; }

    /// <summary>The highest level an environment allows: development L5, test L4, pre-production L3, production L2.</summary>
    public static TakeoverLevel CapOf(EnvironmentKind environment) => environment switch
    {
        EnvironmentKind.Development => TakeoverLevel.L5,
        EnvironmentKind.Test => TakeoverLevel.L4,
        EnvironmentKind.PreProduction => TakeoverLevel.L3,
        EnvironmentKind.Production => TakeoverLevel.L2,
        _ => throw KseException.BadInput("policy.environment_unknown", $"unknown environment value {(int)environment}"),
    };

    /// <summary>Parses an environment name without throwing.</summary>
    public static bool IsKnownEnvironmentName(string? text, out EnvironmentKind environment)
    {
        try
        {
            environment = PolicyNames.ParseEnvironment(text);
            return true;
        }
        catch (KseException)
        {
            environment = default;
            return false;
        }
    }

    public static bool IsKnown(TakeoverLevel level) => level is >= TakeoverLevel.L1 and <= TakeoverLevel.L5;

    public static bool IsKnown(EnvironmentKind environment) => environment is >= EnvironmentKind.Development and <= EnvironmentKind.Production;

    public static bool IsKnown(RiskClass risk) => risk is >= RiskClass.Read and <= RiskClass.Critical;

    /// <summary>The decision for a request whose names are still text (MCP arguments, CLI options): unknown names are denied, never defaulted.</summary>
    public PolicyDecision Decide(string? project, string? environment, string? operation, string? risk, string? instance, string actor, PolicyState state, DateTimeOffset now)
    {
        if (!ProjectName.IsValid(project))
        {
            return Deny("input.project_invalid", $"project name '{project}' is not a valid project name");
        }

        EnvironmentKind env;
        RiskClass riskClass;
        try
        {
            env = PolicyNames.ParseEnvironment(environment);
            riskClass = PolicyNames.ParseRisk(risk);
        }
        catch (KseException ex)
        {
            return Deny(ex.Code.Replace("policy.", "input.", StringComparison.Ordinal), ex.Message);
        }

        return Decide(new PolicyRequest { Project = project!, Environment = env, Operation = operation ?? "", Instance = instance, Risk = riskClass, Actor = actor }, state, now);
    }

    public PolicyDecision Decide(PolicyRequest request, PolicyState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        if (!ProjectName.IsValid(request.Project))
        {
            return Deny("input.project_invalid", $"project name '{request.Project}' is not a valid project name");
        }

        if (!IsKnown(request.Environment))
        {
            return Deny("input.environment_unknown", $"unknown environment value {(int)request.Environment}");
        }

        if (!IsKnown(request.Risk))
        {
            return Deny("input.risk_unknown", $"operation '{request.Operation}' has no known risk class");
        }

        if (string.IsNullOrWhiteSpace(request.Operation))
        {
            return Deny("input.operation_missing", "the request names no operation");
        }

        if (state.Level is { } set && !IsKnown(set))
        {
            return Deny("input.level_unknown", $"stored takeover level value {(int)set} is not L1..L5");
        }

        var rules = new List<PolicyRule>(5);
        var envName = request.Environment.Name();
        var scope = $"{request.Project}/{envName}";
        TakeoverLevel level;
        string source;
        if (state.Level is { } explicitLevel)
        {
            level = explicitLevel;
            source = "set";
            rules.Add(new PolicyRule("level.set", $"{scope} is set to {level}"));
        }
        else
        {
            level = Options.DefaultFor(state.SystemType);
            if (!IsKnown(level))
            {
                return Deny("input.level_unknown", $"default level value {(int)level} is not L1..L5");
            }

            source = "default";
            rules.Add(new PolicyRule("level.default", $"{scope} has no level set: the default for {SystemTypeName(state.SystemType)} systems is {level}"));
        }

        var cap = CapOf(request.Environment);
        var effective = level;
        if (level > cap)
        {
            effective = cap;
            rules.Add(new PolicyRule("cap.clamped", $"{envName} caps the level at {cap}: {level} is clamped to {cap}"));
        }
        else
        {
            rules.Add(new PolicyRule("cap.environment", $"{envName} caps the level at {cap}; {level} is within it"));
        }

        string? elevationId = null;
        EmergencyElevation? best = null;
        foreach (var e in state.Elevations)
        {
            if (e.Project != request.Project || e.Environment != request.Environment || !IsKnown(e.Level))
            {
                continue;
            }

            if (!e.IsActiveAt(now))
            {
                // Only a recent non-active one is worth naming; old history would drown the explanation.
                if (e.RevokedAt is null && now >= e.ExpiresAt && now - e.ExpiresAt < TimeSpan.FromDays(1))
                {
                    rules.Add(new PolicyRule("elevation.expired", $"elevation {e.Id} to {e.Level} expired at {e.ExpiresAt:u}: not counted"));
                }
                else if (e.RevokedAt is { } revoked && now < e.ExpiresAt)
                {
                    rules.Add(new PolicyRule("elevation.revoked", $"elevation {e.Id} to {e.Level} was revoked at {revoked:u}: not counted"));
                }

                continue;
            }

            if (best is null || e.Level > best.Level)
            {
                best = e;
            }
        }

        if (best is not null)
        {
            if (best.Level > effective)
            {
                var raised = best.Level > cap ? cap : best.Level;
                if (raised > effective)
                {
                    effective = raised;
                    elevationId = best.Id;
                    rules.Add(new PolicyRule("elevation.active", $"emergency elevation {best.Id} by {best.GrantedBy} raises {scope} to {effective} until {best.ExpiresAt:u}"));
                }

                if (best.Level > cap)
                {
                    rules.Add(new PolicyRule("elevation.capped", $"elevation {best.Id} asks for {best.Level} but {envName} caps at {cap}"));
                }
            }
            else
            {
                rules.Add(new PolicyRule("elevation.not_higher", $"elevation {best.Id} to {best.Level} does not raise {effective}"));
            }
        }

        var (decision, rule) = DecideAt(effective, request.Risk);
        rules.Add(rule);
        return new PolicyDecision
        {
            Decision = decision,
            EffectiveLevel = effective,
            Level = level,
            Cap = cap,
            LevelSource = source,
            ElevationId = elevationId,
            Rules = rules,
        };
    }

    /// <summary>The decision table: effective level × risk class.</summary>
    public static (DecisionKind Decision, PolicyRule Rule) DecideAt(TakeoverLevel level, RiskClass risk) => (level, risk) switch
    {
        (_, RiskClass.Read) => (DecisionKind.Run, new PolicyRule("decide.read_runs", $"read operations run at every level ({level})")),
        (TakeoverLevel.L1, _) => (DecisionKind.ObserveOnly, new PolicyRule("decide.l1_observe", $"at L1 (observation) a {risk.Name()} operation is recorded as an observation and not run")),
        (TakeoverLevel.L2, _) => (DecisionKind.QueueForApproval, new PolicyRule("decide.l2_suggest", $"at L2 (suggestion) a {risk.Name()} operation is queued for a human")),
        (TakeoverLevel.L3, RiskClass.Normal) => (DecisionKind.Run, new PolicyRule("decide.l3_normal_runs", "at L3 (semi-auto) normal operations run")),
        (TakeoverLevel.L3, RiskClass.Critical) => (DecisionKind.QueueForApproval, new PolicyRule("decide.l3_critical_queued", "at L3 (semi-auto) critical operations are queued for a human")),
        (TakeoverLevel.L4, RiskClass.Normal) => (DecisionKind.Run, new PolicyRule("decide.l4_runs", "at L4 (auto) normal operations run")),
        (TakeoverLevel.L4, RiskClass.Critical) => (DecisionKind.RunAndFlag, new PolicyRule("decide.l4_critical_flagged", "at L4 (auto) critical operations run and are flagged for review after the fact")),
        (TakeoverLevel.L5, _) => (DecisionKind.Run, new PolicyRule("decide.l5_runs", $"at L5 (fully autonomous) {risk.Name()} operations run")),
        _ => (DecisionKind.Deny, new PolicyRule("input.unknown", $"no rule for level {(int)level} and risk {(int)risk}")),
    };

    private static PolicyDecision Deny(string ruleId, string text) => new()
    {
        Decision = DecisionKind.Deny,
        Rules = [new PolicyRule(ruleId, text)],
    };

    private static string SystemTypeName(SystemType type) => type == SystemType.Existing ? "existing" : "kse";
}
