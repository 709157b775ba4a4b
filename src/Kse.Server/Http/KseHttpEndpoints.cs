using System.Reflection;
using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Server.Http;

/// <summary>The operator API under <c>/api/</c> and the approval page at <c>/</c>.</summary>
public static class KseHttpEndpoints
{
    /// <summary>Roles that may read the queue.</summary>
    internal static readonly string[] Readers = [KseOperator.ApproverRole, KseOperator.EmergencyApproverRole, "auditor"];

    public static IEndpointRouteBuilder MapKseHttp(this IEndpointRouteBuilder app)
    {
        // The server is healthy only while its state store answers: a load balancer takes a server whose store is gone out of rotation.
        app.MapGet("/api/health", async (HttpContext http) =>
        {
            var store = http.RequestServices.GetService<IStoreHealth>() is { } health ? await health.CheckAsync(http.RequestAborted) : null;
            var ok = store?.Available ?? true;
            return Results.Json(new { status = ok ? "ok" : "unavailable", store }, KseJson.Options, statusCode: ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

        var api = app.MapGroup("/api");
        api.MapGet("/me", (HttpContext http) => Results.Json(new { name = http.Operator().Name, roles = http.Operator().Roles }, KseJson.Options));

        api.MapGet("/approvals", (HttpContext http, ApprovalService approvals, TimeProvider clock, string? status, string? project, int? limit) => Guard(async () =>
        {
            ApprovalState? state = status is null or "" or "all" ? null : ParseState(status);
            PositiveLimit(limit, "approval.limit_invalid");
            return Results.Json(await approvals.ListViewsAsync(state, project is null ? null : ProjectName.Validate(project), Math.Clamp(limit ?? 100, 1, 500), http.RequestAborted), KseJson.Options);
        })).RequireRole(Readers);

        // Rollouts, for the approval page: which are running or paused, their waves and the step waiting for approval.
        api.MapGet("/rollouts", (HttpContext http, Kse.Core.Rollouts.RolloutService rollouts, int? limit) => Guard(async () =>
        {
            PositiveLimit(limit, "rollout.limit_invalid");
            return Results.Json(await rollouts.ListAsync(Math.Clamp(limit ?? 50, 1, 500), http.RequestAborted), KseJson.Options);
        })).RequireRole(Readers);

        api.MapGet("/rollouts/{id}", (HttpContext http, Kse.Core.Rollouts.RolloutService rollouts, string id) => Guard(async () =>
            Results.Json(await rollouts.GetAsync(id, http.RequestAborted), KseJson.Options))).RequireRole(Readers);

        api.MapGet("/approvals/{id}", (HttpContext http, ApprovalService approvals, TimeProvider clock, string id) => Guard(async () =>
        {
            var a = await approvals.GetAsync(id, http.RequestAborted);
            return Results.Json(approvals.View(a), KseJson.Options);
        })).RequireRole(Readers);

        api.MapPost("/approvals/{id}/approve", (HttpContext http, ApprovalService approvals, TimeProvider clock, string id) => Guard(async () =>
        {
            var (reason, seenCommand) = await DecisionBodyAsync(http);
            if (seenCommand is not null)
            {
                // The page sends the command the operator looked at: if the spec changed it since, nothing is approved.
                var current = await approvals.ViewAsync(id, http.RequestAborted);
                if (current.Command is not null && current.Command != seenCommand)
                {
                    throw KseException.Refused("approval.command_changed", $"the command of {id} is now '{current.Command}', not what was shown; reload and decide again");
                }
            }

            // Once approved, the action runs to its end (bounded by its own timeout) even if the browser goes away.
            var a = await approvals.ApproveAsync(id, http.Operator().Name, reason, CancellationToken.None);
            return Results.Json(approvals.View(a), KseJson.Options);
        })).RequireRole(KseOperator.ApproverRole, KseOperator.EmergencyApproverRole);

        api.MapPost("/approvals/{id}/reject", (HttpContext http, ApprovalService approvals, TimeProvider clock, string id) => Guard(async () =>
        {
            var (reason, _) = await DecisionBodyAsync(http);
            var a = await approvals.RejectAsync(id, http.Operator().Name, reason, http.RequestAborted);
            return Results.Json(approvals.View(a), KseJson.Options);
        })).RequireRole(KseOperator.ApproverRole, KseOperator.EmergencyApproverRole);

        api.MapGet("/emergency", (HttpContext http, EmergencyService emergency, string? project, bool? all) => Guard(async () =>
            Results.Json(await emergency.ListAsync(project is null ? null : ProjectName.Validate(project), all ?? false, http.RequestAborted), KseJson.Options)))
            .RequireRole(Readers);

        api.MapPost("/emergency", (HttpContext http, EmergencyService emergency, EmergencyGrantBody body) => Guard(async () =>
            Results.Json(await emergency.GrantAsync(body.Project ?? "", body.Environment, body.Level, body.Minutes, body.Reason, http.Operator().Name, null, http.RequestAborted), KseJson.Options, statusCode: StatusCodes.Status201Created)))
            .RequireRole(KseOperator.EmergencyApproverRole);

        api.MapGet("/audit", (HttpContext http, AuditService audit, DateTimeOffset? from, DateTimeOffset? to, string? project, string? operationType, string? outcome, string? user, string? environment, string? correlationId, int? limit) => Guard(async () =>
        {
            // The same rules as audit_query and 'kse audit query' (AuditQueryRules): limit 1..1000, default 100.
            var result = await audit.QueryAsync(
                new AuditQuery
                {
                    From = from,
                    To = to,
                    Project = project,
                    OperationType = operationType,
                    Outcome = outcome,
                    User = user,
                    Environment = environment,
                    CorrelationId = correlationId,
                    Limit = limit,
                },
                http.RequestAborted);
            return Results.Json(new { entries = result.Entries }, KseJson.Options);
        })).RequireRole("auditor", KseOperator.ApproverRole, KseOperator.EmergencyApproverRole);

        app.MapFeedbackHttp();
        app.MapLearningHttp();
        // The page's rollouts section (its data comes from the authenticated /api/rollouts).
        app.MapGet("/rollouts.js", () => Results.Content(RolloutsScript.Value, "text/javascript; charset=utf-8"));
        app.MapGet("/", (HttpContext http) =>
        {
            http.Response.Headers.ContentSecurityPolicy = PagePolicy.Value;
            return Results.Content(Page.Value, "text/html; charset=utf-8");
        });
        return app;
    }

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Kse.Server.wwwroot.index.html")
            ?? throw new InvalidOperationException("the approval page resource is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private static readonly Lazy<string> RolloutsScript = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Kse.Server.wwwroot.rollouts.js")
            ?? throw new InvalidOperationException("the rollouts script is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private static readonly Lazy<string> PagePolicy = new(() => SecurityHeaders.PagePolicy(Page.Value));

    /// <summary>The decision body: a required reason and, optionally, the command the operator saw.</summary>
    private static async Task<(string Reason, string? Command)> DecisionBodyAsync(HttpContext http)
    {
        string? reason = null;
        string? command = null;
        if (http.Request.HasJsonContentType())
        {
            try
            {
                var body = await http.Request.ReadFromJsonAsync<DecisionBody>(KseJson.Options, http.RequestAborted);
                (reason, command) = (body?.Reason, body?.Command);
            }
            catch (System.Text.Json.JsonException)
            {
                throw KseException.BadInput("approval.body_invalid", "the body must be JSON like {\"reason\": \"...\"}");
            }
        }
        else if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            (reason, command) = (form["reason"], form["command"]);
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw KseException.BadInput("approval.reason_required", "send a reason: {\"reason\": \"...\"}");
        }

        return (reason.Trim(), string.IsNullOrEmpty(command) ? null : command);
    }

    /// <summary>A limit below 1 is refused rather than quietly read as 1.</summary>
    private static void PositiveLimit(int? limit, string code)
    {
        if (limit is < 1)
        {
            throw KseException.BadInput(code, $"limit must be a positive number, not {limit}");
        }
    }

    private static ApprovalState ParseState(string text) => text.Trim().ToLowerInvariant() switch
    {
        "pending" => ApprovalState.Pending,
        "approved" => ApprovalState.Approved,
        "rejected" => ApprovalState.Rejected,
        "expired" => ApprovalState.Expired,
        "executed" => ApprovalState.Executed,
        "stale" => ApprovalState.Stale,
        _ => throw KseException.BadInput("approval.state_unknown", $"unknown status '{text}': use pending, approved, rejected, expired, executed, stale or all"),
    };

    /// <summary>Maps <see cref="KseException"/> to a status: bad input 400, not found 404, role missing 403, other refusals 409.</summary>
    internal static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (KseException ex)
        {
            var status = ex.Kind switch
            {
                KseErrorKind.BadInput => StatusCodes.Status400BadRequest,
                KseErrorKind.NotFound => StatusCodes.Status404NotFound,
                KseErrorKind.Refused when ex.Code is "policy.operator_role_missing" or "policy.operator_unknown" => StatusCodes.Status403Forbidden,
                KseErrorKind.Refused => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status500InternalServerError,
            };
            return Results.Json(new ApiError(ex.Code, ex.Message), KseJson.Options, statusCode: status);
        }
    }

    private sealed record DecisionBody(string? Reason, string? Command);
}

/// <summary>Body of <c>POST /api/emergency</c>.</summary>
public sealed record EmergencyGrantBody(string? Project, string? Environment, string? Level, int? Minutes, string? Reason);
