using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Kse.Core;
using Kse.Core.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Kse.Storage.Postgres;

/// <summary>
/// The audit trail in PostgreSQL, one chain for every server and <c>kse</c> process that shares the database. Appends of one
/// process go through a single writer that seals every waiting entry in one transaction (group commit): it locks the one row
/// of <c>audit_head</c> (<c>SELECT … FOR UPDATE</c>), so transactions of all processes are serialised on it, takes the
/// sequence, previous hash and timestamp from it, inserts the entries, moves the head and commits with
/// <c>synchronous_commit = on</c>. A caller is acknowledged only after that commit, so every acknowledged entry is durable.
/// </summary>
public sealed class PostgresAuditTrail : IAuditTrail, IAsyncDisposable, IDisposable
{
    private const int MaxBatch = 1024;

    private readonly PostgresStore _store;
    private readonly TimeProvider _clock;
    private readonly int _maxParameterBytes;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _startLock = new();
    private Task? _writer;
    private int _disposed;

    public PostgresAuditTrail(PostgresStore store, TimeProvider clock, int maxParameterBytes = AuditSealer.DefaultMaxParameterBytes)
    {
        _store = store;
        _clock = clock;
        _maxParameterBytes = maxParameterBytes;
    }

    public ValueTask<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(AuditSealer.Prepare(draft, _maxParameterBytes));
        EnsureWriter();
        if (!_queue.Writer.TryWrite(pending))
        {
            throw Closed();
        }

