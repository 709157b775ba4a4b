using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Policy capability.</summary>
internal static class PolicyCapability
{
    public static IServiceCollection AddPolicyCapability(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }
}
