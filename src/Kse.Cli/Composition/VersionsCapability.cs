using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Changes;
using Kse.Core.Specs;
using Kse.Core.Versions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Versions capability (spec versions, resolution, hot fixes, drift, git hooks).</summary>
internal static class VersionsCapability
{
    public static IServiceCollection AddVersionsCapability(this IServiceCollection services, IConfiguration configuration)
    {
        var git = configuration["Kse:Changes:Git"] is { Length: > 0 } g ? g : "git";
        services.AddSingleton(sp => new SpecVersionService(
            sp.GetRequiredService<KseWorkspace>(),
            sp.GetRequiredService<SpecService>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IAuditTrail>(),
            git));
        services.AddSingleton<Kse.Core.Execution.ISpecVersionResolver>(sp => sp.GetRequiredService<SpecVersionService>());
        services.AddSingleton(sp => new DriftService(sp.GetRequiredService<KseWorkspace>(), sp.GetRequiredService<ChangeImpactService>()));
        services.AddSingleton(sp => new GitHookService(sp.GetRequiredService<KseWorkspace>(), git));
        services.AddSingleton<IDevSpecCheck>(sp => new DevSpecDriftCheck(sp.GetRequiredService<KseWorkspace>(), () => sp.GetRequiredService<DriftService>(), git));
        services.AddSingleton<IPromptContext>(sp => new DriftPromptContext(sp.GetRequiredService<DriftService>(), sp.GetRequiredService<ChangeImpactService>()));
        return services;
    }
}
