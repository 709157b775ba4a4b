using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Core.Tests.Policy;

/// <summary>A random request and state: levels, environments, risks and elevations of two projects around <see cref="Now"/>.</summary>
public sealed record KernelScenario(
    EnvironmentKind Environment,
    RiskClass Risk,
    SystemType SystemType,
    TakeoverLevel? Level,
    IReadOnlyList<EmergencyElevation> Elevations)
{
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    public PolicyRequest Request => new() { Project = "shop", Environment = Environment, Operation = "restart-service", Risk = Risk, Actor = "ai:test" };

    public PolicyState State => new() { SystemType = SystemType, Level = Level, Elevations = Elevations };

    public override string ToString() =>
        $"{Environment} {Risk} {SystemType} level={Level?.ToString() ?? "default"} elevations=[{string.Join("; ", Elevations.Select(e => $"{e.Project}/{e.Environment} {e.Level} {e.GrantedAt - Now}..{e.ExpiresAt - Now} revoked={e.RevokedAt is not null}"))}]";
}

public static class KernelArbitraries
{
    private static Gen<T> Enum<T>() where T : struct, System.Enum => Gen.Elements(System.Enum.GetValues<T>());

    private static readonly Gen<EmergencyElevation> ElevationGen =
        from project in Gen.Elements("shop", "web")
        from env in Enum<EnvironmentKind>()
        from level in Enum<TakeoverLevel>()
        from startMinutes in Gen.Choose(-600, 60)
        from minutes in Gen.Choose(1, 240)
        from revoked in Gen.Elements(false, false, false, true)
        from id in Gen.Choose(1, 9999)
        select new EmergencyElevation
        {
            Id = $"el-{id}",
            Project = project,
            Environment = env,
            Level = level,
            Reason = "incident",
            GrantedBy = "alice",
            GrantedAt = KernelScenario.Now.AddMinutes(startMinutes),
            ExpiresAt = KernelScenario.Now.AddMinutes(startMinutes + minutes),
            RevokedAt = revoked ? KernelScenario.Now.AddMinutes(startMinutes) : null,
        };

    public static Arbitrary<KernelScenario> Scenario() =>
        (from env in Enum<EnvironmentKind>()
         from risk in Enum<RiskClass>()
         from type in Enum<SystemType>()
         from level in Gen.OneOf(Gen.Constant<TakeoverLevel?>(null), Enum<TakeoverLevel>().Select(l => (TakeoverLevel?)l))
         from elevations in Gen.ListOf(ElevationGen, 4)
         from more in Gen.Elements(0, 0, 1, 2)
         select new KernelScenario(env, risk, type, level, elevations.Take(more + elevations.Count % 3).ToList()))
        .ToArbitrary();
}

[Properties(Arbitrary = [typeof(KernelArbitraries)], MaxTest = 500)]
public sealed class PolicyKernelPropertyTests
{
    private static readonly PolicyKernel Kernel = new();

    private static int Permissiveness(DecisionKind d) => d switch
    {
        DecisionKind.Deny => 0,
        DecisionKind.ObserveOnly => 1,
        DecisionKind.QueueForApproval => 2,
        DecisionKind.RunAndFlag => 3,
        DecisionKind.Run => 4,
        _ => -1,
    };

    [Property]
    public bool EffectiveLevel_NeverExceedsTheCap_OrTheHighestOfLevelAndActiveElevation(KernelScenario s)
    {
        var d = Kernel.Decide(s.Request, s.State, KernelScenario.Now);
        var cap = PolicyKernel.CapOf(s.Environment);
        var baseLevel = s.Level ?? Kernel.Options.DefaultFor(s.SystemType);
        var active = s.Elevations
            .Where(e => e.Project == "shop" && e.Environment == s.Environment && e.IsActiveAt(KernelScenario.Now))
            .Select(e => e.Level)
            .DefaultIfEmpty(TakeoverLevel.L1)
            .Max();
        var ceiling = baseLevel > active ? baseLevel : active;
        return d.EffectiveLevel is { } eff && eff <= cap && eff <= ceiling && d.Cap == cap;
    }

    [Property]
    public bool ExpiredOrRevokedElevations_NeverCount(KernelScenario s)
    {
        var withAll = Kernel.Decide(s.Request, s.State, KernelScenario.Now);
        var onlyActive = s.State with { Elevations = s.Elevations.Where(e => e.IsActiveAt(KernelScenario.Now)).ToList() };
        var without = Kernel.Decide(s.Request, onlyActive, KernelScenario.Now);
        return withAll.Decision == without.Decision && withAll.EffectiveLevel == without.EffectiveLevel && withAll.ElevationId == without.ElevationId;
    }

    [Property]
    public bool AnElevation_AfterItsExpiry_LeavesTheNormalLevel(KernelScenario s)
    {
        var afterAll = s.Elevations.Select(e => e.ExpiresAt).DefaultIfEmpty(KernelScenario.Now).Max().AddTicks(1);
        var later = Kernel.Decide(s.Request, s.State, afterAll);
        var plain = Kernel.Decide(s.Request, s.State with { Elevations = [] }, afterAll);
        return later.EffectiveLevel == plain.EffectiveLevel && later.Decision == plain.Decision && later.ElevationId is null;
    }

    [Property]
    public bool ALowerLevel_NeverPermitsMoreThanAHigherOne(KernelScenario s)
    {
        var previous = -1;
        foreach (var level in System.Enum.GetValues<TakeoverLevel>())
        {
            var d = Kernel.Decide(s.Request, s.State with { Level = level }, KernelScenario.Now);
            var p = Permissiveness(d.Decision);
            if (p < previous)
            {
                return false;
            }

            previous = p;
        }

        return true;
    }

    [Property]
    public bool Decisions_AreDeterministic(KernelScenario s)
    {
        var a = Kernel.Decide(s.Request, s.State, KernelScenario.Now);
        var b = Kernel.Decide(s.Request, s.State, KernelScenario.Now);
        return a.Decision == b.Decision && a.EffectiveLevel == b.EffectiveLevel && a.Rules.SequenceEqual(b.Rules);
    }

    [Property]
    public bool UnknownEnvironmentOrRiskNames_AreDenied(string? env, string? risk, KernelScenario s)
    {
        string[] envs = ["development", "dev", "test", "pre-production", "preproduction", "pre-prod", "preprod", "staging", "production", "prod"];
        string[] risks = ["read", "normal", "critical"];
        var envKnown = env is not null && envs.Contains(env.Trim().ToLowerInvariant());
        var riskKnown = risk is not null && risks.Contains(risk.Trim().ToLowerInvariant());
        var d = Kernel.Decide("shop", env, "restart", risk, null, "ai:test", s.State, KernelScenario.Now);
        return envKnown && riskKnown ? d.Decision != DecisionKind.Deny || d.EffectiveLevel is not null : d.Decision == DecisionKind.Deny && d.EffectiveLevel is null;
    }

    [Property]
    public bool UndefinedEnumValues_AreDenied(int env, int risk, int level, KernelScenario s)
    {
        var badEnv = !PolicyKernel.IsKnown((EnvironmentKind)env);
        var badRisk = !PolicyKernel.IsKnown((RiskClass)risk);
        var badLevel = !PolicyKernel.IsKnown((TakeoverLevel)level);
        var request = s.Request with { Environment = (EnvironmentKind)env, Risk = (RiskClass)risk };
        var d = Kernel.Decide(request, s.State with { Level = (TakeoverLevel)level }, KernelScenario.Now);
        return badEnv || badRisk || badLevel ? d.Decision == DecisionKind.Deny : d.Decision != DecisionKind.Deny;
    }
}
