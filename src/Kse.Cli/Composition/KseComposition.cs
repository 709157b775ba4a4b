using Kse.Core;
using Kse.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kse.Cli;

/// <summary>Composes Core services with their stores (LiteDB, or PostgreSQL when configured): the one place that knows every implementation.</summary>
public static class KseComposition
{
    /// <summary>Settings, later sources winning: built-in defaults, <c>appsettings.json</c> beside the executable, <c>.sce/appsettings.json</c>, <c>--config FILE</c>, <c>KSE__*</c> environment variables.</summary>
    public static IConfiguration LoadConfiguration(KseWorkspace workspace, string? configFile = null)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(workspace.SettingsFile, optional: true);
        if (!string.IsNullOrWhiteSpace(configFile))
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw KseException.NotFound("config.not_found", $"settings file '{configFile}' does not exist");
            }

            builder.AddJsonFile(full, optional: false);
        }

        try
        {
            return builder.AddEnvironmentVariables("KSE_").Build();
        }
        catch (InvalidDataException ex)
        {
            throw KseException.BadInput("config.invalid", $"settings could not be read: {ex.Message}");
        }
        catch (FormatException ex)
        {
            throw KseException.BadInput("config.invalid", $"settings could not be read: {ex.Message}");
        }
    }

    /// <summary>Registers every capability's services for <paramref name="workspace"/>.</summary>
    public static IServiceCollection AddKse(this IServiceCollection services, KseWorkspace workspace, IConfiguration configuration)
    {
        services.AddSingleton(workspace);
        services.AddSingleton(configuration);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new KseDatabase(workspace));
        services.AddLogging();
        services.AddSpecsCapability(configuration);
        services.AddPolicyCapability(configuration);
        services.AddAuditCapability(configuration);
        services.AddExecutionCapability(configuration);
        services.AddActionsCapability();
        services.AddChangesCapability(configuration);
        services.AddVersionsCapability(configuration);
        services.AddFeedbackCapability(configuration);
        services.AddToolsCapability(configuration);
        services.AddClientContractCapability(configuration);
        services.AddLearningCapability(configuration);
        services.AddRolloutsCapability();
        services.AddStorageCapability(configuration);
        return services;
    }

    public static ServiceProvider BuildServiceProvider(KseWorkspace workspace, IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddKse(workspace, configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = false });
    }
}
