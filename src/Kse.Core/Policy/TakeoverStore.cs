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
    TakeoverSetting? GetLevel(string project, EnvironmentKind environment);

    IReadOnlyList<TakeoverSetting> ListLevels(string project);

    void SetLevel(TakeoverSetting setting);

    /// <summary>Elevations of one project (or all when null), newest grant first.</summary>
    IReadOnlyList<EmergencyElevation> ListElevations(string? project = null);

    EmergencyElevation? GetElevation(string id);

    void AddElevation(EmergencyElevation elevation);

    /// <summary>Marks an elevation revoked unless it already was; false when it was already revoked or does not exist.</summary>
    bool RevokeElevation(string id, string revokedBy, string reason, DateTimeOffset at);

    /// <summary>Marks an elevation's expiry as recorded; true only for the first caller, so the expiry is audited once.</summary>
    bool MarkExpiryRecorded(string id, DateTimeOffset at);
}
