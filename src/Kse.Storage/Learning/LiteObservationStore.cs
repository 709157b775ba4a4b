using JsonSerializer = System.Text.Json.JsonSerializer;
using Kse.Core;
using Kse.Core.Learning;
using LiteDB;

namespace Kse.Storage.Learning;

/// <summary>
/// Observations in their own LiteDB file, <c>.sce/state/observations.db</c>, readable by its owner only: collection
/// <c>observations</c> (the record as JSON plus indexed project, environment and start time). Append-only.
/// </summary>
public sealed class LiteObservationStore : IObservationStore, IDisposable
{
    private const string Collection = "observations";
    private readonly KseDatabase _db;
    private bool _ready;

    public LiteObservationStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _db = new KseDatabase(Path);
    }

    public string Path { get; }

    public static string PathIn(KseWorkspace workspace) => System.IO.Path.Combine(workspace.StateDir, "observations.db");

    private ILiteCollection<BsonDocument> Items
    {
        get
        {
            if (!_ready)
            {
                CreateOwnerOnly();
            }

            var c = _db.Database.GetCollection(Collection);
            if (!_ready)
            {
                c.EnsureIndex("project");
                c.EnsureIndex("startedAt");
                _ready = true;
            }

            return c;
        }
    }

    public ValueTask InsertAsync(IReadOnlyList<Observation> observations, CancellationToken cancellationToken = default)
    {
        try
        {
            if (observations.Count == 0)
            {
                return ValueTask.CompletedTask;
            }

            var items = Items;
            _db.Database.BeginTrans();
            try
            {
                items.InsertBulk(observations.Select(ToDocument));
                _db.Database.Commit();
            }
            catch
            {
                _db.Database.Rollback();
                throw;
            }

            Restrict(Path);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_db.DisplayPath, ex);
        }
    }

    public ValueTask<IReadOnlyList<Observation>> ListAsync(ObservationQuery query, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!File.Exists(Path))
            {
                return ValueTask.FromResult<IReadOnlyList<Observation>>([]);
            }

            var q = Items.Query().Where("project = @0", query.Project);
            if (query.Environment is not null)
            {
                q = q.Where("environment = @0", query.Environment);
            }

            if (query.Since is { } since)
            {
                q = q.Where("startedAt >= @0", since.UtcTicks);
            }

            IReadOnlyList<Observation> list = q.OrderByDescending("startedAt").Limit(Math.Max(1, query.Limit)).ToList()
                .Select(d => JsonSerializer.Deserialize<Observation>(d["json"].AsString, KseJson.Options)!)
                .OrderBy(o => o.StartedAt)
                .ToList();
            return ValueTask.FromResult(list);
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_db.DisplayPath, ex);
        }
    }

    /// <summary>Every stored observation, oldest first (for copying the store).</summary>
    internal IReadOnlyList<Observation> All() => File.Exists(Path)
        ? Items.Query().OrderBy("startedAt").ToList().Select(d => JsonSerializer.Deserialize<Observation>(d["json"].AsString, KseJson.Options)!).ToList()
        : [];

    public ValueTask<int> CountAsync(string project, CancellationToken cancellationToken = default) =>
        _db.Use(_ => ValueTask.FromResult(File.Exists(Path) ? Items.Count(BsonExpression.Create("project = @0", project)) : 0));

    private static BsonDocument ToDocument(Observation o) => new()
    {
        ["_id"] = o.Id,
        ["project"] = o.Project,
        ["environment"] = o.Environment,
        ["startedAt"] = o.StartedAt.UtcTicks,
        ["json"] = JsonSerializer.Serialize(o, KseJson.Options),
    };

    /// <summary>Creates the file readable and writable by its owner only before LiteDB opens it.</summary>
    private void CreateOwnerOnly()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        if (!File.Exists(Path) && !OperatingSystem.IsWindows())
        {
            using (new FileStream(Path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
            }
        }

        Restrict(Path);
    }

    private static void Restrict(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var file in new[] { path, System.IO.Path.ChangeExtension(path, null) + "-log.db" })
        {
            if (File.Exists(file))
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    public void Dispose() => _db.Dispose();
}
