using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Learning;
using Kse.Core.Specs;
using Kse.Storage.Learning;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Learning capability: the owner-only observation store and the learning service.</summary>
internal static class LearningCapability
{
    public static IServiceCollection AddLearningCapability(this IServiceCollection services)
    {
        services.AddSingleton(sp => new LiteObservationStore(LiteObservationStore.PathIn(sp.GetRequiredService<KseWorkspace>())));
        services.AddSingleton<IObservationStore>(sp => sp.GetRequiredService<LiteObservationStore>());
        services.AddSingleton<IPromptContext>(sp => new LearningPromptContext(sp.GetRequiredService<LearningService>()));
        services.AddSingleton(sp => new LearningService(
            sp.GetRequiredService<KseWorkspace>(),
            sp.GetRequiredService<IObservationStore>(),
            sp.GetRequiredService<IAuditTrail>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IAuditReader>(),
            sp.GetService<IDraftPlanner>()));
        return services;
    }
}
