namespace Kse.Core.Execution;

/// <summary>The tool planning chose for an operation that names a strategy, and why.</summary>
public sealed record StrategyChoice
{
    public required string Strategy { get; init; }

    public required string Tool { get; init; }

    /// <summary>The chosen tool's command template (placeholders are the operation's parameters).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public required double Score { get; init; }

    /// <summary>Why this tool, in words (the selection's rationale).</summary>
    public required string Rationale { get; init; }

    /// <summary>The tool's version found on the instance, when it was probed.</summary>
    public string? Version { get; init; }

    /// <summary>Every candidate with its score, <c>(out)</c> when disqualified: <c>pg_dump 0.563, pg_basebackup 0.39</c>.</summary>
    public required string Ranking { get; init; }
}

/// <summary>Picks the tool of a strategy operation for its instance (the Tools capability does: selection in context and a version check there).</summary>
public interface IStrategyResolver
{
    /// <summary>The chosen tool; throws <c>tools.incompatible</c> or <c>tools.missing</c> when no candidate can run on the instance.</summary>
    StrategyChoice Choose(string project, OperationDefinition operation, Kse.Core.Specs.ProjectInstance target, IReadOnlyDictionary<string, string> values);
}
