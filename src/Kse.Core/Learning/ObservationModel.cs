namespace Kse.Core.Learning;

/// <summary>
/// One operation a human did, as observed: the command (secrets already masked), where and when it ran, and how it ended when
/// that is known. Recorded by <c>kse observe</c>, imported from shell histories, auditd or the journal, or taken from a human's
/// <c>kse ops run</c> at L1.
/// </summary>
public sealed record Observation
{
    public required string Id { get; init; }

    public required string Project { get; init; }

    public required string Environment { get; init; }

    public string? Instance { get; init; }

    /// <summary>The machine it ran on (the recording host, the history's host, or the instance's host).</summary>
    public string? Host { get; init; }

    /// <summary>The OS user who ran it.</summary>
    public string? User { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>The command line as a human reads it, secrets masked.</summary>
    public required string Command { get; init; }

    /// <summary>The argument vector when known (<c>kse observe</c>), secrets masked; otherwise split from <see cref="Command"/>.</summary>
    public IReadOnlyList<string>? Argv { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Whether <see cref="StartedAt"/> came from the source; false when a history line had no timestamp (then the import time).</summary>
    public bool TimeKnown { get; init; } = true;

    public long? DurationMs { get; init; }

    /// <summary>The exit code; null when the source does not say (shell histories).</summary>
    public int? ExitCode { get; init; }

    /// <summary><c>observe</c>, <c>bash</c>, <c>zsh</c>, <c>fish</c>, <c>auditd</c>, <c>journal</c> or <c>ops.run</c>.</summary>
    public required string Source { get; init; }

    /// <summary>How many secrets were masked in this command.</summary>
    public int MaskedSecrets { get; init; }

    /// <summary>The import (or observe call) that recorded it.</summary>
    public string? BatchId { get; init; }

    public bool? Succeeded => ExitCode is null ? null : ExitCode == 0;
}

/// <summary>A command that ran, as reported before masking (never stored as it is).</summary>
public sealed record ObservedCommand
{
    public required string Project { get; init; }

    public required string Environment { get; init; }

    public string? Instance { get; init; }

    public string? Host { get; init; }

    public string? User { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>The argument vector, when known; otherwise <see cref="CommandLine"/>.</summary>
    public IReadOnlyList<string>? Argv { get; init; }

    public string? CommandLine { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public long? DurationMs { get; init; }

    public int? ExitCode { get; init; }

    public string Source { get; init; } = "observe";
}

/// <summary>What to read from the observation store.</summary>
public sealed record ObservationQuery
{
    public required string Project { get; init; }

    public string? Environment { get; init; }

    public DateTimeOffset? Since { get; init; }

    public int Limit { get; init; } = ObservationLimits.MaxPerQuery;
}

public static class ObservationLimits
{
    /// <summary>The most observations one mining run reads (newest kept).</summary>
    public const int MaxPerQuery = 50_000;

    /// <summary>The longest command stored; longer ones are cut (after masking).</summary>
    public const int MaxCommandLength = 4096;

    /// <summary>The most lines one import reads.</summary>
    public const int MaxImportLines = 200_000;

    /// <summary>The largest file one import reads.</summary>
    public const long MaxImportBytes = 64L * 1024 * 1024;
}

/// <summary>The observation store: append-only records of humans' operations (LiteDB by default, owner-only under .sce/state).</summary>
public interface IObservationStore
{
    ValueTask InsertAsync(IReadOnlyList<Observation> observations, CancellationToken cancellationToken = default);

    /// <summary>Observations of a project, oldest first.</summary>
    ValueTask<IReadOnlyList<Observation>> ListAsync(ObservationQuery query, CancellationToken cancellationToken = default);

    ValueTask<int> CountAsync(string project, CancellationToken cancellationToken = default);
}

/// <summary>The result of <c>kse observe</c>: the command's own exit code and the stored record.</summary>
public sealed record ObserveResult(int ExitCode, Observation Observation)
{
    /// <summary>Why the command could not be started (then the exit code is 127, as a shell's).</summary>
    public string? Problem { get; init; }
}

/// <summary>The result of <c>kse observe import</c>.</summary>
public sealed record ImportResult
{
    public required string Project { get; init; }

    public required string Environment { get; init; }

    public required string Source { get; init; }

    public required string BatchId { get; init; }

    public int Imported { get; init; }

    /// <summary>Empty lines and comments.</summary>
    public int Skipped { get; init; }

    /// <summary>Commands already stored with the same time (an earlier import of the same history).</summary>
    public int Duplicates { get; init; }

    public int WithoutTimestamp { get; init; }

    public int MaskedSecrets { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    /// <summary>Lines that could not be read, with their line numbers (at most 20).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}
