using System.Security.Cryptography;
using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Core.Approvals;

public sealed record ApprovalList(IReadOnlyList<ApprovalRequest> Approvals);

/// <summary>
/// The approval queue. A human operator (role <c>approver</c>; <c>emergency-approver</c> for <c>emergency_request</c>) approves or
/// rejects; never the requester, never an MCP tool. An approval is single use, expires after the TTL (the expiry is audited)
/// and is bound to the SHA-256 of everything it approves: execution re-checks the binding.
/// </summary>
public sealed class ApprovalService
{
    public const string EmergencyRequestTool = "emergency_request";

    private readonly IApprovalStore _store;
    private readonly IAuditTrail _audit;
    private readonly OperatorDirectory _operators;
    private readonly IEnumerable<IApprovedActionExecutor> _executors;
    private readonly TimeProvider _clock;

    public ApprovalService(IApprovalStore store, IAuditTrail audit, OperatorDirectory operators, IEnumerable<IApprovedActionExecutor> executors, ApprovalOptions options, TimeProvider clock)
    {
        _store = store;
        _audit = audit;
        _operators = operators;
        _executors = executors;
        Options = options;
        _clock = clock;
    }

    public ApprovalOptions Options { get; }

    /// <summary>Raised in this process after every state change (the MCP server turns it into resource-updated notifications).</summary>
    public event Action<ApprovalRequest>? Changed;

    /// <summary>Queues an action. Audited as <c>approval.request</c> before it is stored.</summary>
    public async Task<ApprovalRequest> CreateAsync(ApprovalDraft draft, CancellationToken cancellationToken = default)
    {
        ProjectName.Validate(draft.Project);
        if (string.IsNullOrWhiteSpace(draft.Tool))
        {
            throw KseException.BadInput("approval.tool_missing", "an approval needs the tool it would run");
        }

        var args = ApprovalBinding.CanonicalArguments(draft.ArgumentsJson);
        var now = _clock.GetUtcNow();
        var approval = new ApprovalRequest
        {
            Id = "apr-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
            Tool = draft.Tool,
            ArgumentsJson = args,
            Project = draft.Project,
            Environment = draft.Environment,
            Instance = draft.Instance,
            Requester = draft.Requester,
            Reason = draft.Reason,
            Risk = draft.Risk,
            Binding = ApprovalBinding.Compute(draft.Tool, args, draft.Project, draft.Environment, draft.Instance, draft.Requester, draft.Reason, draft.Risk, draft.Plan),
            State = ApprovalState.Pending,
            CreatedAt = now,
            ExpiresAt = now + Options.Ttl,
            EffectiveLevel = draft.EffectiveLevel,
            CorrelationId = draft.CorrelationId,
            Plan = draft.Plan,
            Confidence = draft.Confidence,
        };
        await AuditAsync(approval, ParseActor(draft.Requester), "approval.request", "queued", "pending", null, cancellationToken);
        await _store.InsertAsync(approval);
        Changed?.Invoke(approval);
        return approval;
    }

