using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Changes capability.</summary>
internal static class ChangesCapability
{
    public static IServiceCollection AddChangesCapability(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }
}
