using Kse.Core.Audit;
using Kse.Core.Changes;
using Kse.Core.Rollouts;
using Kse.Server.Tests.Http;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kse.Server.Tests.Rollouts;

/// <summary>The approval page in Debian's headless Chromium: a paused rollout's waves, the step waiting for approval, approved on its card.</summary>
public sealed class RolloutPageBrowserTests
{
    [Fact]
    public async Task ThePage_ShowsAPausedRolloutsWaves_AndItsWaitingStep_AndApprovingTheStepFinishesTheRollout()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        RolloutFixtures.Seed(host.Workspace, reportsMigrateRisk: "critical");
        var rollouts = host.Services.GetRequiredService<RolloutService>();
        var paused = await rollouts.StartAsync(new RolloutStartRequest { Files = UnifiedDiff.Parse(RolloutFixtures.Change), Project = "billing", Environment = "pre-production" }, Actor.OsUser("bob"));
        var queued = Assert.Single(paused.Steps, s => s.Status == "queued");

        await using var browser = await ApprovalPageSession.OpenAsync(host, phone: true);
        var page = browser.Page;

        // The rollout, its waves with their state, and the step waiting for approval in the current wave.
        var card = page.Locator($"[data-testid=rollout][data-id='{paused.Id}']");
        await Assertions.Expect(card.Locator("[data-testid=rollout-state]")).ToHaveTextAsync("paused", new() { Timeout = 15000 });
        await Assertions.Expect(card.Locator("[data-testid=rollout-wave]")).ToHaveCountAsync(3);
        Assert.Equal(["completed", "paused", "pending"], await card.Locator("[data-testid=rollout-wave]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.status)"));
        var waiting = card.Locator($"[data-testid=rollout-step][data-step='{queued.Number}']");
        await Assertions.Expect(waiting).ToHaveAttributeAsync("data-status", "queued");
        await Assertions.Expect(waiting).ToContainTextAsync("r-migrate on reports/r-pp");
        await Assertions.Expect(waiting.Locator("[data-testid=waiting-approval]")).ToContainTextAsync(queued.ApprovalId!);
        await Assertions.Expect(card.Locator("[data-testid=rollout-stopped]")).ToContainTextAsync($"waits for approval {queued.ApprovalId}");

        // Its approval card says which rollout and step it is; approving it there continues the rollout to its end.
        var approval = page.Locator($"#pending article[data-id='{queued.ApprovalId}']");
        await Assertions.Expect(approval.Locator("[data-testid=rollout-of]")).ToContainTextAsync($"step {queued.Number} of rollout {paused.Id}");
        await waiting.Locator("[data-testid=waiting-approval]").ClickAsync();
        await approval.Locator("input[name=reason]").FillAsync("migration reviewed");
        await approval.Locator("button.approve").ClickAsync();

        await Assertions.Expect(card).ToHaveCountAsync(0, new() { Timeout = 30000 });
        Assert.Equal("completed", (await rollouts.GetAsync(paused.Id)).State);
        Assert.True(browser.Failures.Count == 0, string.Join("\n", browser.Failures));
    }
}
