using Kse.Core;
using Kse.Core.Audit;
using LiteDB;

namespace Kse.Storage;

/// <summary>Reads the audit trail from its LiteDB file, each read under a lease (an enumeration holds it until it ends).</summary>
public sealed class LiteDbAuditReader : IAuditReader
{
    private const int DefaultLimit = 100;
    private readonly AuditDatabase _database;

    public LiteDbAuditReader(AuditDatabase database)
    {
        _database = database;
    }

    private static ILiteCollection<BsonDocument> Collection(AuditLease lease) => lease.Database.GetCollection(LiteDbAuditTrail.CollectionName);

    public ValueTask<AuditHead?> HeadAsync(CancellationToken cancellationToken = default)
    {
        if (!_database.Exists)
        {
            return ValueTask.FromResult<AuditHead?>(null);
        }

        return ValueTask.FromResult(Guard(() =>
        {
            using var lease = _database.Acquire();
            return AuditDocuments.ReadHead(Collection(lease));
        }));
    }

    public IAsyncEnumerable<AuditEntry> ReadChainAsync(CancellationToken cancellationToken = default) => Guarded(ReadChain(cancellationToken)).ToAsyncEnumerable();

    public IAsyncEnumerable<AuditEntry?> WalkChainAsync(CancellationToken cancellationToken = default) => Guarded(WalkChain(cancellationToken)).ToAsyncEnumerable();

    public ValueTask<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Guard(() => Query(query)));

    public IAsyncEnumerable<AuditEntry> ScanAsync(AuditQuery query, CancellationToken cancellationToken = default) => Guarded(Scan(query, cancellationToken)).ToAsyncEnumerable();

    private IEnumerable<AuditEntry> ReadChain(CancellationToken cancellationToken)
    {
        long last = 0;
        foreach (var e in WalkChain(cancellationToken))
        {
            if (e is null)
            {
                throw new KseException("audit.entry_unreadable", $"the stored entry after sequence {last} is not a readable audit entry; run 'kse audit verify'", KseErrorKind.CheckFailed);
            }

            last = e.Sequence;
            yield return e;
        }
    }

    private IEnumerable<AuditEntry?> WalkChain(CancellationToken cancellationToken)
    {
        if (!_database.Exists)
        {
            yield break;
        }

        using var lease = _database.Acquire();
        foreach (var doc in Collection(lease).Query().OrderBy("_id").ToEnumerable())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return AuditDocuments.TryFromDocument(doc);
        }
    }

    private IReadOnlyList<AuditEntry> Query(AuditQuery query)
    {
        if (!_database.Exists)
        {
            return [];
        }

        using var lease = _database.Acquire();
        var col = Collection(lease);
        var limit = query.Limit is > 0 ? query.Limit.Value : DefaultLimit;
        var newestFirst = Build(col, query, descending: true).Limit(limit).ToEnumerable().Select(AuditDocuments.FromDocument).ToList();
        newestFirst.Reverse();
        return newestFirst;
    }

    private IEnumerable<AuditEntry> Scan(AuditQuery query, CancellationToken cancellationToken)
    {
        if (!_database.Exists)
        {
            yield break;
        }

        using var lease = _database.Acquire();
        var q = Build(Collection(lease), query, descending: false);
        var source = query.Limit is > 0 ? q.Limit(query.Limit.Value).ToEnumerable() : q.ToEnumerable();
        foreach (var doc in source)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return AuditDocuments.FromDocument(doc);
        }
    }

    private T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_database.DisplayPath, ex);
        }
    }

    /// <summary>The items of <paramref name="source"/>, a failure of the file while reading them leaving as <c>store.unreadable</c>.</summary>
    private IEnumerable<T> Guarded<T>(IEnumerable<T> source)
    {
        using var e = Guard(source.GetEnumerator);
        while (Guard(e.MoveNext))
        {
            yield return e.Current;
        }
    }

    private static ILiteQueryable<BsonDocument> Build(ILiteCollection<BsonDocument> col, AuditQuery query, bool descending)
    {
        var q = col.Query();
        // Timestamps never go back along the chain (see AuditSealer.Seal), so the ts index gives sequence order.
        if (query.From is { } from && query.To is { } to)
        {
            // One index range (LiteDB uses a single indexed term); the exclusive end is filtered within it.
            q = q.Where(LiteDB.Query.Between("ts", from.UtcDateTime, to.UtcDateTime)).Where(LiteDB.Query.LT("ts", to.UtcDateTime));
        }
        else if (query.From is { } onlyFrom)
        {
            q = q.Where(LiteDB.Query.GTE("ts", onlyFrom.UtcDateTime));
        }
        else if (query.To is { } onlyTo)
        {
            q = q.Where(LiteDB.Query.LT("ts", onlyTo.UtcDateTime));
        }

        if (query.Project is { } project)
        {
            q = q.Where(BsonExpression.Create("($.project = @0 OR $.related[*] ANY = @0)", new BsonValue(project)));
        }

        if (query.OperationType is { } type)
        {
            q = q.Where(LiteDB.Query.EQ("op", type));
        }

        if (query.Outcome is { } outcome)
        {
            q = q.Where(BsonExpression.Create("LOWER($.outcome) = @0", new BsonValue(outcome.ToLowerInvariant())));
        }

        if (query.User is { } user)
        {
            q = q.Where(BsonExpression.Create("LOWER($.an) = @0", new BsonValue(user.ToLowerInvariant())));
        }

        if (query.Environment is { } env)
        {
            q = q.Where(LiteDB.Query.EQ("env", env));
        }

        if (query.CorrelationId is { } correlation)
        {
            // The id itself or one nested under it (AuditQuery.CorrelationMatches): an index range on the prefix.
            q = q.Where(LiteDB.Query.Or(LiteDB.Query.EQ("corr", correlation), LiteDB.Query.StartsWith("corr", correlation + "-")));
        }

        // Always in sequence order: entries sealed in the same millisecond share a timestamp, so ordering by the ts index could
        // return them out of sequence (the range above still uses that index to find them).
        return descending ? q.OrderByDescending("_id") : q.OrderBy("_id");
    }
}
