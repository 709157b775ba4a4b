using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Kse.Core;
using Kse.Core.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Kse.Storage.Postgres;

/// <summary>
/// Reads the shared audit chain from PostgreSQL in sequence order. Long reads go page by page (keyset on the sequence), so a
/// verify of a long chain holds no connection or snapshot for long and each page is retried on its own.
/// </summary>
public sealed class PostgresAuditReader : IAuditReader
{
    private const int DefaultLimit = 100;
    private const int PageSize = 1000;
    private readonly PostgresStore _store;

    public PostgresAuditReader(PostgresStore store)
    {
        _store = store;
    }

    public ValueTask<AuditHead?> HeadAsync(CancellationToken cancellationToken = default) => _store.RunAsync(HeadAsync, cancellationToken);

    internal static async ValueTask<AuditHead?> HeadAsync(NpgsqlConnection c, CancellationToken ct)
    {
        await using var cmd = Sql.Command(c, "SELECT seq, hash, ts_ticks FROM audit_head WHERE id = 1");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) && r.GetInt64(0) > 0 ? new AuditHead(r.GetInt64(0), r.GetString(1), new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero)) : null;
    }

    public async IAsyncEnumerable<AuditEntry> ReadChainAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long last = 0;
        await foreach (var e in WalkChainAsync(cancellationToken))
        {
            if (e is null)
            {
                throw new KseException("audit.entry_unreadable", $"the stored entry after sequence {last} is not a readable audit entry; run 'kse audit verify'", KseErrorKind.CheckFailed);
            }

            last = e.Sequence;
            yield return e;
        }
    }

    public async IAsyncEnumerable<AuditEntry?> WalkChainAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var (_, entry) in PagesAsync(new AuditQuery(), cancellationToken))
        {
            yield return entry;
        }
    }

    public async ValueTask<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        var limit = query.Limit is > 0 ? query.Limit.Value : DefaultLimit;
        var newestFirst = await _store.RunAsync(
            async (c, ct) =>
            {
                await using var cmd = Sql.Command(c, "");
                cmd.CommandText = $"SELECT seq, entry FROM audit_entries WHERE {Where(cmd, query)} ORDER BY seq DESC LIMIT {limit}";
                return await Sql.ListAsync(cmd, r => Parse(r.GetString(1)), ct);
            },
            cancellationToken);
        var list = newestFirst.Select(e => e ?? throw Unreadable()).ToList();
        list.Reverse();
        return list;
    }

    public async IAsyncEnumerable<AuditEntry> ScanAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var n = 0;
        await foreach (var (seq, entry) in PagesAsync(query with { Limit = null }, cancellationToken))
        {
            if (query.Limit is > 0 && n++ >= query.Limit.Value)
            {
                yield break;
            }

            yield return entry ?? throw new KseException("audit.entry_unreadable", $"the stored entry {seq} is not a readable audit entry; run 'kse audit verify'", KseErrorKind.CheckFailed);
        }
    }

    private async IAsyncEnumerable<(long Seq, AuditEntry? Entry)> PagesAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var from = after;
            var page = await _store.RunAsync(
                async (c, ct) =>
                {
                    await using var cmd = Sql.Command(c, "");
                    cmd.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Bigint) { Value = from });
                    cmd.CommandText = $"SELECT seq, entry FROM audit_entries WHERE seq > @after AND {Where(cmd, query)} ORDER BY seq LIMIT {PageSize}";
                    return await Sql.ListAsync(cmd, r => (r.GetInt64(0), Parse(r.GetString(1))), ct);
                },
                cancellationToken);
            foreach (var row in page)
            {
                yield return row;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1].Item1;
        }
    }

    private static string Where(NpgsqlCommand cmd, AuditQuery q)
    {
        var sql = new StringBuilder("true");
        void Text(string name, string? value) => cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = Sql.Column(value)! });
        if (q.From is { } from)
        {
            cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from.UtcDateTime });
            sql.Append(" AND ts >= @from");
        }

        if (q.To is { } to)
        {
            cmd.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to.UtcDateTime });
            sql.Append(" AND ts < @to");
        }

        if (q.Project is { } project)
        {
            Text("project", project);
            sql.Append(" AND (project = @project OR @project = ANY(related))");
        }

        if (q.OperationType is { } op)
        {
            Text("op", op);
            sql.Append(" AND op = @op");
        }

        if (q.Outcome is { } outcome)
        {
            Text("outcome", outcome.ToLowerInvariant());
            sql.Append(" AND lower(outcome) = @outcome");
        }

        if (q.User is { } user)
        {
            Text("user", user.ToLowerInvariant());
            sql.Append(" AND lower(actor_name) = @user");
        }

        if (q.Environment is { } env)
        {
            Text("env", env);
            sql.Append(" AND env = @env");
        }

        if (q.CorrelationId is { } corr)
        {
            // The id itself or one nested under it (AuditQuery.CorrelationMatches), as the LiteDB reader does.
            Text("corr", corr);
            Text("corrchild", corr + "-");
            sql.Append(" AND (corr = @corr OR starts_with(corr, @corrchild))");
        }

        return sql.ToString();
    }

    /// <summary>The entry, or null when the stored text was edited into something that is no longer an entry (verify names it).</summary>
    internal static AuditEntry? Parse(string json)
    {
        try
        {
            var e = JsonSerializer.Deserialize<AuditEntry>(json, KseJson.Options);
            return e is { ActorKind: not null, ActorName: not null, OperationType: not null, PreviousHash: not null, Hash: not null } ? e : null;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    private static KseException Unreadable() => new("audit.entry_unreadable", "a stored entry is not a readable audit entry; run 'kse audit verify'", KseErrorKind.CheckFailed);
}
