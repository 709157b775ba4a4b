using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Kse.Server.Http;

/// <summary>
/// Response headers that keep the approval page what it is: scripts only from this server (and the page's own inline
/// script, by its hash), no framing (clickjacking an approve button), no content sniffing, no referrer leaking ids.
/// </summary>
public static partial class SecurityHeaders
{
    [GeneratedRegex(@"<script>(.*?)</script>", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex InlineScript();

    /// <summary>The page's policy: <c>default-src 'self'</c>, its inline scripts allowed by hash, <c>frame-ancestors 'none'</c>.</summary>
    public static string PagePolicy(string html)
    {
        var hashes = InlineScript().Matches(html)
            .Select(m => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups[1].Value)))}'");
        // Inline style attributes only restyle; they cannot run code.
        return $"default-src 'self'; script-src 'self' {string.Join(' ', hashes)}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    /// <summary>Every response: nosniff, no referrer, no framing; a strict policy for anything but the page (which sets its own).</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.XFrameOptions = "DENY";
                if (!headers.ContainsKey("Content-Security-Policy"))
                {
                    headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
                }

                return Task.CompletedTask;
            });
            await next(context);
        });
}
