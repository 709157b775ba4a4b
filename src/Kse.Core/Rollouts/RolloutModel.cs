using System.Text.Json.Serialization;

namespace Kse.Core.Rollouts;

/// <summary>
/// One step of a rollout: a declared operation (or the project's health check) on one instance, in one wave. Every step runs as an
/// <c>ops_run</c> action on the guarded path under the correlation id <see cref="CorrelationId"/> (the rollout's id and the step's
/// number), so its decision, run and outcome entries are found under the rollout.
/// </summary>
public sealed record RolloutStep
{
    public required int Number { get; init; }

    public required int Wave { get; init; }

    public required string Project { get; init; }

    public required string Instance { get; init; }

    public required string Operation { get; init; }

    /// <summary>The operation's rollout role: <c>deploy</c>, <c>migrate</c>, <c>expand</c>, <c>contract</c> or <c>health-check</c>.</summary>
    public required string Role { get; init; }

    /// <summary>True for the steps on a project's first instance (the canary), run and checked before the rest.</summary>
    public bool Canary { get; init; }

    /// <summary>The operation declared to undo it (its <c>rollback</c>), run in reverse order when its wave fails.</summary>
    public string? Rollback { get; init; }

    /// <summary>
    /// <c>pending</c>, <c>succeeded</c>, <c>queued</c> (waiting for an approval: the rollout is paused), <c>failed</c>, <c>denied</c>,
    /// <c>observed</c> (not run), <c>cancelled</c> (its approval withdrawn by an abort), <c>rolled_back</c>, <c>rollback_proposed</c>, <c>rollback_failed</c>.
    /// </summary>
    public required string Status { get; init; }

    /// <summary>The correlation id of the step's entries (and of its rollback's).</summary>
    public required string CorrelationId { get; init; }

    public string? ApprovalId { get; init; }

    /// <summary>What the step passes to its operation: only <c>version</c>, for the changed project's operations that declare it, when the rollout has a target version.</summary>
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    public string? Message { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>One wave of a rollout: its phase and projects, and where it stands.</summary>
public sealed record RolloutWaveState
{
    public required int Number { get; init; }

    /// <summary><c>deploy</c>, <c>expand</c>, <c>migrate</c> or <c>contract</c>.</summary>
    public required string Phase { get; init; }

    public required IReadOnlyList<string> Projects { get; init; }

    /// <summary><c>pending</c>, <c>running</c>, <c>paused</c>, <c>completed</c>, <c>failed</c>, <c>aborted</c>.</summary>
    public required string Status { get; init; }

    public string? Gate { get; init; }
}

/// <summary>An orchestrated rollout: the plan of a change made executable, and its progress. Stored in <c>.sce/state</c>.</summary>
public sealed record Rollout
{
    public required string Id { get; init; }

    /// <summary><c>running</c>, <c>paused</c> (a step waits for approval), <c>failed</c> (halted; the wave rolled back), <c>completed</c>, <c>aborted</c>.</summary>
    public required string State { get; init; }

    /// <summary>The changed (provider) project the rollout was started for.</summary>
    public required string Project { get; init; }

    public required string Environment { get; init; }

    public string? ToVersion { get; init; }

    /// <summary>Who started it (<c>user:alice</c>, <c>ai:claude</c>): every step is decided for this actor.</summary>
    public required string StartedBy { get; init; }

    /// <summary>The change's level (L1–L5).</summary>
    public required string Level { get; init; }

    public required IReadOnlyList<RolloutWaveState> Waves { get; init; }

    public required IReadOnlyList<RolloutStep> Steps { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Where and why it stopped, when it is not running or completed.</summary>
    public string? StoppedAt { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The process running it while it is <c>running</c> (<c>machine/pid/start</c>): a rollout whose process ended can be resumed.</summary>
    public string? Runner { get; init; }

    /// <summary>Bumped by every stored update; an update is conditional on it.</summary>
    public int Revision { get; init; }

    [JsonIgnore]
    public bool IsFinished => State is "completed" or "aborted";
}

/// <summary>A rollout in a list: its id, state and where it stands.</summary>
public sealed record RolloutSummary
{
    public required string Id { get; init; }

    public required string State { get; init; }

    public required string Project { get; init; }

    public required string Environment { get; init; }

    public required int Waves { get; init; }

    public required int StepsDone { get; init; }

    public required int Steps { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public string? StoppedAt { get; init; }

    public static RolloutSummary Of(Rollout r) => new()
    {
        Id = r.Id,
        State = r.State,
        Project = r.Project,
        Environment = r.Environment,
        Waves = r.Waves.Count,
        StepsDone = r.Steps.Count(s => s.Status == "succeeded"),
        Steps = r.Steps.Count,
        UpdatedAt = r.UpdatedAt,
        StoppedAt = r.StoppedAt,
    };
}

public sealed record RolloutList(IReadOnlyList<RolloutSummary> Rollouts);

/// <summary>Where rollouts are kept (LiteDB in the workspace's kse.db).</summary>
public interface IRolloutStore
{
    ValueTask InsertAsync(Rollout rollout, CancellationToken cancellationToken = default);

    ValueTask<Rollout?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="rollout"/> (its revision one past <paramref name="expectedRevision"/>) only while the stored one is still at that revision.</summary>
    ValueTask<bool> TryUpdateAsync(Rollout rollout, int expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>The most recent first.</summary>
    ValueTask<IReadOnlyList<Rollout>> ListAsync(int limit, CancellationToken cancellationToken = default);
}
