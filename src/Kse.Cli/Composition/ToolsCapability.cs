using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Audit;
using Kse.Core.Execution;
using Kse.Core.Specs;
using Kse.Core.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Tools capability: selection in context, version probes, install advice.</summary>
internal static class ToolsCapability
{
    public static IServiceCollection AddToolsCapability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => new ToolProbe(sp.GetRequiredService<ProcessRunner>(), sp.GetRequiredService<ExecutionPlanner>()));
        services.AddSingleton(sp => new ToolsService(sp.GetRequiredService<KseWorkspace>(), sp.GetRequiredService<ToolProbe>(), sp.GetRequiredService<IAuditTrail>()));
        services.AddSingleton<IStrategyResolver>(sp => new StrategyResolver(sp.GetRequiredService<KseWorkspace>(), () => sp.GetRequiredService<ToolsService>()));
        services.AddSingleton<ISpecDocumentCheck, StrategyOperationCheck>();
        services.AddSingleton(sp => new ToolInstaller(
            sp.GetRequiredService<KseWorkspace>(),
            () => sp.GetRequiredService<ToolsService>(),
            sp.GetRequiredService<ToolProbe>(),
            sp.GetRequiredService<ExecutionPlanner>(),
            sp.GetRequiredService<ProcessRunner>()));
        services.AddSingleton<IActionHandler>(sp => new ToolsInstallActionHandler(sp.GetRequiredService<ToolInstaller>()));
        return services;
    }
}
