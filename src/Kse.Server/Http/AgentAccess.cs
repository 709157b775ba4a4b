using System.Security.Claims;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kse.Server.Http;

/// <summary>How <c>/mcp</c> is protected: which origins may call it, and whether (and how) agents must authenticate.</summary>
public sealed record AgentAccessOptions
{
    /// <summary>True when every <c>/mcp</c> request needs an agent's credential (agents or an issuer configured, or remote access allowed).</summary>
    public bool Required { get; init; }

    /// <summary>Validate JWT access tokens from <c>Kse:Http:Authentication:Authority</c> as well as agent tokens.</summary>
    public bool Jwt { get; init; }

    /// <summary>Origins (<c>scheme://host[:port]</c>) allowed besides loopback ones (<c>Kse:Http:AllowedOrigins</c>).</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];
}

/// <summary>
/// The gate in front of <c>/mcp</c>: a foreign <c>Origin</c> is 403 (DNS rebinding, a web page calling a local server), a POST
/// that is not JSON is 415, and once agents are configured (always with remote access) a request needs
/// <c>Authorization: Bearer</c> of a configured agent (<c>Kse:Agents</c>) or a valid JWT from the configured issuer: otherwise
/// 401 with <c>WWW-Authenticate</c>. Operator tokens are not agent tokens and never open <c>/mcp</c>. The authenticated agent
/// becomes the request's user, so tool calls are audited, and approvals requested, as <c>ai:&lt;agent name&gt;</c>.
/// </summary>
public static class AgentAccess
{
    public const string AuditOperationType = "agent.http";

    /// <summary>The authentication type of an agent principal.</summary>
    public const string AuthenticationType = "kse-agent";

    /// <summary>One claim per project an agent is limited to (none: every project).</summary>
    public const string ProjectClaim = "kse:project";

    public const string JwtScheme = "Bearer";

    public const string MetadataPath = "/.well-known/oauth-protected-resource";

    public static IApplicationBuilder UseAgentAccess(this IApplicationBuilder app, AgentAccessOptions options) =>
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            var isMcp = path.StartsWithSegments("/mcp", StringComparison.Ordinal);
            if (!isMcp && !path.StartsWithSegments("/api", StringComparison.Ordinal))
            {
                await next(context);
                return;
            }

            if (context.Request.Headers.Origin is { Count: > 0 } origin && !IsAllowedOrigin(origin.ToString(), options))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, "http.origin_forbidden", $"requests from the origin '{origin}' are refused (set Kse:Http:AllowedOrigins to allow it)", null, isMcp);
                return;
            }

            if (!isMcp)
            {
                await next(context);
                return;
            }

            if (HttpMethods.IsPost(context.Request.Method) && !context.Request.HasJsonContentType())
            {
                await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "http.content_type_unsupported", "POST /mcp takes 'Content-Type: application/json'", null, isMcp: true);
                return;
            }

            var agents = context.RequestServices.GetRequiredService<AgentDirectory>();
            var token = OperatorAuthentication.BearerToken(context.Request.Headers.Authorization.ToString());
            if (token is null && !options.Required)
            {
                await next(context);
                return;
            }

            ClaimsPrincipal? principal = null;
            if (agents.FindByToken(token) is { } agent)
            {
                principal = Principal(agent.Name, agent.Projects ?? []);
            }
            else if (token is not null && options.Jwt)
            {
                var result = await context.AuthenticateAsync(JwtScheme);
                if (result.Succeeded && result.Principal is { } jwt && ClientName(jwt) is { } name)
                {
                    principal = Principal(name, jwt.FindAll("kse_projects").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList());
                }
            }

            if (principal is null)
            {
                await RefuseAsync(context, StatusCodes.Status401Unauthorized, "http.unauthenticated", token is null ? "send 'Authorization: Bearer <agent token>'" : "the token is not a configured agent's (Kse:Agents) nor a valid access token", options.Jwt ? MetadataUrl(context) : "", isMcp: true);
                return;
            }

            context.User = principal;
            await next(context);
        });

    /// <summary>The agent name of an authenticated request's user, or null.</summary>
    public static string? AgentName(ClaimsPrincipal? user) =>
        user?.Identity is { IsAuthenticated: true, AuthenticationType: AuthenticationType, Name: { Length: > 0 } name } ? name : null;

    /// <summary>The projects an agent is limited to; empty: every project.</summary>
    public static IReadOnlyList<string> Projects(ClaimsPrincipal? user) =>
        AgentName(user) is null ? [] : user!.FindAll(ProjectClaim).Select(c => c.Value).ToList();

    public static string MetadataUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{MetadataPath}";

    private static ClaimsPrincipal Principal(string name, IEnumerable<string> projects)
    {
        var identity = new ClaimsIdentity(AuthenticationType, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        // The streamable HTTP transport binds a session to this claim: another agent cannot continue it.
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, "agent:" + name));
        foreach (var p in projects)
        {
            identity.AddClaim(new Claim(ProjectClaim, p));
        }

        return new ClaimsPrincipal(identity);
    }

    private static string? ClientName(ClaimsPrincipal jwt)
    {
        var name = jwt.FindFirst("client_id")?.Value ?? jwt.FindFirst("azp")?.Value ?? jwt.FindFirst("sub")?.Value ?? jwt.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        return name is { Length: > 0 and <= 128 } && name.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or '@' or ':') ? name : null;
    }

    private static bool IsAllowedOrigin(string origin, AgentAccessOptions options)
    {
        if (options.AllowedOrigins.Any(o => string.Equals(o.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.IsLoopback;
    }

    private static async Task RefuseAsync(HttpContext context, int status, string code, string message, string? resourceMetadata, bool isMcp)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = string.IsNullOrEmpty(resourceMetadata)
                ? "Bearer realm=\"kse\""
                : $"Bearer realm=\"kse\", resource_metadata=\"{resourceMetadata}\"";
        }

        try
        {
            await context.RequestServices.GetRequiredService<RefusalAudit>().RecordAsync(
                isMcp ? AuditOperationType : OperatorAccess.AuditOperationType,
                new Actor("anonymous", context.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                $"{context.Request.Method} {context.Request.Path}",
                new Dictionary<string, string?>
                {
                    ["status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["origin"] = context.Request.Headers.Origin.ToString() is { Length: > 0 } o ? o : null,
                    ["contentType"] = context.Request.ContentType,
                    ["remote"] = context.Connection.RemoteIpAddress?.ToString(),
                },
                Kse.Core.KseException.Refused(code, message),
                context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AgentAccess)).LogError(ex, "refused HTTP attempt could not be audited: {Path}", context.Request.Path);
        }

        await context.Response.WriteAsJsonAsync(new ApiError(code, message));
    }
}
