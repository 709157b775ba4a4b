using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Specs capability.</summary>
internal static class SpecsCapability
{
    public static IServiceCollection AddSpecsCapability(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }
}
