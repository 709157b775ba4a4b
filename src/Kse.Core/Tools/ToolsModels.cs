using System.Text.Json.Serialization;
using Kse.Core.Specs;

namespace Kse.Core.Tools;

/// <summary>The network between the tool and its data, as the caller describes it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NetworkCondition>))]
public enum NetworkCondition
{
    [JsonStringEnumMemberName("fast")]
    Fast,
    [JsonStringEnumMemberName("slow")]
    Slow,
    [JsonStringEnumMemberName("offline")]
    Offline,
}

/// <summary>What a selection knows about the situation; every part is optional and an unknown part favours no tool.</summary>
public sealed record SelectionContext
{
    public long? DataSizeBytes { get; init; }

    public NetworkCondition? Network { get; init; }

    /// <summary>The time the operation must finish in.</summary>
    public TimeSpan? Window { get; init; }

    public int? Cpu { get; init; }

    public long? MemoryBytes { get; init; }

    public long? DiskFreeBytes { get; init; }

    /// <summary>What a check found on the instance, by tool name; absent when no instance was probed.</summary>
    public IReadOnlyDictionary<string, ToolCheck>? Availability { get; init; }

    /// <summary>The instance the availability was probed on.</summary>
    public string? Instance { get; init; }
}

/// <summary>A selection context as text, from a command line or an MCP call: <c>50GB</c>, <c>fast</c>, <c>2h</c>, <c>4</c>, <c>8GB</c>.</summary>
public sealed record SelectionContextText
{
    public string? DataSize { get; init; }

    public string? Network { get; init; }

    public string? Window { get; init; }

    public int? Cpu { get; init; }

    public string? Memory { get; init; }

    public string? DiskFree { get; init; }

    /// <summary>Parses every part; a part that cannot be read is <c>tools.context_invalid</c> naming it.</summary>
    public SelectionContext Parse()
    {
        static long? Size(string? text, string option)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            return Quantities.TryParseSize(text, out var b)
                ? b
                : throw KseException.BadInput("tools.context_invalid", $"{option} '{text}' is not a size like 50GB, 512MB or 2TiB");
        }

        NetworkCondition? network = Network?.Trim().ToLowerInvariant() switch
        {
            null or "" => null,
            "fast" => NetworkCondition.Fast,
            "slow" => NetworkCondition.Slow,
            "offline" or "none" => NetworkCondition.Offline,
            _ => throw KseException.BadInput("tools.context_invalid", $"network '{Network}' must be fast, slow or offline"),
        };
        TimeSpan? window = null;
        if (!string.IsNullOrWhiteSpace(Window))
        {
            window = Quantities.TryParseDuration(Window, out var w)
                ? w
                : throw KseException.BadInput("tools.context_invalid", $"window '{Window}' is not a duration like 2h, 90m or 1h30m");
        }

        if (Cpu is { } cpu && cpu is < 1 or > 4096)
        {
            throw KseException.BadInput("tools.context_invalid", $"cpu {cpu} must be a whole number of cores from 1 to 4096");
        }

        return new SelectionContext
        {
            DataSizeBytes = Size(DataSize, "data size"),
            Network = network,
            Window = window,
            Cpu = Cpu,
            MemoryBytes = Size(Memory, "memory"),
            DiskFreeBytes = Size(DiskFree, "disk free"),
        };
    }
}

/// <summary>The three parts of a score, each from 0 to 1.</summary>
public sealed record ScoreParts(double AiFriendliness, double Native, double Efficiency);

/// <summary>The parts of efficiency in context, each from 0 to 1: data-size band fit, speed, network fit, resumability.</summary>
public sealed record EfficiencyParts(double DataSizeFit, double Speed, double Network, double Resumability);

/// <summary>One candidate of a selection with its score, the score's parts and the reasons in words.</summary>
public sealed record RankedTool
{
    public required int Rank { get; init; }

    public required string Tool { get; init; }

    /// <summary>weights · parts, from 0 to 1.</summary>
    public required double Score { get; init; }

    public required ScoreParts Parts { get; init; }

