using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Audit capability.</summary>
internal static class AuditCapability
{
    public static IServiceCollection AddAuditCapability(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }
}
