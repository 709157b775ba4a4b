using System.Text.Json;
using Kse.Core;
using Kse.Core.Feedback;
using Kse.Core.Learning;
using Kse.Core.Rollouts;
using Npgsql;

namespace Kse.Storage.Postgres;

/// <summary>Feedback items (<c>feedback</c>) and troubleshooting proposals (<c>feedback_proposals</c>): the record as JSON plus the columns queries use. Updates are conditional on the revision.</summary>
public sealed class PostgresFeedbackStore(PostgresStore store) : IFeedbackStore
{
    public ValueTask InsertAsync(FeedbackItem item, CancellationToken cancellationToken = default) => Done(store.RunAsync((c, ct) => InsertAsync(c, item, ct), cancellationToken));

    internal static async ValueTask<bool> InsertAsync(NpgsqlConnection c, FeedbackItem item, CancellationToken ct)
    {
        await using var cmd = Bind(Sql.Command(c, "INSERT INTO feedback (id, project, fingerprint, state, severity, type, created_at, last_seen, revision, json) VALUES (@id, @project, @fingerprint, @state, @severity, @type, @created, @seen, @revision, @json)"), item);
        await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }

    public ValueTask<FeedbackItem?> GetAsync(string id, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "SELECT id, json FROM feedback WHERE id = @id").Text("id", id);
        return (await Sql.ListAsync(cmd, ReadItem, ct)).FirstOrDefault();
    }, cancellationToken);

    public ValueTask<FeedbackItem?> FindByFingerprintAsync(string project, string fingerprint, DateTimeOffset since, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "SELECT id, json FROM feedback WHERE project = @p AND fingerprint = @f AND last_seen >= @since ORDER BY last_seen DESC LIMIT 1")
            .Text("p", project).Text("f", fingerprint).Ticks("since", since);
        return (await Sql.ListAsync(cmd, ReadItem, ct)).FirstOrDefault();
    }, cancellationToken);

    public ValueTask<bool> TryUpdateAsync(FeedbackItem item, int expectedRevision, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Bind(Sql.Command(c, "UPDATE feedback SET project = @project, fingerprint = @fingerprint, state = @state, severity = @severity, type = @type, created_at = @created, last_seen = @seen, revision = @revision, json = @json WHERE id = @id AND revision = @expected"), item)
            .Int("expected", expectedRevision);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }, cancellationToken);

    public ValueTask<IReadOnlyList<FeedbackItem>> ListAsync(FeedbackQuery query, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, """
            SELECT id, json FROM feedback
            WHERE (@p::text IS NULL OR project = @p) AND (@s::text IS NULL OR state = @s) AND (@sev::text IS NULL OR severity = @sev) AND (@t::text IS NULL OR type = @t)
              AND (NOT @open OR state NOT IN ('resolved', 'verified')) AND (@from::bigint IS NULL OR last_seen >= @from) AND (@to::bigint IS NULL OR created_at < @to)
            ORDER BY created_at DESC, id LIMIT @limit
            """)
            .Text("p", query.Project).Text("s", query.State).Text("sev", query.Severity).Text("t", query.Type).Ticks("from", query.From).Ticks("to", query.To).Long("limit", Math.Max(1, query.Limit));
        cmd.Parameters.AddWithValue("open", query.OpenOnly);
        return (IReadOnlyList<FeedbackItem>)await Sql.ListAsync(cmd, ReadItem, ct);
    }, cancellationToken);

    public ValueTask InsertProposalAsync(TroubleshootingProposal proposal, CancellationToken cancellationToken = default) => Done(store.RunAsync((c, ct) => InsertProposalAsync(c, proposal, ct), cancellationToken));

    internal static async ValueTask<bool> InsertProposalAsync(NpgsqlConnection c, TroubleshootingProposal p, CancellationToken ct)
    {
        await using var cmd = Sql.Command(c, "INSERT INTO feedback_proposals (id, project, fingerprint, created_at, json) VALUES (@id, @p, @f, @at, @json)")
            .Text("id", p.Id).Text("p", p.Project).Text("f", p.Fingerprint).Ticks("at", p.CreatedAt).Text("json", JsonSerializer.Serialize(p, KseJson.Options));
        await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }

    public ValueTask<TroubleshootingProposal?> FindProposalAsync(string project, string fingerprint, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "SELECT json FROM feedback_proposals WHERE project = @p AND fingerprint = @f ORDER BY created_at LIMIT 1").Text("p", project).Text("f", fingerprint);
        return (await Sql.ListAsync(cmd, r => JsonSerializer.Deserialize<TroubleshootingProposal>(r.GetString(0), KseJson.Options), ct)).FirstOrDefault();
    }, cancellationToken);

    public ValueTask<IReadOnlyList<TroubleshootingProposal>> ListProposalsAsync(string? project, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "SELECT json FROM feedback_proposals WHERE (@p::text IS NULL OR project = @p) ORDER BY created_at DESC, id").Text("p", project);
        return (IReadOnlyList<TroubleshootingProposal>)await Sql.ListAsync(cmd, r => JsonSerializer.Deserialize<TroubleshootingProposal>(r.GetString(0), KseJson.Options)!, ct);
    }, cancellationToken);

    private static NpgsqlCommand Bind(NpgsqlCommand cmd, FeedbackItem item) =>
        cmd.Text("id", item.Id).Text("project", item.Project).Text("fingerprint", item.Fingerprint).Text("state", item.State).Text("severity", item.Severity)
            .Text("type", item.Type).Ticks("created", item.CreatedAt).Ticks("seen", item.LastSeenAt).Int("revision", item.Revision)
            .Text("json", JsonSerializer.Serialize(item, KseJson.Options));

    private static FeedbackItem ReadItem(NpgsqlDataReader r) =>
        JsonSerializer.Deserialize<FeedbackItem>(r.GetString(1), KseJson.Options)
        ?? throw new KseException("feedback.store_unreadable", $"feedback item {r.GetString(0)} could not be read", KseErrorKind.Failure);

    internal static async ValueTask Done<T>(ValueTask<T> work) => await work;
}

