using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Changes;
using Kse.Core.Execution;
using Kse.Core.Rollouts;
using Kse.Storage;
using Kse.Storage.Rollouts;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of orchestrated rollouts: the store in kse.db and the service that runs waves on the guarded path.</summary>
internal static class RolloutsCapability
{
    public static IServiceCollection AddRolloutsCapability(this IServiceCollection services)
    {
        services.AddSingleton<IRolloutStore>(sp => new LiteRolloutStore(sp.GetRequiredService<KseDatabase>()));
        services.AddSingleton(sp => new RolloutService(
            sp.GetRequiredService<ChangeImpactService>(),
            sp.GetRequiredService<ExecutionPlanner>(),
            sp.GetRequiredService<ActionPipeline>(),
            sp.GetRequiredService<ApprovalService>(),
            sp.GetRequiredService<IRolloutStore>(),
            sp.GetRequiredService<IAuditTrail>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IActionHandler>(sp => new RolloutActionHandler(() => sp.GetRequiredService<RolloutService>(), () => sp.GetRequiredService<ChangeImpactService>()));
        return services;
    }
}
