using Kse.Core;
using Kse.Core.Rollouts;
using LiteDB;
using JsonSerializer = System.Text.Json.JsonSerializer;

namespace Kse.Storage.Rollouts;

/// <summary>
/// Rollouts in the workspace's kse.db: collection <c>rollouts</c>, the rollout as JSON plus its indexed state, project, update
/// time and revision. Updates are conditional on the revision, so two processes cannot both advance one rollout.
/// </summary>
public sealed class LiteRolloutStore(KseDatabase db) : IRolloutStore
{
    private const string Name = "rollouts";
    private bool _indexed;

    private ILiteCollection<BsonDocument> Collection
    {
        get
        {
            var c = db.Database.GetCollection(Name);
            if (!_indexed)
            {
                c.EnsureIndex("updated");
                _indexed = true;
            }

            return c;
        }
    }

    public ValueTask InsertAsync(Rollout rollout, CancellationToken cancellationToken = default)
    {
        try
        {
            Collection.Insert(ToDocument(rollout));
            return ValueTask.CompletedTask;
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(db.DisplayPath, ex);
        }
    }

    public ValueTask<Rollout?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        try
        {
            var d = Collection.FindById(id);
            return ValueTask.FromResult(d is null ? null : ToRollout(d));
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(db.DisplayPath, ex);
        }
    }

    public ValueTask<bool> TryUpdateAsync(Rollout rollout, int expectedRevision, CancellationToken cancellationToken = default)
    {
        try
        {
            var c = Collection;
            var ok = false;
            db.Database.BeginTrans();
            try
            {
                var current = c.FindById(rollout.Id);
                if (current is not null && current["revision"].AsInt32 == expectedRevision)
                {
                    ok = c.Update(ToDocument(rollout));
                }

                db.Database.Commit();
            }
            catch
            {
                db.Database.Rollback();
                throw;
            }

            return ValueTask.FromResult(ok);
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(db.DisplayPath, ex);
        }
    }

    public ValueTask<IReadOnlyList<Rollout>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        try
        {
            IReadOnlyList<Rollout> list = Collection.Find(Query.All("updated", Query.Descending), limit: limit).Select(ToRollout).ToList();
            return ValueTask.FromResult(list);
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(db.DisplayPath, ex);
        }
    }

    private static BsonDocument ToDocument(Rollout r) => new()
    {
        ["_id"] = r.Id,
        ["state"] = r.State,
        ["project"] = r.Project,
        ["updated"] = r.UpdatedAt.UtcTicks,
        ["revision"] = r.Revision,
        ["json"] = JsonSerializer.Serialize(r, KseJson.Options),
    };

    private static Rollout ToRollout(BsonDocument d)
    {
        try
        {
            return JsonSerializer.Deserialize<Rollout>(d["json"].AsString, KseJson.Options) ?? throw new InvalidDataException("empty");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException or InvalidCastException)
        {
            throw new KseException("storage.corrupt", $"rollout '{d["_id"].AsString}' in the state database cannot be read: {ex.Message}", KseErrorKind.Failure, ex);
        }
    }
}
