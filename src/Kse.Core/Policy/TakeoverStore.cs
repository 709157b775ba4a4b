namespace Kse.Core.Policy;

/// <summary>A level a human set for one project in one environment.</summary>
public sealed record TakeoverSetting
{
    public required string Project { get; init; }

    public required EnvironmentKind Environment { get; init; }

    public required TakeoverLevel Level { get; init; }

    public required string Reason { get; init; }

    public required string SetBy { get; init; }

    public required DateTimeOffset SetAt { get; init; }

    /// <summary>The sequence of the <c>takeover.change</c> audit entry of this setting (null for settings stored before it was kept).</summary>
    public long? AuditSequence { get; init; }
}

/// <summary>The takeover state of the workspace: levels per project and environment, and emergency elevations.</summary>
public interface ITakeoverStore
{
    ValueTask<TakeoverSetting?> GetLevelAsync(string project, EnvironmentKind environment, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<TakeoverSetting>> ListLevelsAsync(string project, CancellationToken cancellationToken = default);

    ValueTask SetLevelAsync(TakeoverSetting setting, CancellationToken cancellationToken = default);

    /// <summary>Elevations of one project (or all when null), newest grant first.</summary>
    ValueTask<IReadOnlyList<EmergencyElevation>> ListElevationsAsync(string? project = null, CancellationToken cancellationToken = default);

    ValueTask<EmergencyElevation?> GetElevationAsync(string id, CancellationToken cancellationToken = default);

    ValueTask AddElevationAsync(EmergencyElevation elevation, CancellationToken cancellationToken = default);

    /// <summary>Marks an elevation revoked unless it already was; false when it was already revoked or does not exist.</summary>
    ValueTask<bool> RevokeElevationAsync(string id, string revokedBy, string reason, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Marks an elevation's expiry as recorded; true only for the first caller, so the expiry is audited once.</summary>
    ValueTask<bool> MarkExpiryRecordedAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);
}
