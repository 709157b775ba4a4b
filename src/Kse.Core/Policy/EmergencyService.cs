using System.Security.Cryptography;
using Kse.Core.Audit;
using Kse.Core.Specs;

namespace Kse.Core.Policy;

/// <summary>An elevation with its status at the time it was listed.</summary>
public sealed record ElevationView(EmergencyElevation Elevation, string Status);

public sealed record ElevationList(IReadOnlyList<ElevationView> Elevations);

/// <summary>An emergency elevation as asked, every part checked: what an emergency-approver grants.</summary>
public sealed record EmergencyRequestPlan(string Project, EnvironmentKind Environment, TakeoverLevel Level, int Minutes, string Reason);

/// <summary>
/// Emergency elevation: a time-boxed raise of one project's level in one environment, granted only by an operator
/// with the <c>emergency-approver</c> role. The environment cap still applies: an elevation can lift a project up to
/// its environment's cap, never past it. It reverts by itself because the kernel ignores it after its expiry.
/// </summary>
public sealed class EmergencyService
{
    public const int DefaultMinutes = 60;
    public const int MaxMinutes = 240;

    private readonly KseWorkspace _workspace;
    private readonly ITakeoverStore _store;
    private readonly IAuditTrail _audit;
    private readonly OperatorDirectory _operators;
    private readonly TimeProvider _clock;

    public EmergencyService(KseWorkspace workspace, ITakeoverStore store, IAuditTrail audit, OperatorDirectory operators, TimeProvider clock)
    {
        _workspace = workspace;
        _store = store;
        _audit = audit;
        _operators = operators;
        _clock = clock;
    }

    /// <summary>
    /// Checks an emergency request as asked (by the AI's <c>emergency_request</c>, or an operator's grant): the project and its
    /// environment, the level (never above the environment's cap), the duration and the reason. What is asked is what an
    /// emergency-approver later grants.
    /// </summary>
    public EmergencyRequestPlan CheckRequest(string? project, string? environment, string? level, int? minutes, string? reason)
    {
        var manifest = ProjectManifest.Load(_workspace, ProjectName.Validate(project));
        var env = PolicyNames.ParseEnvironment(environment);
        var to = PolicyNames.ParseLevel(level);
        var span = minutes ?? DefaultMinutes;
        if (span < 1 || span > MaxMinutes)
        {
            throw KseException.BadInput("emergency.minutes_invalid", $"minutes must be between 1 and {MaxMinutes} (default {DefaultMinutes}); got {span}");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw KseException.BadInput("policy.reason_required", "an emergency elevation needs a reason (the incident or alert)");
        }

        if (PolicyService.ScopeProblem(manifest, env, null) is { } problem)
        {
            throw KseException.BadInput("policy.environment_not_in_project", problem.Text);
        }

        var cap = PolicyKernel.CapOf(env);
        if (to > cap)
        {
            throw KseException.Refused("policy.level_above_cap", $"{to} is above the {env.Name()} cap {cap}: an emergency elevation raises a project up to its environment's cap, never past it");
        }

        return new EmergencyRequestPlan(manifest.Name, env, to, span, reason.Trim());
    }

    public async Task<EmergencyElevation> GrantAsync(string project, string? environment, string? level, int? minutes, string? reason, string operatorName, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var asked = CheckRequest(project, environment, level, minutes, reason);
        var (env, to, span) = (asked.Environment, asked.Level, asked.Minutes);
        _operators.Require(operatorName, KseOperator.EmergencyApproverRole);
        var now = _clock.GetUtcNow();
        var elevation = new EmergencyElevation
        {
            Id = "el-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)),
            Project = asked.Project,
            Environment = env,
            Level = to,
            Reason = asked.Reason,
            GrantedBy = operatorName,
            GrantedAt = now,
            ExpiresAt = now.AddMinutes(span),
            RequestId = requestId,
        };
        await _audit.AppendAsync(
            new AuditDraft
            {
                Actor = Actor.OperatorNamed(operatorName),
                OperationType = "emergency.grant",
                Project = asked.Project,
                Environment = env.Name(),
                TakeoverLevel = to.ToString(),
                Target = elevation.Id,
                Parameters = new Dictionary<string, string?>
                {
                    ["level"] = to.ToString(),
                    ["minutes"] = span.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["expiresAt"] = elevation.ExpiresAt.ToString("O"),
                    ["reason"] = elevation.Reason,
                    ["requestId"] = requestId,
                },
                Decision = "granted",
                Outcome = "succeeded",
            },
            cancellationToken);
        await _store.AddElevationAsync(elevation);
        return elevation;
    }

