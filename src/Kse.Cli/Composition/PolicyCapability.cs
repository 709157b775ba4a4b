using Kse.Core;
using Kse.Core.Policy;
using Kse.Storage.Policy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Policy capability: the kernel, takeover state, emergency elevation, operators.</summary>
internal static class PolicyCapability
{
    public static IServiceCollection AddPolicyCapability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => ReadPolicyOptions(configuration));
        services.AddSingleton(sp => new PolicyKernel(sp.GetRequiredService<PolicyOptions>()));
        services.AddSingleton(_ => new OperatorDirectory(ReadOperators(configuration)));
        services.AddSingleton<ITakeoverStore, LiteTakeoverStore>();
        services.AddSingleton<PolicyService>();
        services.AddSingleton<EmergencyService>();
        return services;
    }

    /// <summary><c>Kse:Policy:DefaultLevels:kse|existing</c>; an unknown level name is an error, never a silent default.</summary>
    internal static PolicyOptions ReadPolicyOptions(IConfiguration configuration)
    {
        var options = new PolicyOptions();
        var kse = configuration["Kse:Policy:DefaultLevels:kse"];
        var existing = configuration["Kse:Policy:DefaultLevels:existing"];
        try
        {
            if (!string.IsNullOrWhiteSpace(kse))
            {
                options = options with { DefaultLevelKse = PolicyNames.ParseLevel(kse) };
            }

            if (!string.IsNullOrWhiteSpace(existing))
            {
                options = options with { DefaultLevelExisting = PolicyNames.ParseLevel(existing) };
            }
        }
        catch (KseException ex)
        {
            throw KseException.BadInput("config.invalid", $"Kse:Policy:DefaultLevels: {ex.Message}");
        }

        return options;
    }

    /// <summary><c>Kse:Operators:[{ Name, Roles: [approver, emergency-approver], TokenSha256 }]</c>.</summary>
    internal static IReadOnlyList<KseOperator> ReadOperators(IConfiguration configuration) =>
        configuration.GetSection("Kse:Operators").GetChildren()
            .Select(s => new KseOperator
            {
                Name = s["Name"] ?? "",
                Roles = s.GetSection("Roles").GetChildren().Select(r => r.Value ?? "").Where(r => r.Length > 0).ToList(),
                TokenSha256 = s["TokenSha256"]?.Trim().ToLowerInvariant(),
            })
            .Where(o => o.Name.Length > 0)
            .ToList();
}
