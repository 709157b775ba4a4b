using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Policy;
using Kse.Storage.Approvals;
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
        services.AddSingleton<OperatorAuthentication>();
        services.AddSingleton(sp => new AgentDirectory(ReadAgents(configuration), sp.GetRequiredService<OperatorDirectory>()));
        services.AddSingleton<ITakeoverStore, LiteTakeoverStore>();
        services.AddSingleton<PolicyService>();
        services.AddSingleton<EmergencyService>();
        services.AddSingleton(_ => ReadProgressionOptions(configuration));
        services.AddSingleton<ProgressionService>();

        // Approvals: the queue, its TTL and the in-process executor for emergency requests.
        services.AddSingleton(_ => ReadApprovalOptions(configuration));
        services.AddSingleton<IApprovalStore, LiteApprovalStore>();
        services.AddSingleton<IApprovedActionExecutor, Kse.Core.Actions.EmergencyRequestExecutor>();
        services.AddSingleton<ApprovalService>();
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

    /// <summary>
    /// <c>Kse:Policy:Progression</c>: MinDays, MinOperations, MinConfidence, DemotionWindow, DemotionMinOperations and
    /// ErrorRateThresholds per environment name. Values out of range or unknown environment names are configuration errors.
    /// </summary>
    internal static ProgressionOptions ReadProgressionOptions(IConfiguration configuration)
    {
        const string prefix = "Kse:Policy:Progression";
        var section = configuration.GetSection(prefix);
        var options = new ProgressionOptions();
        double? Number(string key)
        {
            var text = section[key];
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                ? v
                : throw KseException.BadInput("config.invalid", $"{prefix}:{key} must be a number; got '{text}'");
        }

        int? Whole(string key) => Number(key) is { } v
            ? (v == Math.Floor(v) && v is >= int.MinValue and <= int.MaxValue ? (int)v : throw KseException.BadInput("config.invalid", $"{prefix}:{key} must be a whole number; got {v}"))
            : null;

        options = options with
        {
            MinDays = Number("MinDays") ?? options.MinDays,
            MinOperations = Whole("MinOperations") ?? options.MinOperations,
            MinConfidence = Number("MinConfidence") ?? options.MinConfidence,
            DemotionWindow = Whole("DemotionWindow") ?? options.DemotionWindow,
            DemotionMinOperations = Whole("DemotionMinOperations") ?? options.DemotionMinOperations,
        };
        var thresholds = new Dictionary<EnvironmentKind, double>(options.ErrorRateThresholds);
        foreach (var child in section.GetSection("ErrorRateThresholds").GetChildren())
        {
            EnvironmentKind env;
            try
            {
                env = PolicyNames.ParseEnvironment(child.Key);
            }
            catch (KseException ex)
            {
                throw KseException.BadInput("config.invalid", $"{prefix}:ErrorRateThresholds: {ex.Message}");
            }

            thresholds[env] = Number($"ErrorRateThresholds:{child.Key}") ?? thresholds[env];
        }

        return (options with { ErrorRateThresholds = thresholds }).Validated();
    }

    /// <summary><c>Kse:Approvals:TtlHours</c> (default 24, at most 720).</summary>
    internal static ApprovalOptions ReadApprovalOptions(IConfiguration configuration)
    {
        var text = configuration["Kse:Approvals:TtlHours"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return new ApprovalOptions();
        }

        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var hours) || hours <= 0 || hours > 720)
        {
            throw KseException.BadInput("config.invalid", $"Kse:Approvals:TtlHours must be a number of hours in (0, 720]; got '{text}'");
        }

        return new ApprovalOptions { TtlHours = hours };
    }

    /// <summary><c>Kse:Agents:[{ Name, TokenSha256, Projects?: [...] }]</c>: AI agents that authenticate over HTTP.</summary>
    internal static IReadOnlyList<KseAgent> ReadAgents(IConfiguration configuration) =>
        configuration.GetSection("Kse:Agents").GetChildren()
            .Select(s => new KseAgent
            {
                Name = s["Name"] ?? "",
                TokenSha256 = s["TokenSha256"]?.Trim().ToLowerInvariant(),
                Projects = s.GetSection("Projects").GetChildren().Select(p => p.Value ?? "").Where(p => p.Length > 0).ToList(),
            })
            .ToList();

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
