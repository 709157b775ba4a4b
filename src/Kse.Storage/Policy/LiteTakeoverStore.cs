using Kse.Core.Policy;
using LiteDB;

namespace Kse.Storage.Policy;

/// <summary>Takeover levels (<c>takeover_levels</c>, one document per project/environment) and emergency elevations (<c>elevations</c>) in LiteDB.</summary>
public sealed class LiteTakeoverStore : ITakeoverStore
{
    private const string Levels = "takeover_levels";
    private const string Elevations = "elevations";
    private readonly KseDatabase _db;

    public LiteTakeoverStore(KseDatabase db)
    {
        _db = db;
    }

    private ILiteCollection<BsonDocument> LevelCollection => _db.Database.GetCollection(Levels);

    private ILiteCollection<BsonDocument> ElevationCollection => _db.Database.GetCollection(Elevations);

    // Reads are kept until kse.db (or its log) changes on disk, by this process or another: in shared mode every LiteDB
    // operation reopens the file, which costs more than the decision that needs the level. Writes here clear the cache too.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, object?> _reads = new(StringComparer.Ordinal);
    private string _readsStamp = "";

    private T Cached<T>(string key, Func<T> read)
    {
        var stamp = Kse.Core.FileStamp.Of([_db.Path, _db.Path.Replace(".db", "-log.db", StringComparison.Ordinal)], []);
        if (stamp != Volatile.Read(ref _readsStamp))
        {
            _reads.Clear();
            Volatile.Write(ref _readsStamp, stamp);
        }
        else if (_reads.TryGetValue(key, out var hit))
        {
            return (T)hit!;
        }

        var value = read();
        _reads[key] = value;
        return value;
    }

    private void Changed()
    {
        _reads.Clear();
        Volatile.Write(ref _readsStamp, "");
    }

    public ValueTask<TakeoverSetting?> GetLevelAsync(string project, EnvironmentKind environment, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Cached("level:" + Key(project, environment), () => _db.Use(_ =>
        {
            var doc = LevelCollection.FindById(Key(project, environment));
            return doc is null ? null : ToSetting(doc);
        })));

    public ValueTask<IReadOnlyList<TakeoverSetting>> ListLevelsAsync(string project, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<TakeoverSetting>>(_db.Use(_ => LevelCollection.Find(Query.EQ("project", project)).Select(ToSetting).OrderBy(s => s.Environment).ToList()));

    /// <summary>Every stored level (for copying the store).</summary>
    internal IReadOnlyList<TakeoverSetting> AllLevels() => _db.Use(_ => LevelCollection.FindAll().Select(ToSetting).ToList());

    public ValueTask SetLevelAsync(TakeoverSetting setting, CancellationToken cancellationToken = default)
    {
        Changed();
        _db.Use(_ => LevelCollection.Upsert(new BsonDocument
        {
            ["_id"] = Key(setting.Project, setting.Environment),
            ["project"] = setting.Project,
            ["environment"] = setting.Environment.Name(),
            ["level"] = setting.Level.ToString(),
            ["reason"] = setting.Reason,
            ["setBy"] = setting.SetBy,
            ["setAt"] = setting.SetAt.UtcTicks,
            ["auditSeq"] = setting.AuditSequence is { } seq ? seq : BsonValue.Null,
        }));
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<EmergencyElevation>> ListElevationsAsync(string? project = null, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Cached("elevations:" + project, () => _db.Use(_ =>
        {
            var docs = project is null ? ElevationCollection.FindAll() : ElevationCollection.Find(Query.EQ("project", project));
            return (IReadOnlyList<EmergencyElevation>)docs.Select(ToElevation).OrderByDescending(e => e.GrantedAt).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
        })));

    public ValueTask<EmergencyElevation?> GetElevationAsync(string id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_db.Use(_ =>
        {
            var doc = ElevationCollection.FindById(id);
            return doc is null ? null : ToElevation(doc);
        }));

    public ValueTask AddElevationAsync(EmergencyElevation e, CancellationToken cancellationToken = default)
    {
        Changed();
        _db.Use(_ => ElevationCollection.Insert(new BsonDocument
        {
            ["_id"] = e.Id,
            ["project"] = e.Project,
            ["environment"] = e.Environment.Name(),
            ["level"] = e.Level.ToString(),
            ["reason"] = e.Reason,
            ["grantedBy"] = e.GrantedBy,
            ["grantedAt"] = e.GrantedAt.UtcTicks,
            ["expiresAt"] = e.ExpiresAt.UtcTicks,
            ["requestId"] = e.RequestId is null ? BsonValue.Null : e.RequestId,
        }));
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RevokeElevationAsync(string id, string revokedBy, string reason, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        Changed();
        // One conditional update: of two concurrent revokes only one matches.
        var n = _db.Use(_ => ElevationCollection.UpdateMany(
            BsonExpression.Create("{ revokedAt: @0, revokedBy: @1, revokeReason: @2 }", at.UtcTicks, revokedBy, reason),
            BsonExpression.Create("_id = @0 AND revokedAt = null", id)));
        return ValueTask.FromResult(n == 1);
    }

    public ValueTask<bool> MarkExpiryRecordedAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        Changed();
        var n = _db.Use(_ => ElevationCollection.UpdateMany(
            BsonExpression.Create("{ expiryRecordedAt: @0 }", at.UtcTicks),
            BsonExpression.Create("_id = @0 AND expiryRecordedAt = null", id)));
        return ValueTask.FromResult(n == 1);
    }

    private static string Key(string project, EnvironmentKind env) => $"{project}/{env.Name()}";

    private static TakeoverSetting ToSetting(BsonDocument d) => new()
    {
        Project = d["project"].AsString,
        Environment = PolicyNames.ParseEnvironment(d["environment"].AsString),
        Level = PolicyNames.ParseLevel(d["level"].AsString),
        Reason = d["reason"].AsString,
        SetBy = d["setBy"].AsString,
        SetAt = Time(d["setAt"])!.Value,
        AuditSequence = d["auditSeq"].IsNull ? null : d["auditSeq"].AsInt64,
    };

    private static EmergencyElevation ToElevation(BsonDocument d) => new()
    {
        Id = d["_id"].AsString,
        Project = d["project"].AsString,
        Environment = PolicyNames.ParseEnvironment(d["environment"].AsString),
        Level = PolicyNames.ParseLevel(d["level"].AsString),
        Reason = d["reason"].AsString,
        GrantedBy = d["grantedBy"].AsString,
        GrantedAt = Time(d["grantedAt"])!.Value,
        ExpiresAt = Time(d["expiresAt"])!.Value,
        RevokedAt = Time(d["revokedAt"]),
        RevokedBy = Str(d["revokedBy"]),
        RevokeReason = Str(d["revokeReason"]),
        ExpiryRecordedAt = Time(d["expiryRecordedAt"]),
        RequestId = Str(d["requestId"]),
    };

    internal static DateTimeOffset? Time(BsonValue v) => v.IsNull ? null : new DateTimeOffset(v.AsInt64, TimeSpan.Zero);

    internal static string? Str(BsonValue v) => v.IsNull ? null : v.AsString;
}
