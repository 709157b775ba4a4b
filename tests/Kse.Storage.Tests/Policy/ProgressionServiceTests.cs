using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Storage.Tests.Policy;

public sealed class ProgressionServiceTests
{
    private static ProgressionService Progression(PolicyFixture f, ProgressionOptions? options = null) =>
        new(f.Workspace.Workspace, f.Takeover, f.AuditReader, f.Policy, options ?? new ProgressionOptions(), f.Clock);

    /// <summary>An executed operation as the execution path audits it: its decision entry, then its outcome.</summary>
    private static async Task RunAsync(PolicyFixture f, string project, string env, bool failed, string type = "ops.run", string target = "restart@web-1")
    {
        await f.Audit.AppendAsync(new AuditDraft { Actor = Actor.Ai("claude"), OperationType = type, Project = project, Environment = env, Target = target, Decision = "run", Outcome = "decided", TakeoverLevel = "L3" });
        await f.Audit.AppendAsync(new AuditDraft { Actor = Actor.Ai("claude"), OperationType = type, Project = project, Environment = env, Target = target, Decision = "run", Outcome = failed ? "failed" : "succeeded", ErrorContext = failed ? "exit 1" : null });
    }

    /// <summary><paramref name="count"/> operations, the first one <paramref name="days"/> days before the clock's end, <paramref name="errors"/> failures spread evenly.</summary>
    private static async Task HistoryAsync(PolicyFixture f, string project, string env, double days, int count, int errors)
    {
        for (var i = 0; i < count; i++)
        {
            var failed = errors > 0 && ((i + 1) * errors / count) > (i * errors / count);
            await RunAsync(f, project, env, failed);
            if (i == 0)
            {
                f.Clock.Advance(TimeSpan.FromDays(days));
            }
        }
    }

    [Fact]
    public async Task Promotion_IsSuggested_OneLevelUp_WhenEveryCriterionHolds()
    {
        using var f = new PolicyFixture();
        await HistoryAsync(f, "web", "test", days: 14, count: 100, errors: 0);
        var a = (await Progression(f).AssessAsync("web", "test", f.Clock.GetUtcNow()));
        Assert.Equal(ProgressionAction.Promote, a.Recommendation.Action);
        Assert.Equal(TakeoverLevel.L3, a.Recommendation.From);
        Assert.Equal(TakeoverLevel.L4, a.Recommendation.To);
        Assert.All(a.Recommendation.Criteria, c => Assert.True(c.Met, c.Text));
        Assert.Equal(100, a.Evidence.Operations);
        Assert.Equal(14, a.Evidence.DaysObserved);
        Assert.Equal(0.963, a.Evidence.Confidence, 3);
        Assert.DoesNotContain((await f.AuditEntriesAsync()), e => e.OperationType == "takeover.change");
    }

