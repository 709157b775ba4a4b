using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Execution capability.</summary>
internal static class ExecutionCapability
{
    public static IServiceCollection AddExecutionCapability(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }
}
