using System.Text.Json;
using Microsoft.Playwright;

namespace Kse.Server.Tests.Http;

/// <summary>Drives the real approval page in Debian's headless Chromium.</summary>
public sealed class ApprovalPageBrowserTests
{
    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

    [Fact]
    public async Task QueuedAction_AppearsOnPage_ApproveClick_RunsIt()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is not installed: apt-get install -y chromium (test.sh does it)");
        await using var host = await KseHttpTestHost.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await page.GotoAsync(host.BaseUrl + "/");

        await page.FillAsync("#token", KseHttpTestHost.AliceToken);
        await page.ClickAsync("#signin");
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
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(host.BaseUrl + "/");

        await page.FillAsync("#token", "wrong");
        await page.ClickAsync("#signin");

        await Assertions.Expect(page.Locator("#login-msg")).ToContainTextAsync("not accepted");
        await Assertions.Expect(page.Locator("#app")).ToBeHiddenAsync();
    }
}
