using System.Collections.Concurrent;
using System.Diagnostics;
using Kse.Core;
using Kse.Core.Audit;
using LiteDB;

namespace Kse.Storage;

/// <summary>
/// The audit trail in its own LiteDB file (<see cref="AuditDatabase"/>). Appends of one process go through a
/// single writer thread that seals a batch of waiting entries inside one transaction and acknowledges each
/// caller only after the commit and a checkpoint flushed it to the data file (group commit). The head is read
/// inside the transaction, under the lease (an exclusive OS lock), so several <c>kse</c> processes on the same
/// workspace extend one chain.
/// Do not await an append while enumerating the trail through a reader: the writer would wait for that lease.
/// </summary>
public sealed class LiteDbAuditTrail : IAuditTrail, IDisposable
{
    internal const string CollectionName = "audit";
    private const int MaxBatch = 1024;
    private const long LingerMicroseconds = 1_000;

    private readonly AuditDatabase _database;
    private readonly TimeProvider _clock;
    private readonly BlockingCollection<Pending> _queue = new(new ConcurrentQueue<Pending>());
    private readonly Lock _startLock = new();
    private Thread? _writer;
    private bool _indexesEnsured;
    private int _disposed;

    public LiteDbAuditTrail(AuditDatabase database, TimeProvider clock, int maxParameterBytes = AuditSealer.DefaultMaxParameterBytes)
    {
        _database = database;
        _clock = clock;
        _maxParameterBytes = maxParameterBytes;
    }

    private readonly int _maxParameterBytes;

    public ValueTask<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var prepared = AuditSealer.Prepare(draft, _maxParameterBytes);
        var pending = new Pending(prepared);
        EnsureWriter();
        try
        {
            _queue.Add(pending, CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            throw new KseException("audit.closed", "the audit trail is closed; the action must not run", KseErrorKind.Failure);
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
                throw new KseException("audit.closed", "the audit trail is closed; the action must not run", KseErrorKind.Failure);
            }

            if (_writer is null)
            {
                // A dedicated thread: a LiteDB transaction belongs to the thread that began it.
                var t = new Thread(WriterLoop) { IsBackground = true, Name = "kse-audit-writer" };
                t.Start();
                _writer = t;
            }
        }
    }

    private void WriterLoop()
    {
        var batch = new List<Pending>(MaxBatch);
        var lastBatchSize = 1;
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < MaxBatch && _queue.TryTake(out var more))
            {
                batch.Add(more);
            }

            // Callers acknowledged by the last commit come back within moments; a commit costs milliseconds.
            // Wait briefly for as many as the last batch had, so they share one commit instead of splitting it.
            if (batch.Count < lastBatchSize)
            {
                var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * LingerMicroseconds / 1_000_000);
                while (batch.Count < lastBatchSize)
                {
                    var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    if (left <= TimeSpan.Zero || !_queue.TryTake(out var late, left))
                    {
                        break;
                    }

                    batch.Add(late);
                }
            }

            lastBatchSize = batch.Count;

            try
            {
                AuditEntry[] sealedEntries;
                using (var lease = _database.Acquire())
                {
                    try
                    {
                        sealedEntries = Commit(lease, batch);
                    }
                    catch
                    {
                        lease.Break(); // reopen the file for the next batch rather than trust the engine's state
                        throw;
                    }
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Completion.TrySetResult(sealedEntries[i]);
                }
            }
            catch (Exception ex)
            {
                var error = ex as KseException ?? new KseException("audit.append_failed", $"the audit trail could not be written, so the action must not run: {ex.Message}", KseErrorKind.Failure, ex);
                foreach (var p in batch)
                {
                    p.Completion.TrySetException(error);
                }
            }
        }
    }

    private AuditEntry[] Commit(AuditLease lease, List<Pending> batch)
    {
        var db = lease.Database;
        var col = db.GetCollection(CollectionName);
        if (!_indexesEnsured)
        {
            var before = lease.LogMark;
            if (col.EnsureIndex("ts", "$.ts"))
            {
                lease.MakeDurable(before);
            }

            _indexesEnsured = true;
        }

        var mark = lease.LogMark;
        if (!db.BeginTrans())
        {
            throw new KseException("audit.append_failed", "the audit trail could not start a transaction", KseErrorKind.Failure);
        }

        var committed = false;
        try
        {
            var head = AuditDocuments.ReadHead(col);
            var now = _clock.GetUtcNow();
            var result = new AuditEntry[batch.Count];
            var docs = new BsonDocument[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var e = AuditSealer.Seal(batch[i].Prepared, head, now);
                result[i] = e;
                docs[i] = AuditDocuments.ToDocument(e);
                head = new AuditHead(e.Sequence, e.Hash, e.Timestamp);
            }

            col.InsertBulk(docs, batch.Count);
            committed = db.Commit();
            if (!committed)
            {
                throw new KseException("audit.append_failed", "the audit trail transaction did not commit", KseErrorKind.Failure);
            }

            // Direct mode's commit only queues the log pages for a background writer: wait until they are in the
            // log file and flush it to disk. Only then is the batch acknowledged.
            lease.MakeDurable(mark);
            return result;
        }
        finally
        {
            if (!committed)
            {
                try
                {
                    db.Rollback();
                }
                catch (LiteException)
                {
                }
            }
        }
    }

    public void Dispose()
    {
        // Registered as itself and as IAuditTrail: the container disposes the one instance twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Thread? writer;
        lock (_startLock)
        {
            _queue.CompleteAdding();
            writer = _writer;
        }

        // The writer drains what was queued before it stops, so every accepted append is committed or failed.
        writer?.Join();
        _queue.Dispose();
    }

    private sealed class Pending(AuditEntry prepared)
    {
        public AuditEntry Prepared { get; } = prepared;

        public TaskCompletionSource<AuditEntry> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
