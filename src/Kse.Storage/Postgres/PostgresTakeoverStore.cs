using Kse.Core.Policy;
using Npgsql;

namespace Kse.Storage.Postgres;

/// <summary>
/// Takeover levels (<c>takeover_levels</c>, one row per project and environment) and emergency elevations
/// (<c>elevations</c>) in PostgreSQL. Revocation and the expiry record are conditional updates: of two servers only one wins,
/// so each is audited once.
/// </summary>
public sealed class PostgresTakeoverStore : ITakeoverStore
{
    private const string ElevationColumns = "id, project, environment, level, reason, granted_by, granted_at, expires_at, revoked_at, revoked_by, revoke_reason, expiry_recorded_at, request_id";
    private readonly PostgresStore _store;

    public PostgresTakeoverStore(PostgresStore store)
    {
        _store = store;
    }

    public ValueTask<TakeoverSetting?> GetLevelAsync(string project, EnvironmentKind environment, CancellationToken cancellationToken = default) => _store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "SELECT project, environment, level, reason, set_by, set_at, audit_seq FROM takeover_levels WHERE project = @p AND environment = @e")
            .Text("p", project).Text("e", environment.Name());
        return (await Sql.ListAsync(cmd, ReadSetting, ct)).FirstOrDefault();
    }, cancellationToken);

    public ValueTask<IReadOnlyList<TakeoverSetting>> ListLevelsAsync(string project, CancellationToken cancellationToken = default) => _store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "SELECT project, environment, level, reason, set_by, set_at, audit_seq FROM takeover_levels WHERE project = @p").Text("p", project);
        return (IReadOnlyList<TakeoverSetting>)(await Sql.ListAsync(cmd, ReadSetting, ct)).OrderBy(s => s.Environment).ToList();
    }, cancellationToken);

    public ValueTask SetLevelAsync(TakeoverSetting setting, CancellationToken cancellationToken = default) => PostgresFeedbackStore.Done(_store.RunAsync((c, ct) => SetLevelAsync(c, setting, ct), cancellationToken));

    internal static async ValueTask<bool> SetLevelAsync(NpgsqlConnection c, TakeoverSetting s, CancellationToken ct)
    {
        await using var cmd = Sql.Command(c, """
            INSERT INTO takeover_levels (project, environment, level, reason, set_by, set_at, audit_seq) VALUES (@p, @e, @l, @r, @b, @at, @seq)
            ON CONFLICT (project, environment) DO UPDATE SET level = excluded.level, reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at, audit_seq = excluded.audit_seq
            """)
            .Text("p", s.Project).Text("e", s.Environment.Name()).Text("l", s.Level.ToString()).Text("r", s.Reason).Text("b", s.SetBy).Ticks("at", s.SetAt).Long("seq", s.AuditSequence);
        await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }

    public ValueTask<IReadOnlyList<EmergencyElevation>> ListElevationsAsync(string? project = null, CancellationToken cancellationToken = default) => _store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, $"SELECT {ElevationColumns} FROM elevations WHERE (@p::text IS NULL OR project = @p) ORDER BY granted_at DESC, id").Text("p", project);
        return (IReadOnlyList<EmergencyElevation>)await Sql.ListAsync(cmd, ReadElevation, ct);
    }, cancellationToken);

    public ValueTask<EmergencyElevation?> GetElevationAsync(string id, CancellationToken cancellationToken = default) => _store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, $"SELECT {ElevationColumns} FROM elevations WHERE id = @id").Text("id", id);
        return (await Sql.ListAsync(cmd, ReadElevation, ct)).FirstOrDefault();
    }, cancellationToken);

    public ValueTask AddElevationAsync(EmergencyElevation elevation, CancellationToken cancellationToken = default) => PostgresFeedbackStore.Done(_store.RunAsync((c, ct) => AddElevationAsync(c, elevation, ct), cancellationToken));

    internal static async ValueTask<bool> AddElevationAsync(NpgsqlConnection c, EmergencyElevation e, CancellationToken ct)
    {
        await using var cmd = Sql.Command(c, $"INSERT INTO elevations ({ElevationColumns}) VALUES (@id, @p, @e, @l, @r, @by, @at, @exp, @rat, @rby, @rr, @er, @req)")
            .Text("id", e.Id).Text("p", e.Project).Text("e", e.Environment.Name()).Text("l", e.Level.ToString()).Text("r", e.Reason).Text("by", e.GrantedBy)
            .Ticks("at", e.GrantedAt).Ticks("exp", e.ExpiresAt).Ticks("rat", e.RevokedAt).Text("rby", e.RevokedBy).Text("rr", e.RevokeReason)
            .Ticks("er", e.ExpiryRecordedAt).Text("req", e.RequestId);
        await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }

    public ValueTask<bool> RevokeElevationAsync(string id, string revokedBy, string reason, DateTimeOffset at, CancellationToken cancellationToken = default) => _store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "UPDATE elevations SET revoked_at = @at, revoked_by = @by, revoke_reason = @r WHERE id = @id AND revoked_at IS NULL")
            .Ticks("at", at).Text("by", revokedBy).Text("r", reason).Text("id", id);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }, cancellationToken);

    public ValueTask<bool> MarkExpiryRecordedAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) => _store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "UPDATE elevations SET expiry_recorded_at = @at WHERE id = @id AND expiry_recorded_at IS NULL").Ticks("at", at).Text("id", id);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }, cancellationToken);

    private static TakeoverSetting ReadSetting(NpgsqlDataReader r) => new()
    {
        Project = r.Str("project")!,
        Environment = PolicyNames.ParseEnvironment(r.Str("environment")!),
        Level = PolicyNames.ParseLevel(r.Str("level")!),
        Reason = r.Str("reason")!,
        SetBy = r.Str("set_by")!,
        SetAt = r.Time("set_at")!.Value,
        AuditSequence = r.Long("audit_seq"),
    };

    private static EmergencyElevation ReadElevation(NpgsqlDataReader r) => new()
    {
        Id = r.Str("id")!,
        Project = r.Str("project")!,
        Environment = PolicyNames.ParseEnvironment(r.Str("environment")!),
        Level = PolicyNames.ParseLevel(r.Str("level")!),
        Reason = r.Str("reason")!,
        GrantedBy = r.Str("granted_by")!,
        GrantedAt = r.Time("granted_at")!.Value,
        ExpiresAt = r.Time("expires_at")!.Value,
        RevokedAt = r.Time("revoked_at"),
        RevokedBy = r.Str("revoked_by"),
        RevokeReason = r.Str("revoke_reason"),
        ExpiryRecordedAt = r.Time("expiry_recorded_at"),
        RequestId = r.Str("request_id"),
    };
}
