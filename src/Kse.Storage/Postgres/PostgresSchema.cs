using Npgsql;

namespace Kse.Storage.Postgres;

/// <summary>
/// The versioned schema of the PostgreSQL store. Each migration runs once, in order, inside the migration transaction, and
/// is recorded in <c>schema_version</c>. Never edit a released migration: add the next one.
/// Times are UTC ticks (bigint) so values round-trip exactly; audit entries keep their whole sealed form as JSON text
/// (the hash is recomputed from it), plus the columns queries filter on.
/// </summary>
internal static class PostgresSchema
{
    public static readonly IReadOnlyList<(int Version, string Sql)> Migrations =
    [
        (1, """
            CREATE TABLE audit_head (
                id smallint PRIMARY KEY CHECK (id = 1),
                seq bigint NOT NULL,
                hash text NOT NULL,
                ts_ticks bigint NOT NULL);
            INSERT INTO audit_head (id, seq, hash, ts_ticks) VALUES (1, 0, '', 0);
            CREATE TABLE audit_entries (
                seq bigint PRIMARY KEY,
                ts timestamptz NOT NULL,
                actor_name text NOT NULL,
                op text NOT NULL,
                project text,
                env text,
                outcome text,
                corr text,
                related text[],
                entry text NOT NULL);
            CREATE INDEX audit_entries_ts ON audit_entries (ts);
            CREATE INDEX audit_entries_corr ON audit_entries (corr);
            CREATE INDEX audit_entries_op ON audit_entries (op);
            CREATE TABLE takeover_levels (
                project text NOT NULL,
                environment text NOT NULL,
                level text NOT NULL,
                reason text NOT NULL,
                set_by text NOT NULL,
                set_at bigint NOT NULL,
                audit_seq bigint,
                PRIMARY KEY (project, environment));
            CREATE TABLE elevations (
                id text PRIMARY KEY,
                project text NOT NULL,
                environment text NOT NULL,
                level text NOT NULL,
                reason text NOT NULL,
                granted_by text NOT NULL,
                granted_at bigint NOT NULL,
                expires_at bigint NOT NULL,
                revoked_at bigint,
                revoked_by text,
                revoke_reason text,
                expiry_recorded_at bigint,
                request_id text);
            CREATE INDEX elevations_project ON elevations (project);
            CREATE TABLE approvals (
                id text PRIMARY KEY,
                tool text NOT NULL,
                arguments text NOT NULL,
                project text NOT NULL,
                environment text,
                instance text,
                requester text NOT NULL,
                reason text NOT NULL,
                risk text NOT NULL,
                binding text NOT NULL,
                state text NOT NULL,
                created_at bigint NOT NULL,
                expires_at bigint NOT NULL,
                effective_level text,
                correlation_id text,
                decided_by text,
                decided_at bigint,
                decision_reason text,
                executed_at bigint,
                outcome text,
                outcome_detail text,
                expired_at bigint,
                plan text,
                confidence text);
            CREATE INDEX approvals_state ON approvals (state);
            CREATE INDEX approvals_binding ON approvals (binding);
            CREATE TABLE feedback (
                id text PRIMARY KEY,
                project text NOT NULL,
                fingerprint text NOT NULL,
                state text NOT NULL,
                severity text,
                type text,
                created_at bigint NOT NULL,
                last_seen bigint NOT NULL,
                revision integer NOT NULL,
                json text NOT NULL);
            CREATE INDEX feedback_project_fingerprint ON feedback (project, fingerprint);
            CREATE TABLE feedback_proposals (
                id text PRIMARY KEY,
                project text NOT NULL,
                fingerprint text NOT NULL,
                created_at bigint NOT NULL,
                json text NOT NULL);
            CREATE TABLE rollouts (
                id text PRIMARY KEY,
                state text NOT NULL,
                project text,
                updated bigint NOT NULL,
                revision integer NOT NULL,
                json text NOT NULL);
            CREATE INDEX rollouts_updated ON rollouts (updated);
            CREATE TABLE observations (
                id text PRIMARY KEY,
                project text NOT NULL,
                environment text,
                started_at bigint NOT NULL,
                json text NOT NULL);
            CREATE INDEX observations_project ON observations (project, started_at);
            """),
    ];

    public static int CurrentVersion => Migrations[^1].Version;

    /// <summary>The tables kse owns, in an order that copies and clears cleanly.</summary>
    public static readonly IReadOnlyList<string> Tables = ["audit_entries", "takeover_levels", "elevations", "approvals", "feedback", "feedback_proposals", "rollouts", "observations"];

    /// <summary>The highest applied version, 0 for a database kse has not touched (schema_version is created here if missing).</summary>
    public static async ValueTask<int> CurrentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var cmd = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", connection, transaction);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}
