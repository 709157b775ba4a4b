using System.Text.Json;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Kse.Core.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Server.Http;

/// <summary>
/// Feedback on the operator API: intake (<c>POST /api/feedback</c>, Alertmanager's webhook at <c>/api/feedback/alertmanager</c>),
/// the list, one item, analytics and lifecycle moves for the page. Every route needs a token (the middleware answers 401 without).
/// </summary>
public static class FeedbackEndpoints
{
    private const long MaxBody = 4 * 1024 * 1024;

    public static IEndpointRouteBuilder MapFeedbackHttp(this IEndpointRouteBuilder app)
    {
        // The page's Feedback view (its data comes from the authenticated API below).
        app.MapGet("/feedback.js", () => Results.Content(Script.Value, "text/javascript; charset=utf-8"));
        var api = app.MapGroup("/api/feedback");

        api.MapPost("", (HttpContext http, FeedbackService feedback) => Guard(async () =>
        {
            using var doc = await ReadJsonAsync(http);
            var submission = FeedbackImport.FromJson(doc.RootElement);
            RequireAgentScope(http, [submission.Project]);
            var result = await feedback.SubmitAsync(submission, Caller(http), http.RequestAborted);
            return Results.Json(result, KseJson.Options, statusCode: result.Outcome == "created" ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }));

        api.MapPost("/alertmanager", (HttpContext http, FeedbackService feedback) => Guard(async () =>
        {
            using var doc = await ReadJsonAsync(http);
            var alerts = AlertmanagerPayload.Parse(doc.RootElement);
            RequireAgentScope(http, alerts.Select(a => a.Submission.Project));
            // Once checked, the payload is stored to its end even if Alertmanager hangs up.
            return Results.Json(await feedback.ReceiveAlertsAsync(alerts, Caller(http), CancellationToken.None), KseJson.Options);
        }));

        api.MapGet("", (HttpContext http, FeedbackService feedback, string? project, string? state, string? severity, string? type, bool? open, int? limit) => Guard(async () =>
        {
            if (limit is < 1)
            {
                throw KseException.BadInput("feedback.limit_invalid", $"limit must be a positive number, not {limit}");
            }

            return Results.Json(await feedback.ListAsync(new FeedbackQuery { Project = project, State = state, Severity = severity, Type = type, OpenOnly = open ?? false, Limit = Math.Clamp(limit ?? 200, 1, 1000) }, http.RequestAborted), KseJson.Options);
        }));

        api.MapGet("/analytics", (HttpContext http, FeedbackService feedback, string? project, DateTimeOffset? from, DateTimeOffset? to) => Guard(async () =>
            Results.Json(await feedback.AnalyticsAsync(project ?? throw KseException.BadInput("feedback.project_missing", "give ?project=<name>"), from, to, http.RequestAborted), KseJson.Options)));

        api.MapGet("/{id}", (HttpContext http, FeedbackService feedback, string id) => Guard(async () =>
            Results.Json(await feedback.GetAsync(id, http.RequestAborted), KseJson.Options)));

        api.MapGet("/{id}/correlation", (HttpContext http, FeedbackService feedback, string id) => Guard(async () =>
            Results.Json(await feedback.CorrelateAsync(id, null, null, http.RequestAborted), KseJson.Options)));

        api.MapPost("/{id}/transition", (HttpContext http, FeedbackService feedback, string id) => Guard(async () =>
        {
            using var doc = await ReadJsonAsync(http);
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object)
            {
                throw KseException.BadInput("feedback.json_invalid", "send {\"to\": \"acknowledged\", \"reason\": \"...\"}");
            }

            string? Str(string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return Results.Json(await feedback.TransitionAsync(id, Str("to") ?? throw KseException.BadInput("feedback.field_missing", "'to' is required"), Caller(http), Str("reason"), Str("evidence"), http.RequestAborted), KseJson.Options);
        }));

        return app;
    }

    private static readonly Lazy<string> Script = new(() =>
    {
        using var stream = typeof(FeedbackEndpoints).Assembly.GetManifestResourceStream("Kse.Server.wwwroot.feedback.js")
            ?? throw new InvalidOperationException("the feedback view script is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private const string AgentKey = "kse.feedback.agent";

    /// <summary>
    /// The agent (<c>Kse:Agents</c>) whose bearer token a feedback intake request carries — <c>POST /api/feedback</c> or
    /// <c>POST /api/feedback/alertmanager</c> only — or null. The operator-access middleware lets such a request through.
    /// </summary>
    public static KseAgent? IntakeAgent(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !(http.Request.Path.Equals("/api/feedback", StringComparison.Ordinal) || http.Request.Path.Equals("/api/feedback/alertmanager", StringComparison.Ordinal)))
        {
            return null;
        }

        var agent = http.RequestServices.GetService<AgentDirectory>()?.FindByToken(OperatorAuthentication.BearerToken(http.Request.Headers.Authorization.ToString()));
        if (agent is not null)
        {
            http.Items[AgentKey] = agent;
        }

        return agent;
    }

    /// <summary>Who submits: the agent of an intake request, else the authenticated operator.</summary>
    private static Actor Caller(HttpContext http) =>
        http.Items[AgentKey] is KseAgent agent ? Actor.Ai(agent.Name) : Actor.OperatorNamed(http.Operator().Name);

    /// <summary>An agent limited to some projects submits only for them.</summary>
    private static void RequireAgentScope(HttpContext http, IEnumerable<string> projects)
    {
        if (http.Items[AgentKey] is KseAgent agent && projects.FirstOrDefault(p => !agent.MayUse(p)) is { } other)
        {
            throw KseException.Refused("feedback.agent_scope", $"agent '{agent.Name}' may not submit feedback for project '{other}'");
        }
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpContext http)
    {
        if (http.Request.ContentLength is > MaxBody)
        {
            throw KseException.BadInput("feedback.body_too_large", $"the request body is larger than {MaxBody / (1024 * 1024)} MB");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + n > MaxBody)
            {
                throw KseException.BadInput("feedback.body_too_large", $"the request body is larger than {MaxBody / (1024 * 1024)} MB");
            }

            buffer.Write(chunk, 0, n);
        }

        try
        {
            return JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            throw KseException.BadInput("feedback.json_invalid", $"the body is not JSON: {ex.Message}");
        }
    }

    private static async Task<IResult> Guard(Func<Task<IResult>> action)
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
                KseErrorKind.Refused when ex.Code == "feedback.agent_scope" => StatusCodes.Status403Forbidden,
                KseErrorKind.Refused => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status500InternalServerError,
            };
            return Results.Json(new ApiError(ex.Code, ex.Message), KseJson.Options, statusCode: status);
        }
    }
}
