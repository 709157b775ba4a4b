using Kse.Core.Approvals;
using Kse.Core.Policy;
using Kse.Storage.Policy;
using LiteDB;

namespace Kse.Storage.Approvals;

/// <summary>The approval queue in LiteDB (<c>approvals</c>). Every transition is one conditional update.</summary>
public sealed class LiteApprovalStore : IApprovalStore
{
    private const string CollectionName = "approvals";
    private readonly KseDatabase _db;
    private bool _indexed;

    public LiteApprovalStore(KseDatabase db)
    {
        _db = db;
    }

    private ILiteCollection<BsonDocument> Collection
    {
        get
        {
            var c = _db.Database.GetCollection(CollectionName);
            if (!_indexed)
            {
                c.EnsureIndex("state");
                c.EnsureIndex("binding");
                _indexed = true;
            }

            return c;
        }
    }

    public ValueTask InsertAsync(ApprovalRequest a, CancellationToken cancellationToken = default)
    {
        _db.Use(_ => Collection.Insert(new BsonDocument
        {
            ["_id"] = a.Id,
            ["tool"] = a.Tool,
            ["arguments"] = a.ArgumentsJson,
            ["project"] = a.Project,
            ["environment"] = Nullable(a.Environment),
            ["instance"] = Nullable(a.Instance),
            ["requester"] = a.Requester,
            ["reason"] = a.Reason,
            ["risk"] = a.Risk.Name(),
            ["binding"] = a.Binding,
            ["state"] = Name(a.State),
            ["createdAt"] = a.CreatedAt.UtcTicks,
            ["expiresAt"] = a.ExpiresAt.UtcTicks,
            ["effectiveLevel"] = a.EffectiveLevel is { } l ? l.ToString() : BsonValue.Null,
            ["correlationId"] = Nullable(a.CorrelationId),
            ["plan"] = a.Plan is { } plan ? ApprovalBinding.PlanJson(plan) : BsonValue.Null,
            ["confidence"] = a.Confidence is { } confidence ? System.Text.Json.JsonSerializer.Serialize(confidence, Kse.Core.KseJson.Options) : BsonValue.Null,
        }));
        return ValueTask.CompletedTask;
    }