    public async Task<EmergencyElevation> RevokeAsync(string id, string? reason, string operatorName, CancellationToken cancellationToken = default)
    {
        _operators.Require(operatorName, KseOperator.EmergencyApproverRole);
        var e = await _store.GetElevationAsync(id) ?? throw KseException.NotFound("emergency.not_found", $"no emergency elevation '{id}' (see 'kse emergency list --all')");
        var now = _clock.GetUtcNow();
        if (!e.IsActiveAt(now))
        {
            throw KseException.BadInput("emergency.not_active", $"elevation {id} is already {e.StatusAt(now)}");
        }

        var why = string.IsNullOrWhiteSpace(reason) ? "revoked by an operator" : reason.Trim();
        await _audit.AppendAsync(
            new AuditDraft
            {
                Actor = Actor.OperatorNamed(operatorName),
                OperationType = "emergency.revoke",
                Project = e.Project,
                Environment = e.Environment.Name(),
                TakeoverLevel = e.Level.ToString(),
                Target = e.Id,
                Parameters = new Dictionary<string, string?> { ["reason"] = why },
                Decision = "revoked",
                Outcome = "succeeded",
            },
            cancellationToken);
        if (!await _store.RevokeElevationAsync(id, operatorName, why, now))
        {
            throw KseException.BadInput("emergency.not_active", $"elevation {id} was revoked meanwhile");
        }

        return (await _store.GetElevationAsync(id))!;
    }

    /// <summary>Active elevations (or all with <paramref name="includeInactive"/>); records each expiry in the audit trail once.</summary>
    public async Task<ElevationList> ListAsync(string? project, bool includeInactive, CancellationToken cancellationToken = default)
    {
        if (project is not null)
        {
            ProjectName.Validate(project);
        }

        await RecordExpiriesAsync(cancellationToken);
        var now = _clock.GetUtcNow();
        var list = (await _store.ListElevationsAsync(project))
            .Where(e => includeInactive || e.IsActiveAt(now))
            .Select(e => new ElevationView(e, e.StatusAt(now)))
            .ToList();
        return new ElevationList(list);
    }

    /// <summary>Writes an <c>emergency.expire</c> entry for each elevation that ran out and was not recorded yet.</summary>
    public async Task<int> RecordExpiriesAsync(CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        var count = 0;
        foreach (var e in await _store.ListElevationsAsync())
        {
            if (e.RevokedAt is not null || e.ExpiryRecordedAt is not null || now < e.ExpiresAt || !await _store.MarkExpiryRecordedAsync(e.Id, now))
            {
                continue;
            }

            await _audit.AppendAsync(
                new AuditDraft
                {
                    Actor = Actor.Server,
                    OperationType = "emergency.expire",
                    Project = e.Project,
                    Environment = e.Environment.Name(),
                    TakeoverLevel = e.Level.ToString(),
                    Target = e.Id,
                    Parameters = new Dictionary<string, string?> { ["expiredAt"] = e.ExpiresAt.ToString("O"), ["grantedBy"] = e.GrantedBy },
                    Decision = "expired",
                    Outcome = "reverted",
                },
                cancellationToken);
            count++;
        }

        return count;
    }
}
