using Microsoft.Playwright;

namespace Kse.Server.Tests.Http;

/// <summary>
/// The approval page of a test host in Debian's headless Chromium (<c>/usr/bin/chromium</c>; test.sh installs it), optionally
/// signed in. <see cref="Failures"/> collects what went wrong in the page: console errors and answers of 400 or more.
/// </summary>
public sealed class ApprovalPageSession : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _failures = [];

    private ApprovalPageSession(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                lock (_failures)
                {
                    _failures.Add($"console: {m.Text} ({m.Location})");
                }
            }
        };
        page.Response += (_, r) =>
        {
            if (r.Status >= 400)
            {
                lock (_failures)
                {
                    _failures.Add($"{r.Status} {r.Url}");
                }
            }
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_failures)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>Opens the page (phone-sized when <paramref name="phone"/>), and signs in with <paramref name="token"/> unless it is null.</summary>
    public static async Task<ApprovalPageSession> OpenAsync(KseHttpTestHost host, string? token = KseHttpTestHost.AliceToken, bool phone = false)
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is not installed: apt-get install -y chromium (test.sh does it)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(phone ? new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } } : new BrowserNewPageOptions());
        var session = new ApprovalPageSession(playwright, browser, page);
        await page.GotoAsync(host.BaseUrl + "/");
        if (token is not null)
        {
            await page.FillAsync("#token", token);
            await page.ClickAsync("#signin");
            await Assertions.Expect(page.Locator("#app")).ToBeVisibleAsync();
        }

        return session;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
