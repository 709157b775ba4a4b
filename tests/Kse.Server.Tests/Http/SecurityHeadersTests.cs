using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Kse.Server.Tests.Http;

public sealed class SecurityHeadersTests
{
    [Fact]
    public async Task ThePage_AllowsOnlyItsOwnScripts_CannotBeFramed_NorSniffed_NorLeakAReferrer()
    {
        await using var host = await KseHttpTestHost.StartAsync();

        var page = await host.Http.GetAsync("/");
        var api = await host.Http.GetAsync("/api/health");

        var csp = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("'unsafe-inline'", Regex.Match(csp, "script-src[^;]*").Value);
        // The page's inline script is allowed by its hash, and only it.
        var html = await page.Content.ReadAsStringAsync();
        var inline = Regex.Match(html, "<script>(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains($"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(inline)))}'", csp);
        foreach (var response in new[] { page, api })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        }

        Assert.Contains("frame-ancestors 'none'", string.Join(' ', api.Headers.GetValues("Content-Security-Policy")));
    }
}
