using Kse.Core.Policy;

namespace Kse.Core.Learning;

/// <summary>When a recurring command runs: <c>daily</c>, <c>weekly</c> or <c>irregular</c>, at about what time (UTC) and how tightly.</summary>
public sealed record Schedule
{
    public required string Kind { get; init; }

    /// <summary>The usual time of day, <c>HH:mm</c> UTC; null when irregular.</summary>
    public string? At { get; init; }

    /// <summary>For weekly: the usual day.</summary>
    public string? Weekday { get; init; }

    /// <summary>The mean distance from the usual time, in minutes.</summary>
    public double? SpreadMinutes { get; init; }

    public required string Description { get; init; }
}

/// <summary>A count per host or environment.</summary>
public sealed record PlaceCount(string Name, int Count);

/// <summary>A command template seen more than once or less: its evidence, where and when it runs, its risk and confidence.</summary>
public sealed record RecurringPattern
{
    public required string Template { get; init; }

    /// <summary>The most common concrete form (secrets masked).</summary>
    public required string Command { get; init; }

    public required IReadOnlyList<string> Argv { get; init; }

    public required string Program { get; init; }

    /// <summary><c>backup</c>, <c>routine</c>, <c>maintenance</c>, <c>monitoring</c>, or <c>noise</c> (interactive commands).</summary>
    public required string Category { get; init; }

    public required string Risk { get; init; }

    public required string RiskReason { get; init; }

    public required int Count { get; init; }

    public required int Succeeded { get; init; }

    public required int Failed { get; init; }

    public required DateTimeOffset FirstSeen { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    public required IReadOnlyList<PlaceCount> Hosts { get; init; }

    public required IReadOnlyList<PlaceCount> Environments { get; init; }

    public required IReadOnlyList<string> Users { get; init; }

    public required Schedule Schedule { get; init; }

    /// <summary>Pipes, redirections or substitutions: described, not drafted as a runnable block.</summary>
    public required bool UsesShell { get; init; }

    /// <summary>Placeholders whose values varied, by type (e.g. path, number).</summary>
    public required IReadOnlyList<string> VaryingPlaceholders { get; init; }

    public required double Confidence { get; init; }

    public required ConfidenceFactors ConfidenceFactors { get; init; }

    public required string Explanation { get; init; }

    /// <summary>Observation ids (the newest 30).</summary>
    public required IReadOnlyList<string> Evidence { get; init; }

    internal IReadOnlyList<CommandTemplate> Forms { get; init; } = [];
}

/// <summary>Commands that follow each other in one working session, again and again (stop → dump → start, a deploy).</summary>
public sealed record SequencePattern
{
    /// <summary><c>deploy</c> or <c>procedure</c>.</summary>
    public required string Kind { get; init; }

    public required IReadOnlyList<string> Steps { get; init; }

    public required IReadOnlyList<string> Commands { get; init; }

    /// <summary>Sessions it occurred in.</summary>
    public required int Support { get; init; }

    public required IReadOnlyList<PlaceCount> Hosts { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    public required double Confidence { get; init; }

    public required ConfidenceFactors ConfidenceFactors { get; init; }

    public required string Explanation { get; init; }

    /// <summary>The first observation of each occurrence.</summary>
    public required IReadOnlyList<string> Evidence { get; init; }
}

/// <summary>A command that failed, what was done, and the same command succeeding afterwards.</summary>
public sealed record FailureFixPattern
{
    public required string Failing { get; init; }

    public required string FailingCommand { get; init; }

    public required IReadOnlyList<string> Fix { get; init; }

    public required IReadOnlyList<string> FixCommands { get; init; }

    /// <summary>Read-only commands run while diagnosing.</summary>
    public required IReadOnlyList<string> Diagnostics { get; init; }

    public required int Support { get; init; }

    /// <summary>How often the failing command failed in all.</summary>
    public required int Failures { get; init; }

    public required IReadOnlyList<PlaceCount> Hosts { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    public required double Confidence { get; init; }

    public required ConfidenceFactors ConfidenceFactors { get; init; }

    public required string Explanation { get; init; }

    /// <summary>The failing observation, the fix's observations and the successful retry, per occurrence (the newest 10).</summary>
    public required IReadOnlyList<string> Evidence { get; init; }
}

/// <summary>What mining found in a project's observations.</summary>
public sealed record MiningResult
{
    public required string Project { get; init; }

    public string? Environment { get; init; }

    public required int Observations { get; init; }

    public required IReadOnlyList<PlaceCount> Sources { get; init; }

    public required IReadOnlyList<RecurringPattern> Recurring { get; init; }

    public required IReadOnlyList<SequencePattern> Sequences { get; init; }

    public required IReadOnlyList<FailureFixPattern> FailureFixes { get; init; }

    public string Formula { get; init; } = ConfidenceFormula.Text;

    internal static RiskClass ParseRisk(string risk) => PolicyNames.ParseRisk(risk);
}
