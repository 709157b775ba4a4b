using Kse.Core.Approvals;
using Kse.Core.Policy;
using Npgsql;

namespace Kse.Storage.Postgres;

/// <summary>
/// The approval queue in PostgreSQL (<c>approvals</c>), shared by every server. Every transition is one conditional
/// <c>UPDATE … WHERE state = @from</c>: when two servers race to execute one approval, exactly one row update wins.
/// Each transition and insert sends <c>NOTIFY kse_approvals</c> with the approval's id in the same transaction, so sessions
/// subscribed on any server hear of it once it is committed.
/// </summary>
public sealed class PostgresApprovalStore : IApprovalStore
{
    /// <summary>The LISTEN/NOTIFY channel of approval changes; the payload is the approval id.</summary>
    public const string Channel = "kse_approvals";

    private const string Columns = "id, tool, arguments, project, environment, instance, requester, reason, risk, binding, state, created_at, expires_at, effective_level, correlation_id, decided_by, decided_at, decision_reason, executed_at, outcome, outcome_detail, expired_at, plan, confidence";

    private readonly PostgresStore _store;

    public PostgresApprovalStore(PostgresStore store)
    {
        _store = store;
    }

    public ValueTask InsertAsync(ApprovalRequest approval, CancellationToken cancellationToken = default) =>
        PostgresFeedbackStore.Done(_store.RunAsync((c, ct) => InsertAsync(c, approval, ct), cancellationToken));

    internal static async ValueTask<bool> InsertAsync(NpgsqlConnection c, ApprovalRequest a, CancellationToken ct)
    {
        await using var cmd = Sql.Command(c, $"INSERT INTO approvals ({Columns}) VALUES (@id, @tool, @arguments, @project, @environment, @instance, @requester, @reason, @risk, @binding, @state, @created_at, @expires_at, @effective_level, @correlation_id, @decided_by, @decided_at, @decision_reason, @executed_at, @outcome, @outcome_detail, @expired_at, @plan, @confidence); SELECT pg_notify('{Channel}', @id)")
            .Text("id", a.Id).Text("tool", a.Tool).Text("arguments", a.ArgumentsJson).Text("project", a.Project).Text("environment", a.Environment)
            .Text("instance", a.Instance).Text("requester", a.Requester).Text("reason", a.Reason).Text("risk", a.Risk.Name()).Text("binding", a.Binding)
            .Text("state", Name(a.State)).Ticks("created_at", a.CreatedAt).Ticks("expires_at", a.ExpiresAt).Text("effective_level", a.EffectiveLevel?.ToString())
            .Text("correlation_id", a.CorrelationId).Text("decided_by", a.DecidedBy).Ticks("decided_at", a.DecidedAt).Text("decision_reason", a.DecisionReason)
            .Ticks("executed_at", a.ExecutedAt).Text("outcome", a.Outcome).Text("outcome_detail", a.OutcomeDetail).Ticks("expired_at", a.ExpiredAt)
            .Text("plan", a.Plan is { } plan ? ApprovalBinding.PlanJson(plan) : null)
            .Text("confidence", a.Confidence is { } confidence ? System.Text.Json.JsonSerializer.Serialize(confidence, Kse.Core.KseJson.Options) : null);
        await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }

