namespace Kse.Core.Changes;

/// <summary>Where a diff comes from: text, a file, a git range, or the staged changes.</summary>
public sealed record DiffSource
{
    public string? Text { get; init; }

    public string? File { get; init; }

    public string? Base { get; init; }

    public string? Head { get; init; }

    public bool Staged { get; init; }

    public bool IsGit => Staged || Base is not null || Head is not null;
}

/// <summary>The outcome of <c>kse change gate</c>.</summary>
public sealed record GateResult
{
    public required bool Passed { get; init; }

    public required ChangeLevel Level { get; init; }

    public required bool RequiresMigrationPlan { get; init; }

    public string? Project { get; init; }

    /// <summary>The migration plan that was checked, relative to the workspace root.</summary>
    public string? Document { get; init; }

    /// <summary>Required sections that have no heading.</summary>
    public IReadOnlyList<string> MissingSections { get; init; } = [];

    /// <summary>Required sections that hold only blank lines or <c>kse:fill</c> placeholders.</summary>
    public IReadOnlyList<string> UnfilledSections { get; init; } = [];

    public required string Reason { get; init; }

    /// <summary>Rule ids that put the change at L4/L5.</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    /// <summary>When the diff touches several projects at L4/L5: the result for each of them.</summary>
    public IReadOnlyList<GateResult>? Plans { get; init; }

    /// <summary>Where a complete plan does not seem to be about this change (the strategy or a touched table is not mentioned). They do not fail the gate.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>A predicted impact appended to change-impact.md.</summary>
public sealed record ChangeRecordResult
{
    public required string Project { get; init; }

    public required string ChangeId { get; init; }

    public required ChangeLevel PredictedLevel { get; init; }

    public required IReadOnlyList<string> Rules { get; init; }

    public required RiskRating PredictedRisk { get; init; }

    public required MigrationKind MigrationStrategy { get; init; }

    public IReadOnlyList<string> RelatedProjects { get; init; } = [];

    public required string Document { get; init; }

    public required DateTimeOffset RecordedAt { get; init; }
}

/// <summary>Actual against predicted for one change.</summary>
public sealed record ChangeActualResult
{
    public required string Project { get; init; }

    public required string ChangeId { get; init; }

    public required ChangeLevel PredictedLevel { get; init; }

    public required ChangeLevel ActualLevel { get; init; }

    public required string Outcome { get; init; }

    /// <summary>Actual minus predicted, in levels: negative when the prediction was too high.</summary>
    public required int LevelDifference { get; init; }

    /// <summary><c>accurate</c>, <c>over-estimated</c> or <c>under-estimated</c>.</summary>
    public required string Assessment { get; init; }

    public required string Difference { get; init; }

    public string? Notes { get; init; }

    public IReadOnlyList<string> RelatedProjects { get; init; } = [];

    public required string Document { get; init; }

    public required DateTimeOffset RecordedAt { get; init; }
}
