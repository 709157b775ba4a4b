using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Approvals;
using Kse.Core.Execution;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>The guarded path every action takes, its handlers, and the executor of approved actions.</summary>
internal static class ActionsCapability
{
    public static IServiceCollection AddActionsCapability(this IServiceCollection services)
    {
        services.AddSingleton(sp => new SpecValidity(
            sp.GetRequiredService<Kse.Core.Specs.SpecService>(),
            sp.GetRequiredService<KseWorkspace>(),
            (project, version) => sp.GetRequiredService<Kse.Core.Versions.SpecVersionService>().Validate(project, version)));
        services.AddSingleton<IActionHandler>(sp => new OpsRunActionHandler(
            sp.GetRequiredService<ExecutionPlanner>(),
            sp.GetRequiredService<OperationRunner>(),
            () => sp.GetRequiredService<ActionPipeline>()));
        services.AddSingleton<IActionHandler>(sp => new EmergencyRequestActionHandler(
            () => sp.GetRequiredService<Kse.Core.Policy.EmergencyService>(),
            () => sp.GetRequiredService<Kse.Core.Approvals.ApprovalService>()));
        services.AddSingleton<ActionPipeline>();
        services.AddSingleton<IApprovedActionExecutor>(sp => new ApprovedActionRunner(() => sp.GetRequiredService<ActionPipeline>()));
        return services;
    }
}
