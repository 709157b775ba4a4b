using System.Text.Json;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

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
            var result = await feedback.SubmitAsync(FeedbackImport.FromJson(doc.RootElement), Caller(http), http.RequestAborted);
            return Results.Json(result, KseJson.Options, statusCode: result.Outcome == "created" ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }));

        api.MapPost("/alertmanager", (HttpContext http, FeedbackService feedback) => Guard(async () =>
        {
            using var doc = await ReadJsonAsync(http);
            var alerts = AlertmanagerPayload.Parse(doc.RootElement);
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

    private static Actor Caller(HttpContext http) => Actor.OperatorNamed(http.Operator().Name);

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
                KseErrorKind.Refused => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status500InternalServerError,
            };
            return Results.Json(new ApiError(ex.Code, ex.Message), KseJson.Options, statusCode: status);
        }
    }
}
