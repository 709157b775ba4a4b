using System.Text.Json.Serialization;

namespace Kse.Core.Changes;

/// <summary>How deep a change reaches: L1 code, L2 configuration, L3 API, L4 data structure, L5 architecture.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChangeLevel>))]
public enum ChangeLevel
{
    L1 = 1,
    L2 = 2,
    L3 = 3,
    L4 = 4,
    L5 = 5,
}

/// <summary>A rating on the low … critical scale (likelihood and impact use low/medium/high).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RiskRating>))]
public enum RiskRating
{
    [JsonStringEnumMemberName("low")]
    Low = 1,
    [JsonStringEnumMemberName("medium")]
    Medium = 2,
    [JsonStringEnumMemberName("high")]
    High = 3,
    [JsonStringEnumMemberName("critical")]
    Critical = 4,
}

/// <summary>How a data or architecture change can reach production.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MigrationKind>))]
public enum MigrationKind
{
    /// <summary>Zero downtime: expand/contract, backfill, dual-write.</summary>
    [JsonStringEnumMemberName("online")]
    Online = 1,
    /// <summary>Phased: part online, part in a later release or a short window.</summary>
    [JsonStringEnumMemberName("hybrid")]
    Hybrid = 2,
    /// <summary>A maintenance window.</summary>
    [JsonStringEnumMemberName("offline")]
    Offline = 3,
}

/// <summary>One reason a change has its level: a stable rule id, where, and why in one line.</summary>
public sealed record ChangeFinding
{
    public required string Rule { get; init; }

    public required ChangeLevel Level { get; init; }

    public required string File { get; init; }

    /// <summary>Line in the new file (the old file for removed lines); 1 for whole-file findings.</summary>
    public required int Line { get; init; }

    public required string Reason { get; init; }

    /// <summary>For API and data findings: whether existing consumers break.</summary>
    public bool? Breaking { get; init; }

    /// <summary>What the finding touches, e.g. <c>GET /invoices/{id}</c> or <c>invoices.total</c>, when known.</summary>
    public string? Subject { get; init; }

    /// <summary>The project the file belongs to, when the project graph or <c>--project</c> says.</summary>
    public string? Project { get; init; }

    public RiskRating Likelihood { get; init; }

    public RiskRating Impact { get; init; }
}

/// <summary>The chosen migration strategy and why.</summary>
public sealed record MigrationStrategy
{
    public required MigrationKind Strategy { get; init; }

    public required string Reason { get; init; }

    /// <summary>Rule ids that decided the strategy.</summary>
    public IReadOnlyList<string> DecidedBy { get; init; } = [];

    public IReadOnlyList<string> Steps { get; init; } = [];

    /// <summary>For offline: the downtime estimate and where it came from.</summary>
    public string? EstimatedDowntime { get; init; }
}

/// <summary>Overall risk of a change and what lowers it.</summary>
public sealed record RiskAssessment
{
    public required RiskRating Overall { get; init; }

    public required RiskRating Likelihood { get; init; }

    public required RiskRating Impact { get; init; }

    /// <summary>Rule ids whose findings carry the overall risk.</summary>
    public IReadOnlyList<string> Drivers { get; init; } = [];

    public IReadOnlyList<string> Mitigations { get; init; } = [];
}

/// <summary>The result of classifying one diff.</summary>
public sealed record ChangeReport
{
    public required ChangeLevel Level { get; init; }

    public required IReadOnlyList<ChangeFinding> Findings { get; init; }

    /// <summary>Kinds of system the change touches (<c>database</c>, <c>http-api</c>, …) and, when known, the projects.</summary>
    public required IReadOnlyList<string> AffectedSystems { get; init; }

    public required bool RequiresMigrationPlan { get; init; }

    public required MigrationStrategy MigrationStrategy { get; init; }

    public required RiskAssessment Risk { get; init; }

    /// <summary>Projects whose files the diff changes.</summary>
    public IReadOnlyList<string>? Projects { get; init; }

    public int FilesChanged { get; init; }

    /// <summary>L3 and above, with a project graph: who consumes what the change touches.</summary>
    public Projects.DependencyAnalysis? DependencyAnalysis { get; init; }

    /// <summary>What limited the assessment, e.g. a dependencies.yaml with problems.</summary>
    public IReadOnlyList<string>? Notes { get; init; }
}
