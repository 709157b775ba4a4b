using Kse.Core;
using Kse.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using Serilog;

namespace Kse.Server;

/// <summary>Starts the MCP server over stdio, or over Streamable HTTP together with the operator API and the approval page.</summary>
public static class KseHost
{
    public static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    public static async Task RunStdioAsync(KseWorkspace workspace, IConfiguration configuration, Action<IServiceCollection> addServices, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        builder.Configuration.AddConfiguration(configuration);
        var logger = KseLogging.Create(workspace);
        builder.Services.AddSerilog(logger, dispose: true);
        addServices(builder.Services);
        builder.Services.AddKseMcpServer().WithStdioServerTransport();
        using var host = builder.Build();
        logger.Information("kse MCP server on stdio, workspace {Root}", workspace.Root);
        await host.RunAsync(cancellationToken);
    }

    /// <summary>Builds the HTTP host: MCP at <c>/mcp</c>, the operator API at <c>/api/</c>, the approval page at <c>/</c>.</summary>
    public static WebApplication BuildHttp(KseWorkspace workspace, IConfiguration configuration, IReadOnlyList<string> urls, Action<IServiceCollection> addServices)
    {
        var allowRemote = configuration.GetValue("Kse:Http:AllowRemote", false);
        foreach (var url in urls)
        {
            if (!allowRemote && !IsLoopbackUrl(url))
            {
                throw KseException.BadInput("serve.non_loopback", $"'{url}' is not a loopback address; set Kse:Http:AllowRemote=true to listen beyond this machine");
            }
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Configuration.AddConfiguration(configuration);
        var allowedHosts = configuration["Kse:Http:AllowedHosts"];
        builder.Configuration["AllowedHosts"] = string.IsNullOrWhiteSpace(allowedHosts) ? string.Join(';', LoopbackHosts) : allowedHosts;
        builder.WebHost.UseUrls([.. urls]);
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(KseLogging.Create(workspace), dispose: true);
        addServices(builder.Services);
        builder.Services.AddKseMcpServer().WithHttpTransport(o => o.Stateless = true);
        // A query or body that cannot be bound (from=garbage, minutes:"ten") answers { error, message } like every other API error.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        var app = builder.Build();
        app.UseOperatorAccess();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                context.Response.StatusCode = ex.StatusCode;
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    await context.Response.WriteAsJsonAsync(new ApiError("api.request_invalid", ex.Message), KseJson.Options);
                }
            }
        });
        app.MapMcp("/mcp");
        app.MapKseHttp();
        return app;
    }

    public static bool IsLoopbackUrl(string url)
    {
        if (!Uri.TryCreate(url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback;
    }
}
