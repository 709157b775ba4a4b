using Kse.Core.Audit;
using Kse.Core.Feedback;
using Kse.Server.Tests.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kse.Server.Tests.Feedback;

/// <summary>The approval page's Feedback view in Debian's headless Chromium: open items by severity, charts, a lifecycle click.</summary>
public sealed class FeedbackPageBrowserTests
{
    [Fact]
    public async Task FeedbackView_ShowsOpenItemsBySeverity_AndCharts_AndAcknowledgesOnClick()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var feedback = host.Services.GetRequiredService<FeedbackService>();
        var desk = Actor.OsUser("desk");
        await feedback.SubmitAsync(new FeedbackSubmission { Project = "shop", Channel = "support-ticket", Title = "Checkout is down for everyone", Body = "HTTP 503 for all users", Instance = "prod-1" }, desk);
        var medium = await feedback.SubmitAsync(new FeedbackSubmission { Project = "shop", Channel = "user-report", Title = "Export button does nothing", Body = "No file \u001b[2J arrives", Reporter = "ann" }, desk);
        await feedback.SubmitAsync(new FeedbackSubmission { Project = "shop", Channel = "customer-survey", Title = "Q4", Body = "A dark mode would be nice", Score = 4 }, desk);
        await feedback.SubmitAsync(new FeedbackSubmission { Project = "shop", Channel = "customer-survey", Title = "Q4 b", Body = "Please add an export to our accounting tool", Score = 2 }, desk);

        await using var browser = await ApprovalPageSession.OpenAsync(host, phone: true);
        var page = browser.Page;

        await page.ClickAsync("[data-testid=feedback-tab]");

        var critical = page.Locator("[data-testid=severity-critical]");
        await Assertions.Expect(critical.Locator("[data-testid=severity-count]")).ToHaveTextAsync("1", new() { Timeout = 15000 });
        await Assertions.Expect(critical).ToContainTextAsync("Checkout is down for everyone");
        await Assertions.Expect(page.Locator("#approvals-view")).ToBeHiddenAsync();
        var mediumCard = page.Locator($"article[data-id='{medium.Id}']");
        await Assertions.Expect(page.Locator("[data-testid=severity-medium]")).ToContainTextAsync("Export button does nothing");
        await Assertions.Expect(mediumCard).ToContainTextAsync("\\u001b[2J");
        await Assertions.Expect(page.Locator("[data-testid=chart-type] g[data-key]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("[data-testid=chart-severity] g[data-key=critical]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=chart-satisfaction] circle")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=chart-satisfaction] circle title")).ToContainTextAsync(": 3 from 2");

        await mediumCard.Locator("button[data-move=acknowledged]").ClickAsync();

        await Assertions.Expect(mediumCard.Locator("[data-testid=fb-state]")).ToHaveTextAsync("acknowledged", new() { Timeout = 15000 });
        var item = await feedback.GetAsync(medium.Id);
        Assert.Equal(("acknowledged", "operator:alice"), (item.State, item.History[^1].By));
    }
}
