using JsonSerializer = System.Text.Json.JsonSerializer;
using Kse.Core;
using Kse.Core.Feedback;
using LiteDB;

namespace Kse.Storage.Feedback;

/// <summary>
/// Feedback in the workspace's kse.db: collection <c>feedback</c> (the item as JSON plus indexed project, fingerprint, state,
/// severity, times and revision) and <c>feedback_proposals</c>. Updates are conditional on the revision.
/// </summary>
public sealed class LiteFeedbackStore : IFeedbackStore
{
    private const string Items = "feedback";
    private const string Proposals = "feedback_proposals";
    private readonly KseDatabase _db;
    private bool _indexed;

    public LiteFeedbackStore(KseDatabase db)
    {
        _db = db;
    }

    private ILiteCollection<BsonDocument> Collection
    {
        get
        {
            var c = _db.Database.GetCollection(Items);
            if (!_indexed)
            {
                c.EnsureIndex("project");
                c.EnsureIndex("fingerprint");
                _indexed = true;
            }

            return c;
        }
    }

    public ValueTask InsertAsync(FeedbackItem item, CancellationToken cancellationToken = default)
    {
        try
        {
            Collection.Insert(ToDocument(item));
            return ValueTask.CompletedTask;
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_db.DisplayPath, ex);
        }
    }

    public ValueTask<FeedbackItem?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        try
        {
            var d = Collection.FindById(id);
            return ValueTask.FromResult(d is null ? null : ToItem(d));
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_db.DisplayPath, ex);
        }
    }

    public ValueTask<FeedbackItem?> FindByFingerprintAsync(string project, string fingerprint, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        try
        {
            var found = Collection.Find(BsonExpression.Create("fingerprint = @0 AND project = @1 AND lastSeen >= @2", fingerprint, project, since.UtcTicks))
                .OrderByDescending(d => d["lastSeen"].AsInt64)
                .FirstOrDefault();
            return ValueTask.FromResult(found is null ? null : ToItem(found));
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_db.DisplayPath, ex);
        }
    }

    public ValueTask<bool> TryUpdateAsync(FeedbackItem item, int expectedRevision, CancellationToken cancellationToken = default)
    {
        try
        {
            var c = Collection;
            var ok = false;
            _db.Database.BeginTrans();
            try
            {
                var current = c.FindById(item.Id);
                if (current is not null && current["revision"].AsInt32 == expectedRevision)
                {
                    ok = c.Update(ToDocument(item));
                }

                _db.Database.Commit();
            }
            catch
            {
                _db.Database.Rollback();
                throw;
            }

            return ValueTask.FromResult(ok);
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_db.DisplayPath, ex);
        }
    }

    public ValueTask<IReadOnlyList<FeedbackItem>> ListAsync(FeedbackQuery query, CancellationToken cancellationToken = default)
    {
        try
        {
            var q = Collection.Query();
            if (query.Project is not null)
            {
                q = q.Where("project = @0", query.Project);
            }

            if (query.State is not null)
            {
                q = q.Where("state = @0", query.State);
            }

            if (query.Severity is not null)
            {
                q = q.Where("severity = @0", query.Severity);
            }

            if (query.Type is not null)
            {
                q = q.Where("type = @0", query.Type);
            }

            if (query.OpenOnly)
            {
                q = q.Where("state != 'resolved' AND state != 'verified'");
            }

            if (query.From is { } from)
            {
                q = q.Where("lastSeen >= @0", from.UtcTicks);
            }

            if (query.To is { } to)
            {
                q = q.Where("createdAt < @0", to.UtcTicks);
            }

            IReadOnlyList<FeedbackItem> items = q.OrderByDescending("createdAt").Limit(Math.Max(1, query.Limit)).ToList().Select(ToItem).ToList();
            return ValueTask.FromResult(items);
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_db.DisplayPath, ex);
        }
    }

    public ValueTask InsertProposalAsync(TroubleshootingProposal proposal, CancellationToken cancellationToken = default)
    {
        try
        {
            _db.Database.GetCollection(Proposals).Insert(new BsonDocument
            {
                ["_id"] = proposal.Id,
                ["project"] = proposal.Project,
                ["fingerprint"] = proposal.Fingerprint,
                ["createdAt"] = proposal.CreatedAt.UtcTicks,
                ["json"] = JsonSerializer.Serialize(proposal, KseJson.Options),
            });
            return ValueTask.CompletedTask;
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_db.DisplayPath, ex);
        }
    }

    public ValueTask<TroubleshootingProposal?> FindProposalAsync(string project, string fingerprint, CancellationToken cancellationToken = default)
    {
        try
        {
            var d = _db.Database.GetCollection(Proposals).FindOne(BsonExpression.Create("project = @0 AND fingerprint = @1", project, fingerprint));
            return ValueTask.FromResult(d is null ? null : JsonSerializer.Deserialize<TroubleshootingProposal>(d["json"].AsString, KseJson.Options));
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_db.DisplayPath, ex);
        }
    }

    public ValueTask<IReadOnlyList<TroubleshootingProposal>> ListProposalsAsync(string? project, CancellationToken cancellationToken = default)
    {
        try
        {
            var c = _db.Database.GetCollection(Proposals);
            var docs = project is null ? c.FindAll() : c.Find(BsonExpression.Create("project = @0", project));
            IReadOnlyList<TroubleshootingProposal> list = docs.OrderByDescending(d => d["createdAt"].AsInt64)
                .Select(d => JsonSerializer.Deserialize<TroubleshootingProposal>(d["json"].AsString, KseJson.Options)!)
                .ToList();
            return ValueTask.FromResult(list);
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(_db.DisplayPath, ex);
        }
    }

    private static BsonDocument ToDocument(FeedbackItem item) => new()
    {
        ["_id"] = item.Id,
        ["project"] = item.Project,
        ["fingerprint"] = item.Fingerprint,
        ["state"] = item.State,
        ["severity"] = item.Severity,
        ["type"] = item.Type,
        ["createdAt"] = item.CreatedAt.UtcTicks,
        ["lastSeen"] = item.LastSeenAt.UtcTicks,
        ["revision"] = item.Revision,
        ["json"] = JsonSerializer.Serialize(item, KseJson.Options),
    };

    private static FeedbackItem ToItem(BsonDocument d) =>
        JsonSerializer.Deserialize<FeedbackItem>(d["json"].AsString, KseJson.Options)
        ?? throw new KseException("feedback.store_unreadable", $"feedback item {d["_id"]} could not be read", KseErrorKind.Failure);
}
