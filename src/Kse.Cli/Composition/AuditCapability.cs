using Kse.Core.Audit;
using Kse.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Audit capability: the append-only trail over its own LiteDB file (.sce/state/audit.db), its reader and the verify/query service.</summary>
internal static class AuditCapability
{
    public static IServiceCollection AddAuditCapability(this IServiceCollection services, IConfiguration configuration)
    {
        var anomalies = configuration.GetSection("Kse:Audit:Anomalies").Get<AuditAnomalyOptions>() ?? new AuditAnomalyOptions();
        services.AddSingleton(anomalies);
        services.AddSingleton(sp => new AuditDatabase(sp.GetRequiredService<Kse.Core.KseWorkspace>()));
        var maxParameterBytes = configuration.GetValue("Kse:Audit:MaxParameterBytes", AuditSealer.DefaultMaxParameterBytes);
        if (maxParameterBytes < 64)
        {
            throw new Kse.Core.KseException("config.invalid", $"Kse:Audit:MaxParameterBytes must be at least 64; got {maxParameterBytes}");
        }

        services.AddSingleton(sp => new LiteDbAuditTrail(sp.GetRequiredService<AuditDatabase>(), sp.GetRequiredService<TimeProvider>(), maxParameterBytes));
        services.AddSingleton<IAuditTrail>(sp => sp.GetRequiredService<LiteDbAuditTrail>());
        services.AddSingleton<IAuditReader, LiteDbAuditReader>();
        services.AddSingleton<RefusalAudit>();
        services.AddSingleton(sp => new AuditService(sp.GetRequiredService<IAuditReader>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<AuditAnomalyOptions>()));
        return services;
    }
}
