namespace Kse.Core.Learning;

/// <summary>A suggested runnable operation: its <c>kse-operation</c> block, where it goes, its confidence and the evidence for it.</summary>
public sealed record DraftedOperation
{
    public required string Name { get; init; }

    public required string Document { get; init; }

    public required string Section { get; init; }

    public required string Template { get; init; }

    /// <summary>The command as observed most often (secrets masked).</summary>
    public required string Command { get; init; }

    /// <summary>The block's argument vector (placeholders for what varied).</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    public required string Risk { get; init; }

    public required string RiskReason { get; init; }

    public required int Count { get; init; }

    public required string Schedule { get; init; }

    public required IReadOnlyList<PlaceCount> Hosts { get; init; }

    public required IReadOnlyList<PlaceCount> Environments { get; init; }

    public required double Confidence { get; init; }

    public required ConfidenceFactors ConfidenceFactors { get; init; }

    public required string Explanation { get; init; }

    public required IReadOnlyList<string> Evidence { get; init; }

    /// <summary>The fenced block as written in the draft.</summary>
    public required string Block { get; init; }
}

/// <summary>One <c>##</c> section of a draft document.</summary>
public sealed record DraftedSection
{
    public required string Document { get; init; }

    public required string Heading { get; init; }

    /// <summary>The section's Markdown (without its heading).</summary>
    public required string Body { get; init; }

    /// <summary>Whether anything was observed for it (sections without evidence only say so and are never proposed).</summary>
    public required bool Observed { get; init; }

    /// <summary>The highest confidence of what it suggests; 0 when nothing was observed.</summary>
    public required double Confidence { get; init; }

    public IReadOnlyList<string> Operations { get; init; } = [];

    public IReadOnlyList<string> Evidence { get; init; } = [];

    /// <summary><c>deterministic</c>, or <c>model</c> when a configured model wrote the prose and it passed the checks.</summary>
    public string Author { get; init; } = "deterministic";
}

/// <summary>One written draft document under <c>operations/drafts/</c>.</summary>
public sealed record DraftDocument
{
    public required string Name { get; init; }

    /// <summary>Relative to the workspace root.</summary>
    public required string Path { get; init; }

    public required string Sha256 { get; init; }

    public required IReadOnlyList<DraftedSection> Sections { get; init; }

    internal string Markdown { get; init; } = "";
}

/// <summary>What the planner did: <c>deterministic</c> (no model configured), <c>model</c>, or <c>fallback</c> with the reason.</summary>
public sealed record PlannerReport(string Mode, string? Reason, IReadOnlyList<string> Rejected);

/// <summary>The result of <c>kse learn draft</c>.</summary>
public sealed record DraftResult
{
    public required string Project { get; init; }

    public string? Environment { get; init; }

    /// <summary>The drafts folder, relative to the workspace root.</summary>
    public required string Directory { get; init; }

    public required int Observations { get; init; }

    public required IReadOnlyList<DraftDocument> Documents { get; init; }

    public required IReadOnlyList<DraftedOperation> Operations { get; init; }

    public required MiningResult Patterns { get; init; }

    /// <summary>Section and operation-block problems of the drafts (empty when they validate).</summary>
    public required IReadOnlyList<string> ValidationErrors { get; init; }

    public required PlannerReport Planner { get; init; }

    public string Formula { get; init; } = ConfidenceFormula.Text;
}
