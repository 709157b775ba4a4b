using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Learning;
using Kse.Core.Specs;
using Kse.Storage.Learning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kse.Cli;

/// <summary>Services of the Learning capability: the owner-only observation store, the learning service, and the review of drafts as approvals (learn_accept).</summary>
internal static class LearningCapability
{
    public static IServiceCollection AddLearningCapability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => new LiteObservationStore(LiteObservationStore.PathIn(sp.GetRequiredService<KseWorkspace>())));
        services.AddSingleton<IObservationStore>(sp => sp.GetRequiredService<LiteObservationStore>());
        services.AddSingleton<IPromptContext>(sp => new LearningPromptContext(sp.GetRequiredService<LearningService>()));
        // Kse:Learning:Model: a chat model that rewrites the observed sections (checked before anything is kept); absent, the deterministic drafter writes them.
        if (ChatClients.Configured(configuration, "Kse:Learning:Model", defaultSeconds: 120) is { } create)
        {
            services.AddSingleton<IDraftPlanner>(sp => new SemanticKernelDraftPlanner(create(), sp.GetRequiredService<ILogger<SemanticKernelDraftPlanner>>()));
        }

        services.AddSingleton(sp => new LearningService(
            sp.GetRequiredService<KseWorkspace>(),
            sp.GetRequiredService<IObservationStore>(),
            sp.GetRequiredService<IAuditTrail>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IAuditReader>(),
            sp.GetService<IDraftPlanner>()));
        services.AddSingleton<IActionConfidence>(sp => new LearnedConfidence(sp.GetRequiredService<LearningService>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<IAuditReader>()));
        services.AddSingleton<IActionHandler>(sp => new LearnAcceptActionHandler(sp.GetRequiredService<KseWorkspace>(), sp.GetRequiredService<SpecService>()));
        services.AddSingleton(sp => new DraftReviewService(
            sp.GetRequiredService<KseWorkspace>(),
            sp.GetRequiredService<LearningService>(),
            sp.GetRequiredService<ActionPipeline>(),
            sp.GetRequiredService<ApprovalService>()));
        return services;
    }
}
