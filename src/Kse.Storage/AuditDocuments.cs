using Kse.Core.Audit;
using LiteDB;

namespace Kse.Storage;

/// <summary>How an entry is laid out in LiteDB. <c>_id</c> is the storage order; <c>seq</c> is the hashed sequence.</summary>
internal static class AuditDocuments
{
    public static AuditHead? ReadHead(ILiteCollection<BsonDocument> col)
    {
        var last = col.Query().OrderByDescending("_id").Limit(1).FirstOrDefault();
        return last is null ? null : new AuditHead(last["seq"].AsInt64, last["hash"].AsString, ReadTimestamp(last["ts"]));
    }

    public static BsonDocument ToDocument(AuditEntry e)
    {
        var doc = new BsonDocument
        {
            ["_id"] = e.Sequence,
            ["seq"] = e.Sequence,
            ["ts"] = e.Timestamp.UtcDateTime,
            ["ak"] = e.ActorKind,
            ["an"] = e.ActorName,
            ["op"] = e.OperationType,
        };
        Put(doc, "project", e.Project);
        Put(doc, "version", e.Version);
        Put(doc, "env", e.Environment);
        Put(doc, "level", e.TakeoverLevel);
        Put(doc, "target", e.Target);
        if (e.Parameters is not null)
        {
            // Parameter names may hold characters LiteDB keys refuse; store as a list of pairs.
            doc["params"] = new BsonArray(e.Parameters.Select(kv => new BsonArray(new BsonValue(kv.Key), kv.Value is null ? BsonValue.Null : new BsonValue(kv.Value))));
        }

        Put(doc, "decision", e.Decision);
        PutList(doc, "rules", e.Rules);
        Put(doc, "outcome", e.Outcome);
        Put(doc, "error", e.ErrorContext);
        PutList(doc, "recovery", e.RecoveryAttempts);
        Put(doc, "corr", e.CorrelationId);
        PutList(doc, "related", e.RelatedProjects);
        doc["prev"] = e.PreviousHash;
        doc["hash"] = e.Hash;
        return doc;
    }

    public static AuditEntry FromDocument(BsonDocument doc)
    {
        Dictionary<string, string?>? parameters = null;
        if (doc.TryGetValue("params", out var p) && p.IsArray)
        {
            parameters = new Dictionary<string, string?>(p.AsArray.Count, StringComparer.Ordinal);
            foreach (var pair in p.AsArray)
            {
                var a = pair.AsArray;
                parameters[a[0].AsString] = a[1].IsNull ? null : a[1].AsString;
            }
        }

        return new AuditEntry
        {
            Sequence = doc["seq"].AsInt64,
            Timestamp = ReadTimestamp(doc["ts"]),
            ActorKind = doc["ak"].AsString,
            ActorName = doc["an"].AsString,
            OperationType = doc["op"].AsString,
            Project = Get(doc, "project"),
            Version = Get(doc, "version"),
            Environment = Get(doc, "env"),
            TakeoverLevel = Get(doc, "level"),
            Target = Get(doc, "target"),
            Parameters = parameters,
            Decision = Get(doc, "decision"),
            Rules = GetList(doc, "rules"),
            Outcome = Get(doc, "outcome"),
            ErrorContext = Get(doc, "error"),
            RecoveryAttempts = GetList(doc, "recovery"),
            CorrelationId = Get(doc, "corr"),
            RelatedProjects = GetList(doc, "related"),
            PreviousHash = doc["prev"].AsString,
            Hash = doc["hash"].AsString,
        };
    }

    /// <summary>The entry, or null when the document was edited into something that is no longer an entry.</summary>
    public static AuditEntry? TryFromDocument(BsonDocument doc)
    {
        try
        {
            return FromDocument(doc);
        }
        catch (Exception ex) when (ex is InvalidCastException or NullReferenceException or KeyNotFoundException or IndexOutOfRangeException or ArgumentException)
        {
            return null;
        }
    }

    public static DateTimeOffset ReadTimestamp(BsonValue value)
    {
        var dt = value.AsDateTime;
        var utc = dt.Kind == DateTimeKind.Utc ? dt : dt.ToUniversalTime();
        return new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
    }

    private static void Put(BsonDocument doc, string key, string? value)
    {
        if (value is not null)
        {
            doc[key] = value;
        }
    }

    private static void PutList(BsonDocument doc, string key, IReadOnlyList<string>? values)
    {
        if (values is not null)
        {
            doc[key] = new BsonArray(values.Select(v => new BsonValue(v)));
        }
    }

    private static string? Get(BsonDocument doc, string key) =>
        doc.TryGetValue(key, out var v) && !v.IsNull ? v.AsString : null;

    private static IReadOnlyList<string>? GetList(BsonDocument doc, string key)
    {
        if (!doc.TryGetValue(key, out var v) || !v.IsArray)
        {
            return null;
        }

        var array = v.AsArray;
        var list = new string[array.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = array[i].AsString;
        }

        return list;
    }
}