    [Theory]
    [InlineData("test", 13.9, 100, 0, "promote.days")]
    [InlineData("test", 14, 99, 0, "promote.operations")]
    [InlineData("development", 14, 100, 15, "promote.confidence")] // 15% errors is under 20%, but the lower bound is 0.767
    [InlineData("test", 14, 100, 10, "promote.error_rate")] // confidence 0.826 holds, 10% is not under 10%
    public async Task Promotion_IsBlocked_ByEachCriterionFailingAlone(string env, double days, int count, int errors, string unmet)
    {
        using var f = new PolicyFixture();
        await HistoryAsync(f, "web", env, days, count, errors);
        var a = (await Progression(f).AssessAsync("web", env, f.Clock.GetUtcNow()));
        Assert.Equal(ProgressionAction.Hold, a.Recommendation.Action);
        Assert.Equal(a.Recommendation.From, a.Recommendation.To);
        var failing = Assert.Single(a.Recommendation.Criteria, c => !c.Met);
        Assert.Equal(unmet, failing.Id);
        Assert.Contains(a.Recommendation.Reasons, r => r.StartsWith(unmet + ":", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Promotion_IsNeverSuggested_AboveTheCap()
    {
        using var f = new PolicyFixture();
        await f.Policy.SetLevelAsync("web", "production", "L2", "at the cap", Actor.OsUser("dana"));
        await HistoryAsync(f, "web", "production", days: 30, count: 200, errors: 0);
        var a = (await Progression(f).AssessAsync("web", "production", f.Clock.GetUtcNow()));
        Assert.Equal(ProgressionAction.Hold, a.Recommendation.Action);
        Assert.Equal(TakeoverLevel.L2, a.Recommendation.To);
        Assert.Contains(a.Recommendation.Reasons, r => r.StartsWith("hold.at_cap", StringComparison.Ordinal));
        var ex = await Assert.ThrowsAsync<KseException>(() => Progression(f).PromoteAsync("web", "production", "more", Actor.OsUser("dana")));
        Assert.Equal(KseErrorKind.Refused, ex.Kind);
    }

    [Theory]
    [InlineData("development", 10, 2, false)] // 20% is not above 20%
    [InlineData("development", 10, 3, true)]
    [InlineData("test", 10, 1, false)]
    [InlineData("test", 10, 2, true)]
    [InlineData("pre-production", 20, 1, false)] // exactly 5%
    [InlineData("pre-production", 20, 2, true)]
    [InlineData("production", 50, 0, false)]
    [InlineData("production", 50, 1, true)] // 2% of the last 50
    [InlineData("production", 9, 9, false)] // fewer than 10 operations never demote
    public async Task Demotion_Triggers_AboveTheEnvironmentsThreshold_WithAtLeastTenOperations(string env, int count, int errors, bool demotes)
    {
        using var f = new PolicyFixture();
        await HistoryAsync(f, "web", env, days: 1, count: count, errors: errors);
        var before = (await Progression(f).AssessAsync("web", env, f.Clock.GetUtcNow())).Recommendation.From;
        var report = await Progression(f).ProgressAsync("web", env);
        var a = Assert.Single(report.Environments);
        var changes = (await f.AuditEntriesAsync()).Where(e => e.OperationType == "takeover.change").ToList();
        if (!demotes)
        {
            Assert.NotEqual(ProgressionAction.Demote, a.Recommendation.Action);
            Assert.Null(a.Applied);
            Assert.Empty(changes);
            return;
        }

        Assert.Equal(ProgressionAction.Demote, a.Recommendation.Action);
        Assert.Equal(before - 1, a.Applied!.To);
        Assert.Equal(before - 1, (await f.Takeover.GetLevelAsync("web", PolicyNames.ParseEnvironment(env)))!.Level);
        var audited = Assert.Single(changes);
        Assert.Equal(Actor.System, audited.ActorKind);
        Assert.Equal("kse", audited.ActorName);
        Assert.Equal(before.ToString(), audited.Parameters!["from"]);
        Assert.Equal((before - 1).ToString(), audited.Parameters["to"]);
        Assert.Equal(ProgressionService.DemotionTrigger, audited.Parameters["trigger"]);
        Assert.StartsWith($"automatic demotion: {errors} of the last {count} operations in {env} failed", audited.Parameters["reason"], StringComparison.Ordinal);
        Assert.Equal(errors.ToString(System.Globalization.CultureInfo.InvariantCulture), audited.Parameters["evidence.windowErrors"]);
    }

    [Fact]
    public async Task Demotion_StepsOneLevel_AndDoesNotCascadeOnTheSameEvidence()
    {
        using var f = new PolicyFixture();
        await f.Policy.SetLevelAsync("web", "development", "L5", "trusted", Actor.OsUser("dana"));
        f.Clock.Advance(TimeSpan.FromMinutes(1));
        await HistoryAsync(f, "web", "development", days: 1, count: 10, errors: 10);
        var first = Assert.Single((await Progression(f).ProgressAsync("web", "development")).Environments);
        Assert.Equal(TakeoverLevel.L4, first.Applied!.To);
        var second = Assert.Single((await Progression(f).ProgressAsync("web", "development")).Environments);
        Assert.Null(second.Applied);
        Assert.Equal(ProgressionAction.Hold, second.Recommendation.Action);
        Assert.Equal(0, second.Evidence.Operations);
        Assert.Equal(TakeoverLevel.L4, (await f.Takeover.GetLevelAsync("web", EnvironmentKind.Development))!.Level);
    }

    [Fact]
    public async Task Demotion_NeverGoesBelowL1()
    {
        using var f = new PolicyFixture();
        await HistoryAsync(f, "shop", "test", days: 1, count: 20, errors: 20);
        var a = Assert.Single((await Progression(f).ProgressAsync("shop", "test")).Environments);
        Assert.Equal(ProgressionAction.Hold, a.Recommendation.Action);
        Assert.Equal(TakeoverLevel.L1, a.Recommendation.To);
        Assert.Contains(a.Recommendation.Reasons, r => r.StartsWith("hold.at_floor", StringComparison.Ordinal));
        Assert.DoesNotContain((await f.AuditEntriesAsync()), e => e.OperationType == "takeover.change");
    }

    [Fact]
    public async Task Demotion_JudgesOnlyTheLastFiftyOperations()
    {
        using var f = new PolicyFixture();
        for (var i = 0; i < 10; i++)
        {
            await RunAsync(f, "web", "test", failed: true);
        }

        for (var i = 0; i < 50; i++)
        {
            await RunAsync(f, "web", "test", failed: false);
        }

        var a = (await Progression(f).AssessAsync("web", "test", f.Clock.GetUtcNow()));
        Assert.Equal(60, a.Evidence.Operations);
        Assert.Equal(50, a.Evidence.WindowOperations);
        Assert.Equal(0, a.Evidence.WindowErrors);
        Assert.NotEqual(ProgressionAction.Demote, a.Recommendation.Action);
    }

    [Fact]
    public async Task CheckAfterOutcome_DemotesAsSoonAsTheWindowPassesTheThreshold()
    {
        using var f = new PolicyFixture();
        var progression = Progression(f);
        TakeoverChange? change = null;
        var calls = 0;
        while (change is null && calls < 20)
        {
            await RunAsync(f, "web", "test", failed: true);
            calls++;
            change = await progression.CheckAfterOutcomeAsync("web", "test");
        }

        Assert.Equal(10, calls);
        Assert.Equal(TakeoverLevel.L3, change!.From);
        Assert.Equal(TakeoverLevel.L2, change.To);
        Assert.Equal("kse", change.User);
        Assert.Null(await progression.CheckAfterOutcomeAsync("web", "test"));
        Assert.Null(await progression.CheckAfterOutcomeAsync("nope", "test"));
        Assert.Null(await progression.CheckAfterOutcomeAsync("web", "prod-eu"));
    }

    [Fact]
    public async Task Evidence_CountsOnlyExecutedOperations_SinceTheLevelWasLastChanged()
    {
        using var f = new PolicyFixture();
        await HistoryAsync(f, "web", "test", days: 20, count: 30, errors: 5);
        await f.Policy.SetLevelAsync("web", "test", "L3", "reset", Actor.OsUser("dana"));
        f.Clock.Advance(TimeSpan.FromDays(2));
        await RunAsync(f, "web", "test", failed: false);
        await RunAsync(f, "web", "test", failed: true, type: "tool.call", target: "deploy");

        // Not operations: a read tool call, ops_run's own tool.call (its run is the ops.run entry), another environment, a denial, an observation.
        await f.Audit.AppendAsync(new AuditDraft { Actor = Actor.Ai("claude"), OperationType = "tool.call", Project = "web", Environment = "test", Target = "audit_query", Rules = ["decide.read_runs: read operations run at every level (L1)"], Outcome = "failed" });
        await f.Audit.AppendAsync(new AuditDraft { Actor = Actor.Ai("claude"), OperationType = "tool.call", Project = "web", Environment = "test", Target = "ops_run", Outcome = "succeeded" });
        await RunAsync(f, "web", "development", failed: true);
        await f.Audit.AppendAsync(new AuditDraft { Actor = Actor.Ai("claude"), OperationType = "tool.call", Project = "web", Environment = "test", Target = "deploy", Outcome = "denied" });
        await f.Audit.AppendAsync(new AuditDraft { Actor = Actor.Ai("claude"), OperationType = "tool.call", Project = "web", Environment = "test", Target = "deploy", Outcome = "observed" });
        f.Clock.Advance(TimeSpan.FromDays(1));

        var a = (await Progression(f).AssessAsync("web", "test", f.Clock.GetUtcNow()));
        Assert.Equal("set", a.Source);
        Assert.NotNull(a.Evidence.Since);
        Assert.Equal(2, a.Evidence.Operations);
        Assert.Equal(1, a.Evidence.Errors);
        Assert.Equal(0.5, a.Evidence.ErrorRate);
        Assert.Equal(1, a.Evidence.DaysObserved, 3);
    }

    [Fact]
    public async Task Promote_ReChecksTheEvidence_ThenAppliesOneLevel_AuditedAsTheHumansChange()
    {
        using var f = new PolicyFixture();
        var progression = Progression(f);
        var refused = await Assert.ThrowsAsync<KseException>(() => progression.PromoteAsync("web", "test", "looks fine", Actor.OsUser("dana")));
        Assert.Equal("progression.not_recommended", refused.Code);
        Assert.Equal(KseErrorKind.Refused, refused.Kind);
        Assert.Equal(KseErrorKind.BadInput, (await Assert.ThrowsAsync<KseException>(() => progression.PromoteAsync("web", "test", " ", Actor.OsUser("dana")))).Kind);

        await HistoryAsync(f, "web", "test", days: 15, count: 120, errors: 2);
        var (change, assessment) = await progression.PromoteAsync("web", "test", "two clean weeks", Actor.OperatorNamed("alice"));
        Assert.Equal(ProgressionAction.Promote, assessment.Recommendation.Action);
        Assert.Equal(TakeoverLevel.L3, change.From);
        Assert.Equal(TakeoverLevel.L4, change.To);
        var audited = Assert.Single((await f.AuditEntriesAsync()), e => e.OperationType == "takeover.change");
        Assert.Equal("alice", audited.ActorName);
        Assert.Equal("progression.promote", audited.Parameters!["trigger"]);
        Assert.Equal("120", audited.Parameters["evidence.operations"]);
        Assert.Equal("two clean weeks", audited.Parameters["reason"]);

        // The new level starts a new evidence period: no second promotion on the same history.
        Assert.Equal(ProgressionAction.Hold, (await progression.AssessAsync("web", "test", f.Clock.GetUtcNow())).Recommendation.Action);
    }

    [Fact]
    public async Task Sweep_DemotesEveryProjectAndEnvironmentThatIsDue()
    {
        using var f = new PolicyFixture();
        await HistoryAsync(f, "web", "pre-production", days: 1, count: 10, errors: 4);
        await HistoryAsync(f, "web", "development", days: 1, count: 10, errors: 1);
        var demoted = await Progression(f).SweepAsync();
        var change = Assert.Single(demoted);
        Assert.Equal(EnvironmentKind.PreProduction, change.Environment);
        Assert.Equal(TakeoverLevel.L2, change.To);
    }

    [Fact]
    public async Task Sweep_SkipsABrokenProjectYaml_AuditingTheSkipOncePerProblem_AndStillDemotesTheOthers()
    {
        using var f = new PolicyFixture();
        f.Workspace.Write(".sce/specs/broken/project.yaml", "name: broken\nenvironments: [development\n  instances: {{{\n");
        await HistoryAsync(f, "web", "pre-production", days: 1, count: 10, errors: 4);
        var progression = new ProgressionService(f.Workspace.Workspace, f.Takeover, f.AuditReader, f.Policy, new ProgressionOptions(), f.Clock, f.Audit);

        var demoted = await progression.SweepAsync();
        await progression.SweepAsync();

        Assert.Equal(("web", EnvironmentKind.PreProduction), (Assert.Single(demoted).Project, Assert.Single(demoted).Environment));
        var skipped = Assert.Single(await f.AuditEntriesAsync(), e => e.OperationType == ProgressionService.SweepSkipType);
        Assert.Equal(("broken", "skipped", "system"), (skipped.Project, skipped.Outcome, skipped.ActorKind));
        Assert.StartsWith("spec.", skipped.ErrorContext);
        Assert.Contains("project.yaml", skipped.Target);

        // Fixed, then broken differently: the new problem is recorded again.
        new Kse.Core.Specs.ProjectManifest { Name = "broken", SystemType = SystemType.Kse }.Save(f.Workspace.Workspace);
        await progression.SweepAsync();
        f.Workspace.Write(".sce/specs/broken/project.yaml", "name: broken\nsystemType: [unclosed\n");
        await progression.SweepAsync();
        Assert.Equal(2, (await f.AuditEntriesAsync()).Count(e => e.OperationType == ProgressionService.SweepSkipType));
    }

    [Fact]
    public void Options_OutOfRange_AreConfigurationErrors()
    {
        var ex = Assert.Throws<KseException>(() => new ProgressionOptions { MinConfidence = 1.5 }.Validated());
        Assert.Equal("config.invalid", ex.Code);
        Assert.Throws<KseException>(() => new ProgressionOptions { DemotionMinOperations = 60 }.Validated());
    }
}