/// <summary>Rollouts (<c>rollouts</c>): the rollout as JSON plus state, project, update time and revision; updates are conditional on the revision, so two servers cannot both advance one rollout.</summary>
public sealed class PostgresRolloutStore(PostgresStore store) : IRolloutStore
{
    public ValueTask InsertAsync(Rollout rollout, CancellationToken cancellationToken = default) => PostgresFeedbackStore.Done(store.RunAsync((c, ct) => InsertAsync(c, rollout, ct), cancellationToken));

    internal static async ValueTask<bool> InsertAsync(NpgsqlConnection c, Rollout rollout, CancellationToken ct)
    {
        await using var cmd = Bind(Sql.Command(c, "INSERT INTO rollouts (id, state, project, updated, revision, json) VALUES (@id, @state, @project, @updated, @revision, @json)"), rollout);
        await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }

    public ValueTask<Rollout?> GetAsync(string id, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "SELECT id, json FROM rollouts WHERE id = @id").Text("id", id);
        return (await Sql.ListAsync(cmd, Read, ct)).FirstOrDefault();
    }, cancellationToken);

    public ValueTask<bool> TryUpdateAsync(Rollout rollout, int expectedRevision, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Bind(Sql.Command(c, "UPDATE rollouts SET state = @state, project = @project, updated = @updated, revision = @revision, json = @json WHERE id = @id AND revision = @expected"), rollout)
            .Int("expected", expectedRevision);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }, cancellationToken);

    public ValueTask<IReadOnlyList<Rollout>> ListAsync(int limit, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "SELECT id, json FROM rollouts ORDER BY updated DESC, id LIMIT @limit").Long("limit", Math.Max(0, limit));
        return (IReadOnlyList<Rollout>)await Sql.ListAsync(cmd, Read, ct);
    }, cancellationToken);

    private static NpgsqlCommand Bind(NpgsqlCommand cmd, Rollout r) =>
        cmd.Text("id", r.Id).Text("state", r.State).Text("project", r.Project).Ticks("updated", r.UpdatedAt).Int("revision", r.Revision).Text("json", JsonSerializer.Serialize(r, KseJson.Options));

    private static Rollout Read(NpgsqlDataReader r)
    {
        try
        {
            return JsonSerializer.Deserialize<Rollout>(r.GetString(1), KseJson.Options) ?? throw new InvalidDataException("empty");
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            throw new KseException("storage.corrupt", $"rollout '{r.GetString(0)}' in the PostgreSQL store cannot be read: {ex.Message}", KseErrorKind.Failure, ex);
        }
    }
}

/// <summary>Observations (<c>observations</c>): append-only records of humans' operations, as JSON plus project, environment and start time.</summary>
public sealed class PostgresObservationStore(PostgresStore store) : IObservationStore
{
    public ValueTask InsertAsync(IReadOnlyList<Observation> observations, CancellationToken cancellationToken = default) =>
        observations.Count == 0 ? ValueTask.CompletedTask : PostgresFeedbackStore.Done(store.RunAsync((c, ct) => InsertAsync(c, observations, ct), cancellationToken));

    internal static async ValueTask<bool> InsertAsync(NpgsqlConnection c, IReadOnlyList<Observation> observations, CancellationToken ct)
    {
        await using var tx = await c.BeginTransactionAsync(ct);
        foreach (var o in observations)
        {
            await using var cmd = Sql.Command(c, "INSERT INTO observations (id, project, environment, started_at, json) VALUES (@id, @p, @e, @at, @json)", tx)
                .Text("id", o.Id).Text("p", o.Project).Text("e", o.Environment).Ticks("at", o.StartedAt).Text("json", JsonSerializer.Serialize(o, KseJson.Options));
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return true;
    }

    public ValueTask<IReadOnlyList<Observation>> ListAsync(ObservationQuery query, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "SELECT json FROM (SELECT json, started_at, id FROM observations WHERE project = @p AND (@e::text IS NULL OR environment = @e) AND (@since::bigint IS NULL OR started_at >= @since) ORDER BY started_at DESC, id DESC LIMIT @limit) newest ORDER BY started_at, id")
            .Text("p", query.Project).Text("e", query.Environment).Ticks("since", query.Since).Long("limit", Math.Max(1, query.Limit));
        return (IReadOnlyList<Observation>)await Sql.ListAsync(cmd, r => JsonSerializer.Deserialize<Observation>(r.GetString(0), KseJson.Options)!, ct);
    }, cancellationToken);

    public ValueTask<int> CountAsync(string project, CancellationToken cancellationToken = default) => store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, "SELECT count(*) FROM observations WHERE project = @p").Text("p", project);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }, cancellationToken);
}
