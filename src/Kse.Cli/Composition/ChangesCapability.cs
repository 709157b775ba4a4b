using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Changes;
using Kse.Core.Projects;
using Kse.Core.Specs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Changes capability (change classification, the project graph, rollout plans).</summary>
internal static class ChangesCapability
{
    public static IServiceCollection AddChangesCapability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ChangeClassifier>();
        services.AddSingleton<ProjectGraphService>();
        services.AddSingleton(sp => new ChangeImpactService(
            sp.GetRequiredService<KseWorkspace>(),
            sp.GetRequiredService<ChangeClassifier>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IAuditTrail>(),
            configuration["Kse:Changes:Git"] is { Length: > 0 } git ? git : "git",
            sp.GetService<SpecService>(),
            sp.GetRequiredService<ProjectGraphService>())
        {
            MaxDiffBytes = Math.Max(1024, configuration.GetValue("Kse:Changes:MaxDiffBytes", ChangeImpactService.DefaultMaxDiffBytes)),
        });
        return services;
    }
}
