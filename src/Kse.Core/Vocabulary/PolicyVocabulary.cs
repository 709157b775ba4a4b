using System.Text.Json.Serialization;

namespace Kse.Core;

/// <summary>How much the AI may do on its own: L1 observation … L5 fully autonomous.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TakeoverLevel>))]
public enum TakeoverLevel
{
    L1 = 1,
    L2 = 2,
    L3 = 3,
    L4 = 4,
    L5 = 5,
}

/// <summary>The four environments and their caps. Unknown names are errors, never defaults.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EnvironmentKind>))]
public enum EnvironmentKind
{
    [JsonStringEnumMemberName("development")]
    Development,
    [JsonStringEnumMemberName("test")]
    Test,
    [JsonStringEnumMemberName("pre-production")]
    PreProduction,
    [JsonStringEnumMemberName("production")]
    Production,
}

/// <summary>An operation's risk class, from its spec or its tool's attribute.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RiskClass>))]
public enum RiskClass
{
    [JsonStringEnumMemberName("read")]
    Read,
    [JsonStringEnumMemberName("normal")]
    Normal,
    [JsonStringEnumMemberName("critical")]
    Critical,
}

/// <summary>What the policy kernel decided.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DecisionKind>))]
public enum DecisionKind
{
    [JsonStringEnumMemberName("run")]
    Run,
    [JsonStringEnumMemberName("run_and_flag")]
    RunAndFlag,
    [JsonStringEnumMemberName("queue_for_approval")]
    QueueForApproval,
    [JsonStringEnumMemberName("observe_only")]
    ObserveOnly,
    [JsonStringEnumMemberName("deny")]
    Deny,
}

/// <summary>Parsing and naming of the policy vocabulary; every unknown name is a <c>policy.*_unknown</c> error.</summary>
public static class PolicyNames
{
    public static TakeoverLevel ParseLevel(string? text)
    {
        var t = text?.Trim().ToUpperInvariant();
        return t switch
        {
            "L1" or "1" => TakeoverLevel.L1,
            "L2" or "2" => TakeoverLevel.L2,
            "L3" or "3" => TakeoverLevel.L3,
            "L4" or "4" => TakeoverLevel.L4,
            "L5" or "5" => TakeoverLevel.L5,
            _ => throw KseException.BadInput("policy.level_unknown", $"unknown takeover level '{text}': use L1, L2, L3, L4 or L5"),
        };
    }

    public static EnvironmentKind ParseEnvironment(string? text)
    {
        var t = text?.Trim().ToLowerInvariant();
        return t switch
        {
            "development" or "dev" => EnvironmentKind.Development,
            "test" => EnvironmentKind.Test,
            "pre-production" or "preproduction" or "pre-prod" or "preprod" or "staging" => EnvironmentKind.PreProduction,
            "production" or "prod" => EnvironmentKind.Production,
            _ => throw KseException.BadInput("policy.environment_unknown", $"unknown environment '{text}': use development, test, pre-production or production"),
        };
    }

    public static RiskClass ParseRisk(string? text)
    {
        var t = text?.Trim().ToLowerInvariant();
        return t switch
        {
            "read" => RiskClass.Read,
            "normal" => RiskClass.Normal,
            "critical" => RiskClass.Critical,
            _ => throw KseException.BadInput("policy.risk_unknown", $"unknown risk class '{text}': use read, normal or critical"),
        };
    }

    public static string Name(this EnvironmentKind env) => env switch
    {
        EnvironmentKind.Development => "development",
        EnvironmentKind.Test => "test",
        EnvironmentKind.PreProduction => "pre-production",
        EnvironmentKind.Production => "production",
        _ => throw new ArgumentOutOfRangeException(nameof(env)),
    };

    public static string Name(this RiskClass risk) => risk switch
    {
        RiskClass.Read => "read",
        RiskClass.Normal => "normal",
        RiskClass.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(risk)),
    };

    public static string Name(this DecisionKind decision) => decision switch
    {
        DecisionKind.Run => "run",
        DecisionKind.RunAndFlag => "run_and_flag",
        DecisionKind.QueueForApproval => "queue_for_approval",
        DecisionKind.ObserveOnly => "observe_only",
        DecisionKind.Deny => "deny",
        _ => throw new ArgumentOutOfRangeException(nameof(decision)),
    };

    public static IReadOnlyList<EnvironmentKind> AllEnvironments { get; } =
        [EnvironmentKind.Development, EnvironmentKind.Test, EnvironmentKind.PreProduction, EnvironmentKind.Production];
}
