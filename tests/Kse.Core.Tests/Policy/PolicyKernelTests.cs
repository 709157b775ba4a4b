using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Core.Tests.Policy;

public sealed class PolicyKernelTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
    private static readonly PolicyKernel Kernel = new();

    private static PolicyDecision Decide(TakeoverLevel? level, EnvironmentKind env, RiskClass risk, SystemType type = SystemType.Kse, params EmergencyElevation[] elevations) =>
        Kernel.Decide(
            new PolicyRequest { Project = "shop", Environment = env, Operation = "restart-service", Risk = risk },
            new PolicyState { SystemType = type, Level = level, Elevations = elevations },
            Now);

    [Theory]
    [InlineData("L1", "read", "run")]
    [InlineData("L1", "normal", "observe_only")]
    [InlineData("L1", "critical", "observe_only")]
    [InlineData("L2", "read", "run")]
    [InlineData("L2", "normal", "queue_for_approval")]
    [InlineData("L2", "critical", "queue_for_approval")]
    [InlineData("L3", "read", "run")]
    [InlineData("L3", "normal", "run")]
    [InlineData("L3", "critical", "queue_for_approval")]
    [InlineData("L4", "read", "run")]
    [InlineData("L4", "normal", "run")]
    [InlineData("L4", "critical", "run_and_flag")]
    [InlineData("L5", "read", "run")]
    [InlineData("L5", "normal", "run")]
    [InlineData("L5", "critical", "run")]
    public void DecisionTable_InDevelopment_FollowsLevelAndRisk(string level, string risk, string expected)
    {
        var d = Decide(PolicyNames.ParseLevel(level), EnvironmentKind.Development, PolicyNames.ParseRisk(risk));
        Assert.Equal(expected, d.Decision.Name());
        Assert.Equal(PolicyNames.ParseLevel(level), d.EffectiveLevel);
        Assert.StartsWith("decide.", d.Rules[^1].Id);
    }

    [Theory]
    [InlineData("development", "L5")]
    [InlineData("test", "L4")]
    [InlineData("pre-production", "L3")]
    [InlineData("production", "L2")]
    public void Level_IsClampedToTheEnvironmentCap(string env, string cap)
    {
        var d = Decide(TakeoverLevel.L5, PolicyNames.ParseEnvironment(env), RiskClass.Normal);
        Assert.Equal(PolicyNames.ParseLevel(cap), d.EffectiveLevel);
        Assert.Equal(PolicyNames.ParseLevel(cap), d.Cap);
        Assert.Equal(env == "development" ? "cap.environment" : "cap.clamped", d.Rules[1].Id);
    }

    [Fact]
    public void Default_ForKseProject_IsL3_AndForExistingSystem_IsL1()
    {
        var kse = Decide(null, EnvironmentKind.Development, RiskClass.Normal, SystemType.Kse);
        var existing = Decide(null, EnvironmentKind.Development, RiskClass.Normal, SystemType.Existing);
        Assert.Equal(TakeoverLevel.L3, kse.EffectiveLevel);
        Assert.Equal(DecisionKind.Run, kse.Decision);
        Assert.Equal(TakeoverLevel.L1, existing.EffectiveLevel);
        Assert.Equal(DecisionKind.ObserveOnly, existing.Decision);
        Assert.Equal("level.default", existing.Rules[0].Id);
        Assert.Equal("default", existing.LevelSource);
    }

    [Fact]
    public void Default_IsConfigurable_PerSystemType()
    {
        var kernel = new PolicyKernel(new PolicyOptions { DefaultLevelExisting = TakeoverLevel.L2 });
        var d = kernel.Decide(new PolicyRequest { Project = "shop", Environment = EnvironmentKind.Test, Operation = "x", Risk = RiskClass.Normal }, new PolicyState { SystemType = SystemType.Existing }, Now);
        Assert.Equal(TakeoverLevel.L2, d.EffectiveLevel);
        Assert.Equal(DecisionKind.QueueForApproval, d.Decision);
    }

    [Fact]
    public void KseProject_InProduction_IsClampedToL2_AndQueuesNormalOperations()
    {
        var d = Decide(null, EnvironmentKind.Production, RiskClass.Normal);
        Assert.Equal(TakeoverLevel.L2, d.EffectiveLevel);
        Assert.Equal(DecisionKind.QueueForApproval, d.Decision);
        Assert.Contains(d.Rules, r => r.Id == "cap.clamped");
    }

    [Fact]
    public void ActiveElevation_RaisesTheLevel_ExpiredOneDoesNot()
    {
        var active = Elevation("el-1", TakeoverLevel.L3, EnvironmentKind.PreProduction, Now.AddMinutes(-5), Now.AddMinutes(55));
        var expired = Elevation("el-2", TakeoverLevel.L3, EnvironmentKind.PreProduction, Now.AddMinutes(-65), Now.AddMinutes(-5));
        var raised = Decide(TakeoverLevel.L1, EnvironmentKind.PreProduction, RiskClass.Normal, SystemType.Existing, active);
        var lapsed = Decide(TakeoverLevel.L1, EnvironmentKind.PreProduction, RiskClass.Normal, SystemType.Existing, expired);
        Assert.Equal(TakeoverLevel.L3, raised.EffectiveLevel);
        Assert.Equal("el-1", raised.ElevationId);
        Assert.Equal(DecisionKind.Run, raised.Decision);
        Assert.Contains(raised.Rules, r => r.Id == "elevation.active");
        Assert.Equal(TakeoverLevel.L1, lapsed.EffectiveLevel);
        Assert.Equal(DecisionKind.ObserveOnly, lapsed.Decision);
        Assert.Contains(lapsed.Rules, r => r.Id == "elevation.expired");
    }

    [Fact]
    public void Elevation_EndsExactlyAtItsExpiry()
    {
        var e = Elevation("el-1", TakeoverLevel.L2, EnvironmentKind.Production, Now.AddMinutes(-60), Now);
        var d = Decide(TakeoverLevel.L1, EnvironmentKind.Production, RiskClass.Normal, SystemType.Existing, e);
        Assert.Equal(TakeoverLevel.L1, d.EffectiveLevel);
    }

    [Fact]
    public void Elevation_NeverPassesTheCap()
    {
        var e = Elevation("el-1", TakeoverLevel.L5, EnvironmentKind.Production, Now.AddMinutes(-1), Now.AddMinutes(30));
        var d = Decide(TakeoverLevel.L1, EnvironmentKind.Production, RiskClass.Critical, SystemType.Existing, e);
        Assert.Equal(TakeoverLevel.L2, d.EffectiveLevel);
        Assert.Equal(DecisionKind.QueueForApproval, d.Decision);
        Assert.Contains(d.Rules, r => r.Id == "elevation.capped");
    }

    [Fact]
    public void Elevation_OfAnotherProjectOrEnvironment_DoesNotCount()
    {
        var other = Elevation("el-1", TakeoverLevel.L5, EnvironmentKind.Development, Now.AddMinutes(-1), Now.AddMinutes(30)) with { Project = "web" };
        var otherEnv = Elevation("el-2", TakeoverLevel.L5, EnvironmentKind.Test, Now.AddMinutes(-1), Now.AddMinutes(30));
        var d = Decide(TakeoverLevel.L1, EnvironmentKind.Development, RiskClass.Normal, SystemType.Existing, other, otherEnv);
        Assert.Equal(TakeoverLevel.L1, d.EffectiveLevel);
        Assert.Null(d.ElevationId);
    }

    [Theory]
    [InlineData("prod-eu", "normal", "input.environment_unknown")]
    [InlineData("production", "dangerous", "input.risk_unknown")]
    [InlineData(null, "normal", "input.environment_unknown")]
    [InlineData("production", null, "input.risk_unknown")]
    public void UnknownNames_AreDenied_NeverDefaulted(string? env, string? risk, string rule)
    {
        var d = Kernel.Decide("shop", env, "restart", risk, null, "ai:x", new PolicyState { SystemType = SystemType.Kse, Level = TakeoverLevel.L5 }, Now);
        Assert.Equal(DecisionKind.Deny, d.Decision);
        Assert.Equal(rule, Assert.Single(d.Rules).Id);
    }

    [Fact]
    public void InvalidProjectName_IsDenied()
    {
        var d = Kernel.Decide("../etc", "development", "restart", "read", null, "ai:x", new PolicyState { SystemType = SystemType.Kse }, Now);
        Assert.Equal(DecisionKind.Deny, d.Decision);
        Assert.Equal("input.project_invalid", d.Rules[0].Id);
    }

    private static EmergencyElevation Elevation(string id, TakeoverLevel level, EnvironmentKind env, DateTimeOffset from, DateTimeOffset to) => new()
    {
        Id = id,
        Project = "shop",
        Environment = env,
        Level = level,
        Reason = "incident",
        GrantedBy = "alice",
        GrantedAt = from,
        ExpiresAt = to,
    };
}