    public async Task<ApprovalRequest> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await ExpireDueAsync(cancellationToken);
        return await _store.GetAsync(id) ?? throw KseException.NotFound("approval.not_found", $"no approval '{id}' (see 'kse approvals list')");
    }

    /// <summary>The one view of an approval every face shows (the MCP status, the operator API and page, <c>kse approvals</c>): the request and the exact command it runs, secrets redacted.</summary>
    public ApprovalView View(ApprovalRequest approval) => ApprovalView.From(approval, _clock.GetUtcNow());

    /// <inheritdoc cref="View(ApprovalRequest)"/>
    public async Task<ApprovalView> ViewAsync(string id, CancellationToken cancellationToken = default) => View(await GetAsync(id, cancellationToken));

    /// <summary>Views of the approvals in a state (or all), newest first.</summary>
    public async Task<ApprovalViewList> ListViewsAsync(ApprovalState? state = null, string? project = null, int limit = 200, CancellationToken cancellationToken = default) =>
        new((await ListAsync(state, project, limit, cancellationToken)).Approvals.Select(View).ToList());

    public async Task<ApprovalList> ListAsync(ApprovalState? state = null, string? project = null, int limit = 200, CancellationToken cancellationToken = default)
    {
        await ExpireDueAsync(cancellationToken);
        return new ApprovalList(await _store.ListAsync(state, project, limit));
    }

    /// <summary>Approves a pending action; then runs it at once if an in-process executor handles its tool.</summary>
    public async Task<ApprovalRequest> ApproveAsync(string id, string operatorName, string? reason, CancellationToken cancellationToken = default)
    {
        var approved = await DecideAsync(id, operatorName, reason, ApprovalState.Approved, "approval.approve", cancellationToken);
        var executor = _executors.FirstOrDefault(e => e.Handles(approved.Tool));
        if (executor is not null)
        {
            return await ExecuteApprovedAsync(id, approved.Binding, executor, cancellationToken);
        }

        return approved;
    }

    public Task<ApprovalRequest> RejectAsync(string id, string operatorName, string? reason, CancellationToken cancellationToken = default) =>
        DecideAsync(id, operatorName, reason, ApprovalState.Rejected, "approval.reject", cancellationToken);

    /// <summary>
    /// Withdraws a pending request on behalf of what asked for it (an aborted rollout's waiting step): it ends <c>rejected</c>,
    /// decided by <paramref name="by"/>, audited as <c>approval.withdraw</c>. Withdrawing cannot make anything run, so it needs no
    /// approver's role; an approval decided meanwhile is left as it is (returns null).
    /// </summary>
    public async Task<ApprovalRequest?> WithdrawAsync(string id, Actor by, string reason, CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        if (!await _store.TryTransitionAsync(id, ApprovalState.Pending, ApprovalState.Rejected, now, by.ToString(), reason))
        {
            return null;
        }

        var withdrawn = (await _store.GetAsync(id))!;
        await AuditAsync(withdrawn, by, "approval.withdraw", "withdrawn", "rejected", reason, cancellationToken);
        Changed?.Invoke(withdrawn);
        return withdrawn;
    }

    /// <summary>
    /// One conditional update decides (of racing operators, in any process, exactly one wins); the winner's decision is
    /// then audited, and undone if that audit fails, so the trail holds exactly the decisions that took effect.
    /// </summary>
    private async Task<ApprovalRequest> DecideAsync(string id, string operatorName, string? reason, ApprovalState to, string auditType, CancellationToken cancellationToken)
    {
        var a = await RequireDecidableAsync(id, operatorName, cancellationToken);
        var now = _clock.GetUtcNow();
        var won = to == ApprovalState.Approved
            ? await _store.TryTransitionAsync(id, ApprovalState.Pending, ApprovalState.Approved, now, operatorName, reason, a.Binding, now)
            : await _store.TryTransitionAsync(id, ApprovalState.Pending, ApprovalState.Rejected, now, operatorName, reason);
        if (!won)
        {
            throw KseException.Refused("approval.not_pending", $"approval {id} was decided meanwhile (it is {(await _store.GetAsync(id))?.State.ToString().ToLowerInvariant() ?? "gone"}); this decision did not take effect");
        }

        var verb = to == ApprovalState.Approved ? "approved" : "rejected";
        try
        {
            await AuditAsync(a, Actor.OperatorNamed(operatorName), auditType, verb, verb, reason, cancellationToken);
        }
        catch (Exception)
        {
            await _store.TryTransitionAsync(id, to, ApprovalState.Pending, now, binding: a.Binding);
            throw;
        }

        var decided = (await _store.GetAsync(id))!;
        Changed?.Invoke(decided);
        return decided;
    }

    /// <summary>
    /// Claims an approved action for execution, exactly once: succeeds only while it is approved, unexpired and its
    /// binding equals <paramref name="binding"/> (recomputed from the call about to run). Returns null otherwise.
    /// </summary>
    public async Task<ApprovalRequest?> TryBeginExecutionAsync(string id, string binding, CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        var a = await _store.GetAsync(id);
        if (a is null || a.State != ApprovalState.Approved || !CryptographicOperations.FixedTimeEquals(Convert.FromHexString(a.Binding), HexOrEmpty(binding)))
        {
            return null;
        }

        // The stored fields must still hash to the stored binding: an edited record cannot be executed either.
        if (ApprovalBinding.Compute(a) != a.Binding)
        {
            return null;
        }

        if (!await _store.TryTransitionAsync(id, ApprovalState.Approved, ApprovalState.Executed, now, binding: binding, notExpiredAt: now))
        {
            return null;
        }

        var executed = (await _store.GetAsync(id))!;
        Changed?.Invoke(executed);
        return executed;
    }

    /// <summary>The approved approval matching a call (same binding), if any: a re-issued call after approval runs once through it.</summary>
    public ValueTask<ApprovalRequest?> FindApprovedAsync(string binding, CancellationToken cancellationToken = default) => _store.FindApprovedAsync(binding, _clock.GetUtcNow(), cancellationToken);

    public async Task CompleteExecutionAsync(string id, bool succeeded, string? detail, CancellationToken cancellationToken = default)
    {
        await _store.RecordOutcomeAsync(id, succeeded ? "succeeded" : "failed", detail);
        if (await _store.GetAsync(id) is { } a)
        {
            Changed?.Invoke(a);
        }
    }

    /// <summary>
    /// Runs an approved action through <paramref name="executor"/> exactly once, audited before and after. When what would run now
    /// differs from what was approved, nothing runs: the approval ends <c>stale</c> (audited) and <c>approvals.stale</c> is thrown.
    /// </summary>
    public async Task<ApprovalRequest> ExecuteApprovedAsync(string id, string binding, IApprovedActionExecutor executor, CancellationToken cancellationToken = default)
    {
        if (await _store.GetAsync(id) is { State: ApprovalState.Approved } current)
        {
            var changes = await executor.ChangesSinceApprovalAsync(current, cancellationToken);
            if (changes.Count > 0)
            {
                await MarkStaleAsync(current, changes, cancellationToken);
            }
        }

        var claimed = await TryBeginExecutionAsync(id, binding, cancellationToken)
            ?? throw KseException.Refused("approval.not_executable", $"approval {id} is not approved, already executed, expired, or its binding does not match");
        var actor = Actor.OperatorNamed(claimed.DecidedBy ?? "unknown");
        try
        {
            await AuditAsync(claimed, actor, "approval.execute", "run", "started", null, cancellationToken);
        }
        catch (Exception)
        {
            // Claimed but not run: say so on the record, the action itself stays undone.
            await CompleteExecutionAsync(id, succeeded: false, "the execution could not be audited; the action did not run");
            throw;
        }

        ApprovedActionResult result;
        try
        {
            result = await executor.ExecuteAsync(claimed, claimed.DecidedBy ?? "", cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            result = new ApprovedActionResult(false, Error: ex is KseException k ? $"{k.Code}: {k.Message}" : ex.Message);
        }

        await CompleteExecutionAsync(id, result.Succeeded, result.Error ?? result.Summary);
        await AuditAsync(claimed, actor, "approval.execute", "run", result.Succeeded ? "succeeded" : "failed", result.Error ?? result.Summary, CancellationToken.None, error: result.Error);
        return (await _store.GetAsync(id))!;
    }

    /// <summary>Ends an approved action as <c>stale</c> (audited as <c>approval.stale</c>) and throws <c>approvals.stale</c> naming what changed.</summary>
    private async Task MarkStaleAsync(ApprovalRequest a, IReadOnlyList<string> changes, CancellationToken cancellationToken)
    {
        var what = string.Join("; ", changes);
        var now = _clock.GetUtcNow();
        if (await _store.TryTransitionAsync(a.Id, ApprovalState.Approved, ApprovalState.Stale, now, reason: what))
        {
            await _store.RecordOutcomeAsync(a.Id, "stale", what);
            var stale = (await _store.GetAsync(a.Id))!;
            try
            {
                await AuditAsync(stale, Actor.Server, "approval.stale", "refused", "stale", null, CancellationToken.None, error: what);
            }
            finally
            {
                Changed?.Invoke(stale);
            }
        }

        throw KseException.Refused("approvals.stale", $"approval {a.Id} is stale, nothing ran: {what}. A new request is needed.");
    }

    /// <summary>Moves every open approval past its expiry to <c>expired</c>, auditing each once.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        var n = 0;
        foreach (var a in await _store.ListDueAsync(now))
        {
            if (!await _store.TryTransitionAsync(a.Id, a.State, ApprovalState.Expired, now))
            {
                continue;
            }

            n++;
            var expired = (await _store.GetAsync(a.Id))!;
            await AuditAsync(expired, Actor.Server, "approval.expire", "expired", "expired", $"not {(a.State == ApprovalState.Pending ? "decided" : "executed")} within {Options.TtlHours:0.##} h", cancellationToken);
            Changed?.Invoke(expired);
        }

        return n;
    }

    private async Task<ApprovalRequest> RequireDecidableAsync(string id, string operatorName, CancellationToken cancellationToken)
    {
        await ExpireDueAsync(cancellationToken);
        var a = await _store.GetAsync(id) ?? throw KseException.NotFound("approval.not_found", $"no approval '{id}' (see 'kse approvals list')");
        var role = a.Tool == EmergencyRequestTool ? KseOperator.EmergencyApproverRole : KseOperator.ApproverRole;
        _operators.Require(operatorName, role);
        var requester = ParseActor(a.Requester);
        if (string.Equals(requester.Name, operatorName, StringComparison.OrdinalIgnoreCase))
        {
            throw KseException.Refused("approval.self_approval", $"'{operatorName}' requested {id} and cannot also decide it");
        }

        if (a.State != ApprovalState.Pending)
        {
            throw KseException.Refused(a.State == ApprovalState.Expired ? "approval.expired" : "approval.not_pending", $"approval {id} is {a.State.ToString().ToLowerInvariant()}, not pending");
        }

        return a;
    }

    private Task AuditAsync(ApprovalRequest a, Actor actor, string type, string decision, string outcome, string? reason, CancellationToken cancellationToken, string? error = null) =>
        _audit.AppendAsync(
            new AuditDraft
            {
                Actor = actor,
                OperationType = type,
                Project = a.Project,
                Environment = a.Environment,
                TakeoverLevel = a.EffectiveLevel?.ToString(),
                Target = a.Tool,
                Parameters = new Dictionary<string, string?>
                {
                    ["approvalId"] = a.Id,
                    ["binding"] = a.Binding,
                    ["arguments"] = ApprovalBinding.RedactSecrets(a.ArgumentsJson),
                    ["instance"] = a.Instance,
                    ["requester"] = a.Requester,
                    ["risk"] = a.Risk.Name(),
                    ["reason"] = reason ?? a.Reason,
                    ["command"] = a.Plan?.Command,
                    ["host"] = a.Plan?.Host,
                    ["documentSha256"] = a.Plan?.DocumentSha256,
                    ["confidence"] = a.Confidence is { } c ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{c.Score:0.00} ({c.Source}, {c.Support} runs)") : null,
                },
                Decision = decision,
                Outcome = outcome,
                ErrorContext = error,
                CorrelationId = a.CorrelationId ?? a.Id,
            },
            cancellationToken).AsTask();

    private static Actor ParseActor(string text)
    {
        var i = text.IndexOf(':', StringComparison.Ordinal);
        return i > 0 ? new Actor(text[..i], text[(i + 1)..]) : new Actor(Actor.User, text);
    }

    private static byte[] HexOrEmpty(string hex)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return [];
        }
    }
}
