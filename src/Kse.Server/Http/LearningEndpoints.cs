using Kse.Core;
using Kse.Core.Learning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kse.Server.Http;

/// <summary>
/// Drafts on the operator API: a project's drafts with their confidences (<c>GET /api/drafts?project=</c>), one draft document
/// (<c>GET /api/drafts/{project}/{doc}</c>) and a proposal with its change to the real document (<c>GET /api/drafts/proposals/{id}</c>).
/// A proposal is decided like any approval (<c>POST /api/approvals/{id}/approve|reject</c>). Also the page's script that shows them.
/// </summary>
public static class LearningEndpoints
{
    public static IEndpointRouteBuilder MapLearningHttp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/learning.js", () => Results.Content(Script.Value, "text/javascript; charset=utf-8"));
        var api = app.MapGroup("/api/drafts");

        api.MapGet("", (HttpContext http, DraftReviewService review, string? project) => KseHttpEndpoints.Guard(async () =>
            Results.Json(await review.ListAsync(project ?? throw KseException.BadInput("learn.project_missing", "give ?project=<name>"), http.RequestAborted), KseJson.Options)))
            .RequireRole(KseHttpEndpoints.Readers);

        api.MapGet("/proposals/{id}", (HttpContext http, DraftReviewService review, string id) => KseHttpEndpoints.Guard(async () =>
            Results.Json(await review.ProposalAsync(id, http.RequestAborted), KseJson.Options)))
            .RequireRole(KseHttpEndpoints.Readers);

        api.MapGet("/{project}/{doc}", (DraftReviewService review, string project, string doc) => KseHttpEndpoints.Guard(() =>
            Task.FromResult(Results.Json(review.Show(project, doc), KseJson.Options))))
            .RequireRole(KseHttpEndpoints.Readers);
        return app;
    }

    private static readonly Lazy<string> Script = new(() =>
    {
        using var stream = typeof(LearningEndpoints).Assembly.GetManifestResourceStream("Kse.Server.wwwroot.learning.js")
            ?? throw new InvalidOperationException("the learning view script is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
