using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Kse.Core.Learning;
using Kse.Core.Policy;
using Kse.Core.Rollouts;
using Kse.Storage;
using Kse.Storage.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kse.Cli;

/// <summary>
/// Which store holds the state (<c>Kse:Storage:Provider</c> = <c>litedb</c> | <c>postgres</c>, with <c>Kse:Storage:ConnectionString</c>).
/// Registered after every capability: for postgres it replaces each capability's LiteDB store with its PostgreSQL one, so the
/// capabilities keep registering their embedded default and never know which store they got.
/// </summary>
internal static class StorageCapability
{
    public static IServiceCollection AddStorageCapability(this IServiceCollection services, IConfiguration configuration)
    {
        var options = StorageOptions.Create(configuration["Kse:Storage:Provider"], configuration["Kse:Storage:ConnectionString"]);
        services.AddSingleton(options);
        services.AddSingleton<StoreService>();
        if (!options.IsPostgres)
        {
            services.AddSingleton<IStoreHealth, LiteStoreHealth>();
            services.AddSingleton<ISweepLock, LocalSweepLock>();
            return services;
        }

        var maxParameterBytes = configuration.GetValue("Kse:Audit:MaxParameterBytes", AuditSealer.DefaultMaxParameterBytes);
        services.RemoveAll<IAuditTrail>();
        services.RemoveAll<IAuditReader>();
        services.RemoveAll<ITakeoverStore>();
        services.RemoveAll<IApprovalStore>();
        services.RemoveAll<IFeedbackStore>();
        services.RemoveAll<IRolloutStore>();
        services.RemoveAll<IObservationStore>();
        services.AddSingleton(_ => new PostgresStore(options.ConnectionString!));
        services.AddSingleton(sp => new PostgresAuditTrail(sp.GetRequiredService<PostgresStore>(), sp.GetRequiredService<TimeProvider>(), maxParameterBytes));
        services.AddSingleton<IAuditTrail>(sp => sp.GetRequiredService<PostgresAuditTrail>());
        services.AddSingleton<IAuditReader, PostgresAuditReader>();
        services.AddSingleton<ITakeoverStore, PostgresTakeoverStore>();
        services.AddSingleton<IApprovalStore, PostgresApprovalStore>();
        services.AddSingleton<IFeedbackStore, PostgresFeedbackStore>();
        services.AddSingleton<IRolloutStore, PostgresRolloutStore>();
        services.AddSingleton<IObservationStore, PostgresObservationStore>();
        services.AddSingleton<IStoreHealth, PostgresStoreHealth>();
        services.AddSingleton<ISweepLock, PostgresSweepLock>();
        services.AddSingleton<IStoreChangeFeed, PostgresChangeFeed>();
        return services;
    }
}
