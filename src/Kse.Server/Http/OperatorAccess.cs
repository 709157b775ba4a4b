using Kse.Core.Audit;
using Kse.Core.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kse.Server.Http;

/// <summary>
/// Bearer-token authentication of the operator API: the token's SHA-256 must equal a configured operator's <c>TokenSha256</c>.
/// No or unknown token → 401, missing role → 403. Every attempt on <c>/api/</c> (except health) is audited as <c>operator.api</c>.
/// </summary>
public static class OperatorAccess
{
    public const string AuditOperationType = "operator.api";

    private const string OperatorKey = "kse.operator";

    /// <summary>The authenticated operator of this request (set by the middleware).</summary>
    public static KseOperator Operator(this HttpContext context) =>
        context.Items[OperatorKey] as KseOperator ?? throw new InvalidOperationException("no authenticated operator on this request");

    public static IApplicationBuilder UseOperatorAccess(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (!path.StartsWithSegments("/api", StringComparison.Ordinal) || path.Equals("/api/health", StringComparison.Ordinal))
            {
                await next(context);
                return;
            }

            // One matching rule for every face (Core's OperatorAuthentication); agent tokens are not operator tokens and never match here.
            var authentication = context.RequestServices.GetRequiredService<OperatorAuthentication>();
            var op = authentication.AuthenticateBearer(context.Request.Headers.Authorization.ToString(), out var failure);
            if (op is null && FeedbackEndpoints.IntakeAgent(context) is { } agent)
            {
                // Feedback intake (POST /api/feedback, Alertmanager's webhook) also takes an agent's token; nothing else here does.
                await next(context);
                await AuditAsync(context, null, null, agent);
                return;
            }

            if (op is null)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"kse\"";
                await AuditAsync(context, null, failure);
                await context.Response.WriteAsJsonAsync(new ApiError("http.unauthenticated", failure == "no bearer token" ? "send 'Authorization: Bearer <operator token>'" : "the token matches no configured operator"));
                return;
            }

            context.Items[OperatorKey] = op;
            await next(context);
            await AuditAsync(context, op, null);
        });

    /// <summary>Lets the request through only when the operator has one of <paramref name="roles"/>; otherwise 403.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, params string[] roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (ctx, next) =>
        {
            var op = ctx.HttpContext.Operator();
            if (!roles.Any(op.HasRole))
            {
                return Results.Json(new ApiError("http.forbidden", $"operator '{op.Name}' needs one of the roles {string.Join(", ", roles)}"), statusCode: StatusCodes.Status403Forbidden);
            }

            return await next(ctx);
        });

    private static async Task AuditAsync(HttpContext context, KseOperator? op, string? failure, KseAgent? agent = null)
    {
        var status = context.Response.StatusCode;
        var target = $"{context.Request.Method} {context.Request.Path}";
        try
        {
            await context.RequestServices.GetRequiredService<OperatorAuthentication>().AuditAttemptAsync(
                AuditOperationType,
                op is not null ? Actor.OperatorNamed(op.Name) : agent is not null ? Actor.Ai(agent.Name) : new Actor("anonymous", context.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                target,
                new Dictionary<string, string?>
                {
                    ["query"] = context.Request.QueryString.HasValue ? context.Request.QueryString.Value : null,
                    ["status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["remote"] = context.Connection.RemoteIpAddress?.ToString(),
                },
                status switch
                {
                    401 => "unauthenticated",
                    403 => "forbidden",
                    _ => "allowed",
                },
                status < 400 ? "succeeded" : status is 401 or 403 ? "denied" : "failed",
                failure,
                context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OperatorAccess)).LogError(ex, "operator API attempt could not be audited: {Target}", target);
        }
    }
}

/// <summary>The error body of the operator API.</summary>
public sealed record ApiError(string Error, string Message);
