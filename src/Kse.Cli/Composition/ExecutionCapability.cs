using Kse.Core;
using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.Server.Policy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Execution capability.</summary>
internal static class ExecutionCapability
{
    public static IServiceCollection AddExecutionCapability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(ReadOptions(configuration));
        services.AddSingleton<ISpecDocumentCheck, OperationBlockCheck>();
        services.AddSingleton(sp => new ExecutionPlanner(sp.GetRequiredService<KseWorkspace>(), sp.GetRequiredService<ExecutionOptions>(), sp.GetService<IStrategyResolver>(), sp.GetService<ISpecVersionResolver>()));
        services.AddSingleton(sp => new InstanceService(sp.GetRequiredService<KseWorkspace>()));
        services.AddSingleton(sp => new ProcessRunner(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new OperationRunner(sp.GetRequiredService<ExecutionPlanner>(), sp.GetRequiredService<ProcessRunner>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new OperationExecutionService(sp.GetRequiredService<ExecutionPlanner>()));
        services.AddSingleton(new UserConfirmation(ReadElicitationOptions(configuration)));
        return services;
    }

    /// <summary><c>Kse:Execution</c>; absent keys keep their defaults.</summary>
    internal static ExecutionOptions ReadOptions(IConfiguration configuration)
    {
        var s = configuration.GetSection("Kse:Execution");
        var d = new ExecutionOptions();
        var ssh = s.GetSection("Ssh");
        var retryDelay = s["RetryDelay"];
        TimeSpan delay = d.RetryDelay;
        if (retryDelay is not null && !TimeSpan.TryParse(retryDelay, System.Globalization.CultureInfo.InvariantCulture, out delay))
        {
            throw KseException.BadInput("config.invalid", $"Kse:Execution:RetryDelay '{retryDelay}' is not a time span like 00:00:02");
        }

        return new ExecutionOptions
        {
            OutputLimit = Math.Clamp(s.GetValue("OutputLimit", d.OutputLimit), 1024, 16 * 1024 * 1024),
            MaxRetries = Math.Clamp(s.GetValue("MaxRetries", d.MaxRetries), 0, 10),
            RetryDelay = delay,
            Ssh = new SshOptions
            {
                Program = ssh["Program"] ?? d.Ssh.Program,
                KnownHostsFile = Expand(ssh["KnownHostsFile"]),
                IdentityFile = Expand(ssh["IdentityFile"]),
                ConfigFile = ssh["ConfigFile"] is "none" ? "none" : Expand(ssh["ConfigFile"]),
                ConnectTimeoutSeconds = ssh.GetValue("ConnectTimeoutSeconds", d.Ssh.ConnectTimeoutSeconds),
            },
        };
    }

    /// <summary><c>Kse:Policy:Elicitation:Enabled</c> (default false) and <c>:Environments</c> (default development, test; production is refused).</summary>
    internal static ElicitationOptions ReadElicitationOptions(IConfiguration configuration)
    {
        var s = configuration.GetSection("Kse:Policy:Elicitation");
        var options = new ElicitationOptions { Enabled = s.GetValue("Enabled", false) };
        var envs = s.GetSection("Environments").GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).ToList();
        if (envs.Count == 0)
        {
            return options;
        }

        var parsed = new List<EnvironmentKind>();
        foreach (var e in envs)
        {
            try
            {
                parsed.Add(PolicyNames.ParseEnvironment(e));
            }
            catch (KseException ex)
            {
                throw KseException.BadInput("config.invalid", $"Kse:Policy:Elicitation:Environments: {ex.Message}");
            }
        }

        if (parsed.Contains(EnvironmentKind.Production))
        {
            throw KseException.BadInput("config.invalid", "Kse:Policy:Elicitation:Environments must not include production: a user's confirmation never replaces an operator's approval there");
        }

        return options with { Environments = parsed };
    }

    private static string? Expand(string? path) =>
        string.IsNullOrWhiteSpace(path) ? null
        : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
        : Path.GetFullPath(path);
}