    public ValueTask<ApprovalRequest?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_db.Use(_ =>
        {
            var d = Collection.FindById(id);
            return d is null ? null : ToApproval(d);
        }));

    public ValueTask<IReadOnlyList<ApprovalRequest>> ListAsync(ApprovalState? state = null, string? project = null, int limit = 200, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_db.Use(_ => List(state, project, limit)));

    private IReadOnlyList<ApprovalRequest> List(ApprovalState? state, string? project, int limit)
    {
        var q = Collection.Query();
        if (state is { } s)
        {
            q = q.Where("state = @0", Name(s));
        }

        if (project is not null)
        {
            q = q.Where("project = @0", project);
        }

        return q.OrderByDescending("createdAt").Limit(limit).ToList().Select(ToApproval).ToList();
    }

    public ValueTask<IReadOnlyList<ApprovalRequest>> ListDueAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<ApprovalRequest>>(_db.Use(_ =>
            Collection.Find(BsonExpression.Create("(state = 'pending' OR state = 'approved') AND expiresAt <= @0", now.UtcTicks)).Select(ToApproval).ToList()));

    public ValueTask<ApprovalRequest?> FindApprovedAsync(string binding, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_db.Use(_ =>
            Collection.Find(BsonExpression.Create("binding = @0 AND state = 'approved' AND expiresAt > @1", binding, now.UtcTicks))
                .Select(ToApproval)
                .OrderBy(a => a.CreatedAt)
                .FirstOrDefault()));

    public ValueTask<bool> TryTransitionAsync(string id, ApprovalState from, ApprovalState to, DateTimeOffset at, string? by = null, string? reason = null, string? binding = null, DateTimeOffset? notExpiredAt = null, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_db.Use(_ => TryTransition(id, from, to, at, by, reason, binding, notExpiredAt)));

    private bool TryTransition(string id, ApprovalState from, ApprovalState to, DateTimeOffset at, string? by, string? reason, string? binding, DateTimeOffset? notExpiredAt)
    {
        var set = to switch
        {
            ApprovalState.Approved or ApprovalState.Rejected => "{ state: @1, decidedBy: @2, decidedAt: @3, decisionReason: @4 }",
            ApprovalState.Executed => "{ state: @1, executedAt: @3 }",
            ApprovalState.Expired => "{ state: @1, expiredAt: @3 }",
            ApprovalState.Stale => "{ state: @1, outcomeDetail: @4 }",
            ApprovalState.Pending => "{ state: @1, decidedBy: null, decidedAt: null, decisionReason: null }",
            _ => throw new ArgumentOutOfRangeException(nameof(to)),
        };
        var where = "_id = @0 AND state = @5";
        if (binding is not null)
        {
            where += " AND binding = @6";
        }

        if (notExpiredAt is not null)
        {
            where += " AND expiresAt > @7";
        }

        object?[] args = [id, Name(to), Nullable(by), at.UtcTicks, Nullable(reason), Name(from), Nullable(binding), notExpiredAt?.UtcTicks ?? 0L];
        var bson = args.Select(a => a switch { BsonValue b => b, string s => new BsonValue(s), long l => new BsonValue(l), _ => BsonValue.Null }).ToArray();
        var n = Collection.UpdateMany(BsonExpression.Create(set, bson), BsonExpression.Create(where, bson));
        return n == 1;
    }

    public ValueTask RecordOutcomeAsync(string id, string outcome, string? detail, CancellationToken cancellationToken = default)
    {
        _db.Use(_ => Collection.UpdateMany(
            BsonExpression.Create("{ outcome: @1, outcomeDetail: @2 }", id, outcome, Nullable(detail)),
            BsonExpression.Create("_id = @0", id)));
        return ValueTask.CompletedTask;
    }

    private static BsonValue Nullable(string? s) => s is null ? BsonValue.Null : new BsonValue(s);

    private static string Name(ApprovalState s) => s.ToString().ToLowerInvariant();

    private static ApprovalState ParseState(string s) => Enum.Parse<ApprovalState>(s, ignoreCase: true);

    private static ApprovalRequest ToApproval(BsonDocument d) => new()
    {
        Id = d["_id"].AsString,
        Tool = d["tool"].AsString,
        ArgumentsJson = d["arguments"].AsString,
        Project = d["project"].AsString,
        Environment = LiteTakeoverStore.Str(d["environment"]),
        Instance = LiteTakeoverStore.Str(d["instance"]),
        Requester = d["requester"].AsString,
        Reason = d["reason"].AsString,
        Risk = PolicyNames.ParseRisk(d["risk"].AsString),
        Binding = d["binding"].AsString,
        State = ParseState(d["state"].AsString),
        CreatedAt = LiteTakeoverStore.Time(d["createdAt"])!.Value,
        ExpiresAt = LiteTakeoverStore.Time(d["expiresAt"])!.Value,
        EffectiveLevel = LiteTakeoverStore.Str(d["effectiveLevel"]) is { } l ? PolicyNames.ParseLevel(l) : null,
        CorrelationId = LiteTakeoverStore.Str(d["correlationId"]),
        DecidedBy = LiteTakeoverStore.Str(d["decidedBy"]),
        DecidedAt = LiteTakeoverStore.Time(d["decidedAt"]),
        DecisionReason = LiteTakeoverStore.Str(d["decisionReason"]),
        ExecutedAt = LiteTakeoverStore.Time(d["executedAt"]),
        Outcome = LiteTakeoverStore.Str(d["outcome"]),
        OutcomeDetail = LiteTakeoverStore.Str(d["outcomeDetail"]),
        ExpiredAt = LiteTakeoverStore.Time(d["expiredAt"]),
        Plan = ApprovalBinding.ParsePlan(LiteTakeoverStore.Str(d["plan"])),
        Confidence = ParseConfidence(LiteTakeoverStore.Str(d["confidence"])),
    };

    private static ApprovalConfidence? ParseConfidence(string? json)
    {
        try
        {
            return string.IsNullOrEmpty(json) ? null : System.Text.Json.JsonSerializer.Deserialize<ApprovalConfidence>(json, Kse.Core.KseJson.Options);
        }
        catch (System.Text.Json.JsonException)
        {
            // Shown only, never bound: a damaged value is dropped rather than making the approval unreadable.
            return null;
        }
    }
}
