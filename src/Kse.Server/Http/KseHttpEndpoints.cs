using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kse.Server.Http;

/// <summary>The operator API under <c>/api/</c> and the approval page at <c>/</c>.</summary>
public static class KseHttpEndpoints
{
    public static IEndpointRouteBuilder MapKseHttp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", () => Results.Json(new { status = "ok" }));
        return app;
    }
}
