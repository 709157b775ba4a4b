using Kse.Core.Audit;
using Kse.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Audit capability: the append-only trail over the workspace's LiteDB file and its readers.</summary>
internal static class AuditCapability
{
    public static IServiceCollection AddAuditCapability(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        services.AddSingleton<LiteDbAuditTrail>();
        services.AddSingleton<IAuditTrail>(sp => sp.GetRequiredService<LiteDbAuditTrail>());
        services.AddSingleton<IAuditReader, LiteDbAuditReader>();
        return services;
    }
}
