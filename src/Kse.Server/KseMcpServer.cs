using Kse.Server.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server;

/// <summary>Adds Kse's tools, resources, prompts and the one policy interception point to an MCP server.</summary>
public static class KseMcpServer
{
    public const string Name = "kse";

    public static Implementation ServerInfo { get; } = new() { Name = Name, Version = typeof(KseMcpServer).Assembly.GetName().Version?.ToString(3) ?? "0.1.0" };

    /// <summary>Registers every primitive of this assembly and the policy filter. Transports are added by the caller.</summary>
    public static IMcpServerBuilder AddKsePrimitives(this IMcpServerBuilder builder) => builder.AddKsePrimitives(gated: true);

    /// <summary>
    /// <paramref name="gated"/> false leaves out the interception point: only for the benchmark that measures what the gate costs
    /// (bench/Kse.Benchmarks, GatedCallBenchmarks). Never a host's choice.
    /// </summary>
    internal static IMcpServerBuilder AddKsePrimitives(this IMcpServerBuilder builder, bool gated)
    {
        builder.Services.AddSingleton<ToolCallGate>();
        builder.Services.AddSingleton<FirstAnswer>();
        // The server's log to clients that ask for it (logging/setLevel); a host may have made it already for its own pipeline.
        builder.Services.TryAddSingleton<ClientLog>();
        builder.Services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<ClientLog>());
#pragma warning disable MCP9005 // logging/setLevel: how clients up to protocol 2025-11-25 ask for the server's log
        builder.WithSetLoggingLevelHandler(ClientLog.SetLevel);
#pragma warning restore MCP9005
        builder.Services.AddHostedService(sp => new ExpirySweeper(sp, sp.GetRequiredService<FirstAnswer>()));
        builder.Services.AddHostedService(sp => new ProgressionSweeper(sp, sp.GetRequiredService<FirstAnswer>()));
        builder.Services.AddHostedService<RolloutContinuer>();
        // Tools and resources are advertised from the catalog and built off the start path (PrimitiveCatalog).
        builder.Services.AddSingleton<PrimitiveCatalog>();
        builder.Services.AddHostedService<PrimitiveCatalogWarmer>();
        foreach (var (name, _) in PrimitiveCatalog.Methods)
        {
            builder.Services.AddSingleton<McpServerTool>(sp => new DeferredTool(name, sp.GetRequiredService<PrimitiveCatalog>()));
        }

        foreach (var (template, _) in PrimitiveCatalog.ResourceMethods)
        {
            builder.Services.AddSingleton<McpServerResource>(sp => new DeferredResource(template, sp.GetRequiredService<PrimitiveCatalog>()));
        }

        builder
            .WithRequestFilters(filters => filters.AddCallToolFilter(AgentScopeFilter.Create));
        if (gated)
        {
            builder.WithRequestFilters(filters => filters.AddCallToolFilter(PolicyCallToolFilter.Create));
        }

        builder
            .WithRequestFilters(filters => filters.AddCallToolFilter(KseErrorFilter.Create))
            .WithMessageFilters(filters => filters.AddOutgoingFilter(ToolContract.AdvertiseHonestly).AddOutgoingFilter(FirstAnswer.Watch));
        KsePromptRegistration.Add(builder);
        KseResourceRegistration.Add(builder);
        KseCompletions.Add(builder);
        return builder;
    }

    /// <summary>The server services without any transport: for in-memory tests and the hosts below.</summary>
    public static IMcpServerBuilder AddKseMcpServer(this IServiceCollection services) => services.AddKseMcpServer(gated: true);

    internal static IMcpServerBuilder AddKseMcpServer(this IServiceCollection services, bool gated) =>
        services.AddMcpServer(o =>
            {
                o.ServerInfo = ServerInfo;
                o.ServerInstructions = "Kse operates real software systems under human-set limits. Read the operations specs (resources kse://specs/...) before acting; every tool call passes the policy kernel and is audited; queued calls return an approvalId that only a human operator can approve.";
            })
            .AddKsePrimitives(gated);
}
