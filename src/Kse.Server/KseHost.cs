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
        var logger = KseLogging.Create(workspace, providers: ClientLogProviders(builder.Services));
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
        builder.Services.AddSerilog(KseLogging.Create(workspace, providers: ClientLogProviders(builder.Services)), dispose: true);
        addServices(builder.Services);
        var authority = configuration["Kse:Http:Authentication:Authority"];
        var audience = configuration["Kse:Http:Authentication:Audience"];
        var jwt = !string.IsNullOrWhiteSpace(authority);
        if (jwt)
        {
            if (string.IsNullOrWhiteSpace(audience))
            {
                throw KseException.BadInput("config.invalid", "Kse:Http:Authentication:Audience is required with an Authority (the resource these tokens are for, e.g. https://kse.example/mcp)");
            }

            builder.Services.AddAuthentication().AddJwtBearer(AgentAccess.JwtScheme, o =>
            {
                o.Authority = authority;
                o.Audience = audience;
                // Loopback issuers (tests, a local identity provider) serve plain HTTP; anything else must be HTTPS.
                o.RequireHttpsMetadata = !(Uri.TryCreate(authority, UriKind.Absolute, out var a) && a.IsLoopback);
                o.MapInboundClaims = false;
                o.TokenValidationParameters.ValidAudience = audience;
            });
        }

        // Sessions (Mcp-Session-Id, the GET stream, DELETE ends one) for clients of the initialize handshake: notifications and
        // elicitation reach them as over stdio. Clients of the 2026-07-28 revision, which has no sessions, are served per request.
        builder.Services.AddKseMcpServer().WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients);
        // A query or body that cannot be bound (from=garbage, minutes:"ten") answers { error, message } like every other API error.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        var app = builder.Build();

        // Resolved now: a bad Kse:Agents entry stops the server at start, not at the first request.
        var agents = app.Services.GetRequiredService<Kse.Core.Policy.AgentDirectory>();
        var access = new AgentAccessOptions
        {
            Required = agents.Any || allowRemote || jwt,
            Jwt = jwt,
            AllowedOrigins = configuration.GetSection("Kse:Http:AllowedOrigins").GetChildren().Select(c => c.Value ?? "").Where(v => v.Length > 0).ToList(),
        };
        app.UseSecurityHeaders();
        app.UseAgentAccess(access);
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
        if (jwt)
        {
            // RFC 9728: where an MCP client learns which authorization server issues tokens for this resource.
            app.MapGet(AgentAccess.MetadataPath, (HttpContext http) => Results.Json(new Dictionary<string, object>
            {
                ["resource"] = $"{http.Request.Scheme}://{http.Request.Host}/mcp",
                ["authorization_servers"] = new[] { authority! },
                ["bearer_methods_supported"] = new[] { "header" },
                ["resource_name"] = "kse",
            }));
        }

        app.MapKseHttp();
        return app;
    }

    /// <summary>The MCP clients' log fed by the host's Serilog pipeline: one <see cref="ClientLog"/>, also registered as a service.</summary>
    private static Serilog.Extensions.Logging.LoggerProviderCollection ClientLogProviders(IServiceCollection services)
    {
        var clientLog = new ClientLog();
        services.AddSingleton(clientLog);
        var providers = new Serilog.Extensions.Logging.LoggerProviderCollection();
        providers.AddProvider(clientLog);
        return providers;
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