        // Once queued, the entry is written whatever the caller's token says: the caller learns the outcome.
        return new ValueTask<AuditEntry>(pending.Completion.Task);
    }

    private void EnsureWriter()
    {
        if (_writer is not null)
        {
            return;
        }

        lock (_startLock)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw Closed();
            }

            _writer ??= Task.Run(WriterLoopAsync);
        }
    }

    private async Task WriterLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var p))
            {
                batch.Add(p);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            // The first commit after an outage records what was refused meanwhile, ahead of the batch and in its transaction.
            var outageNote = _outage.Take(_store.Target);
            if (outageNote is not null)
            {
                batch.Insert(0, new Pending(AuditSealer.Prepare(outageNote, _maxParameterBytes)));
            }

            try
            {
                var attempt = new StrongBox<AuditEntry[]?>();
                var sealedEntries = await _store.RunAsync((c, ct) => CommitAsync(c, batch, attempt, ct), CancellationToken.None);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Completion.TrySetResult(sealedEntries[i]);
                }
            }
            catch (Exception ex)
            {
                var error = ex as KseException ?? new KseException("audit.append_failed", $"the audit trail could not be written, so the action must not run: {ex.Message}", KseErrorKind.Failure, ex);
                if (outageNote is not null)
                {
                    _outage.Restore(outageNote);
                    batch.RemoveAt(0);
                }

                if (error.Code == "store.unavailable")
                {
                    _outage.Refused(batch.Select(p => p.Prepared.OperationType), _clock.GetUtcNow(), error.Message);
                }

                foreach (var p in batch)
                {
                    p.Completion.TrySetException(error);
                }
            }
        }
    }

    /// <param name="attempt">
    /// The entries of this batch's previous attempt, set just before its COMMIT is sent. When the connection broke during the
    /// commit, the outcome is unknown: the retry finds the head at that attempt's last entry and acknowledges those entries
    /// instead of appending the batch a second time.
    /// </param>
    private async ValueTask<AuditEntry[]> CommitAsync(NpgsqlConnection c, List<Pending> batch, StrongBox<AuditEntry[]?> attempt, CancellationToken ct)
    {
        await using var tx = await c.BeginTransactionAsync(ct);
        await using (var sync = Sql.Command(c, "SET LOCAL synchronous_commit = on", tx))
        {
            await sync.ExecuteNonQueryAsync(ct);
        }

        AuditHead? head;
        await using (var read = Sql.Command(c, "SELECT seq, hash, ts_ticks FROM audit_head WHERE id = 1 FOR UPDATE", tx))
        await using (var r = await read.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct))
            {
                throw new KseException("store.schema_mismatch", $"the PostgreSQL store {_store.Target} has no audit head row; run 'kse store migrate'", KseErrorKind.Failure);
            }

            head = r.GetInt64(0) == 0 ? null : new AuditHead(r.GetInt64(0), r.GetString(1), new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero));
        }

        if (attempt.Value is { Length: > 0 } previous && head is not null && head.Sequence == previous[^1].Sequence && head.Hash == previous[^1].Hash)
        {
            await tx.RollbackAsync(ct);
            return previous;
        }

        // The time is read after the lock: sequence order and time order agree across servers.
        var now = _clock.GetUtcNow();
        var result = new AuditEntry[batch.Count];
        var npgBatch = new NpgsqlBatch(c, tx);
        await using (npgBatch)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var e = AuditSealer.Seal(batch[i].Prepared, head, now);
                result[i] = e;
                npgBatch.BatchCommands.Add(Insert(e));
                head = new AuditHead(e.Sequence, e.Hash, e.Timestamp);
            }

            var move = new NpgsqlBatchCommand("UPDATE audit_head SET seq = $1, hash = $2, ts_ticks = $3 WHERE id = 1");
            move.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = head!.Sequence });
            move.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = head.Hash });
            move.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = head.Timestamp.UtcTicks });
            npgBatch.BatchCommands.Add(move);
            await npgBatch.ExecuteNonQueryAsync(ct);
        }

        attempt.Value = result;
        await tx.CommitAsync(ct);
        return result;
    }

    internal static NpgsqlBatchCommand Insert(AuditEntry e)
    {
        var cmd = new NpgsqlBatchCommand("INSERT INTO audit_entries (seq, ts, actor_name, op, project, env, outcome, corr, related, entry) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
        void Add(NpgsqlDbType type, object? value) => cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type, Value = value ?? DBNull.Value });
        Add(NpgsqlDbType.Bigint, e.Sequence);
        Add(NpgsqlDbType.TimestampTz, e.Timestamp.UtcDateTime);
        Add(NpgsqlDbType.Text, Sql.Column(e.ActorName));
        Add(NpgsqlDbType.Text, Sql.Column(e.OperationType));
        Add(NpgsqlDbType.Text, Sql.Column(e.Project));
        Add(NpgsqlDbType.Text, Sql.Column(e.Environment));
        Add(NpgsqlDbType.Text, Sql.Column(e.Outcome));
        Add(NpgsqlDbType.Text, Sql.Column(e.CorrelationId));
        Add(NpgsqlDbType.Array | NpgsqlDbType.Text, e.RelatedProjects?.Select(Sql.Column).ToArray());

        // System.Text.Json escapes control characters (NUL included), so the sealed entry is kept exactly.
        Add(NpgsqlDbType.Text, JsonSerializer.Serialize(e, KseJson.Options));
        return cmd;
    }

    private static KseException Closed() => new("audit.closed", "the audit trail is closed; the action must not run", KseErrorKind.Failure);

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as IAuditTrail: the container disposes the one instance twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Task? writer;
        lock (_startLock)
        {
            _queue.Writer.TryComplete();
            writer = _writer;
        }

        // The writer drains what was queued before it stops, so every accepted append is committed or failed.
        if (writer is not null)
        {
            await writer;
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private readonly Outage _outage = new();

    /// <summary>Appends refused while the store was unavailable (writer thread only), recorded as one entry once it is back.</summary>
    private sealed class Outage
    {
        private readonly SortedSet<string> _types = new(StringComparer.Ordinal);
        private int _count;
        private DateTimeOffset _from;
        private DateTimeOffset _to;
        private string? _error;
        private AuditDraft? _restored;

        public void Refused(IEnumerable<string> operationTypes, DateTimeOffset at, string error)
        {
            foreach (var t in operationTypes)
            {
                _count++;
                if (_types.Count < 20)
                {
                    _types.Add(t);
                }
            }

            if (_from == default)
            {
                _from = at;
            }

            _to = at;
            _error = error;
        }

        public AuditDraft? Take(string target)
        {
            if (_restored is { } again)
            {
                _restored = null;
                return again;
            }

            if (_count == 0)
            {
                return null;
            }

            var note = new AuditDraft
            {
                Actor = Actor.Server,
                OperationType = "store.unavailable",
                Target = target,
                Outcome = "refused",
                ErrorContext = _error,
                Parameters = new Dictionary<string, string?>
                {
                    ["refusedAppends"] = _count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["from"] = AuditCanonical.FormatTimestamp(_from),
                    ["to"] = AuditCanonical.FormatTimestamp(_to),
                    ["operationTypes"] = string.Join(",", _types),
                },
            };
            _types.Clear();
            _count = 0;
            _from = default;
            _error = null;
            return note;
        }

        public void Restore(AuditDraft note) => _restored = note;
    }

    private sealed class Pending(AuditEntry prepared)
    {
        public AuditEntry Prepared { get; } = prepared;

        public TaskCompletionSource<AuditEntry> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
