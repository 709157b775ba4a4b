using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Storage.Tests.Policy;

public sealed class TakeoverAndEmergencyTests
{
    [Fact]
    public async Task SetLevel_IsStored_AndAuditedWithFromToUserAndReason()
    {
        using var f = new PolicyFixture();
        var change = await f.Policy.SetLevelAsync("shop", "test", "L3", "two clean weeks", Actor.OsUser("dana"));
        Assert.Equal(TakeoverLevel.L1, change.From);
        Assert.Equal(TakeoverLevel.L3, change.To);
        var view = Assert.Single((await f.Policy.ShowAsync("shop", "test")).Environments);
        Assert.Equal(TakeoverLevel.L3, view.EffectiveLevel);
        Assert.Equal("set", view.Source);
        var e = Assert.Single((await f.AuditEntriesAsync()), x => x.OperationType == "takeover.change");
        Assert.Equal("dana", e.ActorName);
        Assert.Equal("L1", e.Parameters!["from"]);
        Assert.Equal("L3", e.Parameters["to"]);
        Assert.Equal("two clean weeks", e.Parameters["reason"]);
        Assert.Equal(f.Clock.GetUtcNow(), e.Timestamp);
    }

    [Theory]
    [InlineData("production", "L3", "policy.level_above_cap", KseErrorKind.Refused)]
    [InlineData("prod-eu", "L2", "policy.environment_unknown", KseErrorKind.BadInput)]
    [InlineData("production", "L7", "policy.level_unknown", KseErrorKind.BadInput)]
    public async Task SetLevel_Refuses_AndChangesNothing(string env, string level, string code, KseErrorKind kind)
    {
        using var f = new PolicyFixture();
        var ex = await Assert.ThrowsAsync<KseException>(() => f.Policy.SetLevelAsync("shop", env, level, "because", Actor.OsUser("dana")));
        Assert.Equal(code, ex.Code);
        Assert.Equal(kind, ex.Kind);
        Assert.Empty((await f.Takeover.ListLevelsAsync("shop")));
        Assert.Empty((await f.AuditEntriesAsync()));
    }

    [Fact]
    public async Task SetLevel_WithoutReason_IsBadInput_AndUnknownProject_IsNotFound()
    {
        using var f = new PolicyFixture();
        Assert.Equal(KseErrorKind.BadInput, (await Assert.ThrowsAsync<KseException>(() => f.Policy.SetLevelAsync("shop", "test", "L2", " ", Actor.OsUser("d")))).Kind);
        Assert.Equal(KseErrorKind.NotFound, (await Assert.ThrowsAsync<KseException>(() => f.Policy.SetLevelAsync("nope", "test", "L2", "x", Actor.OsUser("d")))).Kind);
    }

    [Fact]
    public async Task Grant_RaisesTheLevel_UntilExpiry_ThenRevertsByItself_AndTheExpiryIsAudited()
    {
        using var f = new PolicyFixture();
        var e = await f.Emergency.GrantAsync("shop", "pre-production", "L3", null, "INC-42", "alice");
        Assert.Equal(f.Clock.GetUtcNow().AddMinutes(60), e.ExpiresAt);
        Assert.Equal(DecisionKind.Run, (await f.Policy.ExplainAsync("shop", "pre-production", "restart", "normal", null, Actor.Ai("claude"))).Decision);
        f.Clock.Advance(TimeSpan.FromMinutes(60));
        var after = (await f.Policy.ExplainAsync("shop", "pre-production", "restart", "normal", null, Actor.Ai("claude")));
        Assert.Equal(DecisionKind.ObserveOnly, after.Decision);
        Assert.Contains(after.Rules, r => r.Id == "elevation.expired");
        var list = await f.Emergency.ListAsync(null, includeInactive: true);
        Assert.Equal("expired", Assert.Single(list.Elevations).Status);
        await f.Emergency.ListAsync(null, includeInactive: false);
        Assert.Single((await f.AuditEntriesAsync()), x => x.OperationType == "emergency.expire");
        Assert.Single((await f.AuditEntriesAsync()), x => x.OperationType == "emergency.grant" && x.Parameters!["reason"] == "INC-42");
    }

    [Theory]
    [InlineData("bob", null, "policy.operator_role_missing")]
    [InlineData("mallory", null, "policy.operator_unknown")]
    [InlineData("alice", 241, "emergency.minutes_invalid")]
    [InlineData("alice", 0, "emergency.minutes_invalid")]
    public async Task Grant_IsRefused_WithoutTheRole_OrBeyondFourHours(string user, int? minutes, string code)
    {
        using var f = new PolicyFixture();
        var ex = await Assert.ThrowsAsync<KseException>(() => f.Emergency.GrantAsync("shop", "test", "L3", minutes, "x", user));
        Assert.Equal(code, ex.Code);
        Assert.Empty((await f.Takeover.ListElevationsAsync()));
    }

    [Fact]
    public async Task Grant_AboveTheCap_IsRefused()
    {
        using var f = new PolicyFixture();
        var ex = await Assert.ThrowsAsync<KseException>(() => f.Emergency.GrantAsync("shop", "production", "L3", 30, "x", "alice"));
        Assert.Equal("policy.level_above_cap", ex.Code);
        Assert.Equal(KseErrorKind.Refused, ex.Kind);
    }

    [Fact]
    public async Task Revoke_EndsTheElevationAtOnce()
    {
        using var f = new PolicyFixture();
        var e = await f.Emergency.GrantAsync("shop", "test", "L4", 240, "x", "alice");
        await f.Emergency.RevokeAsync(e.Id, "fixed", "alice");
        Assert.Equal(TakeoverLevel.L1, Assert.Single((await f.Policy.ShowAsync("shop", "test")).Environments).EffectiveLevel);
        Assert.Equal("emergency.not_active", (await Assert.ThrowsAsync<KseException>(() => f.Emergency.RevokeAsync(e.Id, "again", "alice"))).Code);
    }
}