    public ValueTask<ApprovalRequest?> GetAsync(string id, CancellationToken cancellationToken = default) => _store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, $"SELECT {Columns} FROM approvals WHERE id = @id").Text("id", id);
        return (await Sql.ListAsync(cmd, Read, ct)).FirstOrDefault();
    }, cancellationToken);

    public ValueTask<IReadOnlyList<ApprovalRequest>> ListAsync(ApprovalState? state = null, string? project = null, int limit = 200, CancellationToken cancellationToken = default) => _store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, $"SELECT {Columns} FROM approvals WHERE (@state::text IS NULL OR state = @state) AND (@project::text IS NULL OR project = @project) ORDER BY created_at DESC, id LIMIT @limit")
            .Text("state", state is { } s ? Name(s) : null).Text("project", project).Long("limit", Math.Max(0, limit));
        return (IReadOnlyList<ApprovalRequest>)await Sql.ListAsync(cmd, Read, ct);
    }, cancellationToken);

    public ValueTask<IReadOnlyList<ApprovalRequest>> ListDueAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => _store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, $"SELECT {Columns} FROM approvals WHERE state IN ('pending', 'approved') AND expires_at <= @now").Ticks("now", now);
        return (IReadOnlyList<ApprovalRequest>)await Sql.ListAsync(cmd, Read, ct);
    }, cancellationToken);

    public ValueTask<ApprovalRequest?> FindApprovedAsync(string binding, DateTimeOffset now, CancellationToken cancellationToken = default) => _store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, $"SELECT {Columns} FROM approvals WHERE binding = @binding AND state = 'approved' AND expires_at > @now ORDER BY created_at LIMIT 1")
            .Text("binding", binding).Ticks("now", now);
        return (await Sql.ListAsync(cmd, Read, ct)).FirstOrDefault();
    }, cancellationToken);

    public ValueTask<bool> TryTransitionAsync(string id, ApprovalState from, ApprovalState to, DateTimeOffset at, string? by = null, string? reason = null, string? binding = null, DateTimeOffset? notExpiredAt = null, CancellationToken cancellationToken = default)
    {
        var set = to switch
        {
            ApprovalState.Approved or ApprovalState.Rejected => "state = @to, decided_by = @by, decided_at = @at, decision_reason = @reason",
            ApprovalState.Executed => "state = @to, executed_at = @at",
            ApprovalState.Expired => "state = @to, expired_at = @at",
            ApprovalState.Stale => "state = @to, outcome_detail = @reason",
            ApprovalState.Pending => "state = @to, decided_by = NULL, decided_at = NULL, decision_reason = NULL",
            _ => throw new ArgumentOutOfRangeException(nameof(to)),
        };
        var where = "id = @id AND state = @from";
        if (binding is not null)
        {
            where += " AND binding = @binding";
        }

        if (notExpiredAt is not null)
        {
            where += " AND expires_at > @not_expired_at";
        }

        return _store.RunAsync(async (c, ct) =>
        {
            // One statement: the update and its notification commit together (or not at all).
            await using var cmd = Sql.Command(c, $"WITH moved AS (UPDATE approvals SET {set} WHERE {where} RETURNING id) SELECT count(pg_notify('{Channel}', id)) FROM moved")
                .Text("id", id).Text("from", Name(from)).Text("to", Name(to)).Ticks("at", at).Text("by", by).Text("reason", reason).Text("binding", binding).Ticks("not_expired_at", notExpiredAt);
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }, cancellationToken);
    }

    public ValueTask RecordOutcomeAsync(string id, string outcome, string? detail, CancellationToken cancellationToken = default) => PostgresFeedbackStore.Done(_store.RunAsync(async (c, ct) =>
    {
        await using var cmd = Sql.Command(c, $"UPDATE approvals SET outcome = @outcome, outcome_detail = @detail WHERE id = @id; SELECT pg_notify('{Channel}', @id)")
            .Text("id", id).Text("outcome", outcome).Text("detail", detail);
        await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }, cancellationToken));

    internal static string Name(ApprovalState s) => s.ToString().ToLowerInvariant();

    internal static ApprovalRequest Read(NpgsqlDataReader r) => new()
    {
        Id = r.Str("id")!,
        Tool = r.Str("tool")!,
        ArgumentsJson = r.Str("arguments")!,
        Project = r.Str("project")!,
        Environment = r.Str("environment"),
        Instance = r.Str("instance"),
        Requester = r.Str("requester")!,
        Reason = r.Str("reason")!,
        Risk = PolicyNames.ParseRisk(r.Str("risk")!),
        Binding = r.Str("binding")!,
        State = Enum.Parse<ApprovalState>(r.Str("state")!, ignoreCase: true),
        CreatedAt = r.Time("created_at")!.Value,
        ExpiresAt = r.Time("expires_at")!.Value,
        EffectiveLevel = r.Str("effective_level") is { } l ? PolicyNames.ParseLevel(l) : null,
        CorrelationId = r.Str("correlation_id"),
        DecidedBy = r.Str("decided_by"),
        DecidedAt = r.Time("decided_at"),
        DecisionReason = r.Str("decision_reason"),
        ExecutedAt = r.Time("executed_at"),
        Outcome = r.Str("outcome"),
        OutcomeDetail = r.Str("outcome_detail"),
        ExpiredAt = r.Time("expired_at"),
        Plan = ApprovalBinding.ParsePlan(r.Str("plan")),
        Confidence = ParseConfidence(r.Str("confidence")),
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
