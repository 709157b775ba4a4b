using System.Text.Json;
using Microsoft.Playwright;

namespace Kse.Server.Tests.Http;

/// <summary>Drives the real approval page in Debian's headless Chromium.</summary>
public sealed class ApprovalPageBrowserTests
{
    [Fact]
    public async Task QueuedAction_AppearsOnPage_ApproveClick_RunsIt()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        await using var browser = await ApprovalPageSession.OpenAsync(host, phone: true);
        var page = browser.Page;
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("alice");
        await Assertions.Expect(page.Locator(".empty").First).ToBeVisibleAsync();

        // The AI queues a critical production operation while the page is open.
        await using var mcp = await host.ConnectMcpAsync("browser-ai");
        var queued = await mcp.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "mark", ["environment"] = "production", ["instance"] = "prod-1",
            ["parameters"] = new Dictionary<string, string> { ["text"] = "clicked" }, ["reason"] = "INC-21 restart",
        });
        var id = JsonSerializer.SerializeToElement(queued.StructuredContent).GetProperty("approvalId").GetString()!;

        var card = page.Locator($"article[data-id='{id}']");
        await Assertions.Expect(card).ToBeVisibleAsync(new() { Timeout = 15000 });
        await Assertions.Expect(card).ToContainTextAsync("prod-1");
        await Assertions.Expect(card).ToContainTextAsync("production");
        await Assertions.Expect(card).ToContainTextAsync("ai:browser-ai");
        await Assertions.Expect(card).ToContainTextAsync("INC-21 restart");
        await Assertions.Expect(card.Locator("[data-testid=command]")).ToContainTextAsync("clicked");
        await Assertions.Expect(card.Locator(".risk")).ToHaveTextAsync("critical");
        Assert.False(File.Exists(host.Marker));

        await card.Locator("input[name=reason]").FillAsync("checked the diff");
        await card.Locator("button.approve").ClickAsync();

        var decided = page.Locator($"tr[data-id='{id}']");
        await Assertions.Expect(decided.Locator("[data-testid=state]")).ToHaveTextAsync("executed", new() { Timeout = 15000 });
        await Assertions.Expect(decided.Locator("[data-testid=outcome]")).ToContainTextAsync("succeeded");
        await Assertions.Expect(card).ToHaveCountAsync(0);
        Assert.Equal("clicked\n", File.ReadAllText(host.Marker));
    }

    [Fact]
    public async Task WrongToken_StaysOnSignIn()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        await using var browser = await ApprovalPageSession.OpenAsync(host, token: null);
        var page = browser.Page;

        await page.FillAsync("#token", "wrong");
        await page.ClickAsync("#signin");

        await Assertions.Expect(page.Locator("#login-msg")).ToContainTextAsync("not accepted");
        await Assertions.Expect(page.Locator("#app")).ToBeHiddenAsync();
    }
}