    public required EfficiencyParts EfficiencyParts { get; init; }

    /// <summary>A disqualified tool cannot do the job in this context (window, disk, memory, network, not installed, incompatible).</summary>
    public required bool Disqualified { get; init; }

    /// <summary>Why it is disqualified; empty when it is not.</summary>
    public required IReadOnlyList<string> Disqualifications { get; init; }

    /// <summary>What each part rests on, in words.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>Warnings for an AI driving the tool: <c>interactive</c>, <c>unclear_exit_codes</c>.</summary>
    public required IReadOnlyList<string> Flags { get; init; }

    /// <summary>Data size ÷ throughput, when both are known (e.g. <c>1h40m</c>).</summary>
    public string? EstimatedDuration { get; init; }

    /// <summary>The command this candidate runs for the strategy, when declared.</summary>
    public IReadOnlyList<string>? Command { get; init; }
}

/// <summary>The ranking of an operation's candidate tools in one context, the winner and why.</summary>
public sealed record ToolSelection
{
    public required string Project { get; init; }

    public required string Operation { get; init; }

    public string? Description { get; init; }

    /// <summary>The context in words (<c>dataSize: 5 GB</c>, ...); only the parts given.</summary>
    public required IReadOnlyDictionary<string, string> Context { get; init; }

    public required SelectionWeights Weights { get; init; }

    /// <summary>The best tool that is not disqualified; absent when every candidate is.</summary>
    public string? Winner { get; init; }

    public double? WinnerScore { get; init; }

    public required IReadOnlyList<RankedTool> Ranking { get; init; }

    /// <summary>Why the winner won (or why none did), in words.</summary>
    public required string Rationale { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    /// <summary>Joins the selection's audit entry.</summary>
    public string? CorrelationId { get; init; }
}

/// <summary>How to install a missing tool on a host: the package manager, the package and the exact command.</summary>
public sealed record InstallAdvice(string Manager, string Package, IReadOnlyList<string> Command, string CommandLine, bool NeedsRoot);

/// <summary>What a check found for one tool on one host.</summary>
public sealed record ToolCheck
{
    public required string Tool { get; init; }

    public required string Command { get; init; }

    /// <summary><c>ok</c>, <c>incompatible</c>, <c>missing</c>, <c>unknown</c> (installed, version unreadable or target unknown) or <c>error</c> (the probe failed).</summary>
    public required string Status { get; init; }

    public required bool Installed { get; init; }

    public string? Version { get; init; }

    public string? Requirement { get; init; }

    /// <summary>The requirement with the target's version put in.</summary>
    public string? ResolvedRequirement { get; init; }

    public bool? Compatible { get; init; }

    public required string Message { get; init; }

    /// <summary>For a missing tool: the install command for the host's package manager.</summary>
    public InstallAdvice? Install { get; init; }

    /// <summary>For a missing tool on a host whose package manager is unknown: every declared hint.</summary>
    public IReadOnlyList<InstallAdvice>? InstallOptions { get; init; }

    public bool NeedsAttention => Status is "missing" or "incompatible" or "error";
}

/// <summary>Installed versions of a project's tools on one host, against their requirements.</summary>
public sealed record ToolsCheckReport
{
    public required string Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    /// <summary><c>local</c> or the SSH destination.</summary>
    public required string Host { get; init; }

    /// <summary>The host's OS id (from /etc/os-release: debian, alpine, ...), when known.</summary>
    public string? Os { get; init; }

    /// <summary>Package managers found on the host (apt, dnf, apk, brew, winget).</summary>
    public required IReadOnlyList<string> PackageManagers { get; init; }

    public string? TargetVersion { get; init; }

    /// <summary>Where the target's version came from: <c>given</c>, <c>probe</c> or <c>instance</c>.</summary>
    public string? TargetVersionSource { get; init; }

    public required IReadOnlyList<ToolCheck> Tools { get; init; }

    /// <summary>No tool is missing, incompatible or failed its probe.</summary>
    public required bool Ok { get; init; }
}
