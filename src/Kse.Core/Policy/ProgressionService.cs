using System.Collections.Concurrent;
using System.Globalization;
using Kse.Core.Audit;
using Kse.Core.Specs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kse.Core.Policy;

/// <summary>Progression of one project in one environment: level, cap, evidence, thresholds, the recommendation, and a demotion if one was applied.</summary>
public sealed record ProgressionAssessment
{
    public required string Project { get; init; }

    public required EnvironmentKind Environment { get; init; }

    /// <summary>The level in force before the cap's clamp: set by a human (or a demotion), else the system type's default.</summary>
    public required TakeoverLevel Level { get; init; }

    /// <summary><c>set</c> or <c>default</c>.</summary>
    public required string Source { get; init; }

    public required TakeoverLevel Cap { get; init; }

    public required ProgressionEvidence Evidence { get; init; }

    public required ProgressionThresholds Thresholds { get; init; }

    public required ProgressionRecommendation Recommendation { get; init; }

    public required DateTimeOffset AssessedAt { get; init; }

    /// <summary>The demotion applied by this check (audited as <c>takeover.change</c> by <c>system:kse</c>); null when nothing changed.</summary>
    public TakeoverChange? Applied { get; init; }
}

public sealed record ProgressionReport(string Project, IReadOnlyList<ProgressionAssessment> Environments);

/// <summary>
/// Progression (DESIGN.md, "The policy kernel"): suggests a promotion when the audit trail shows enough good operations, and demotes
/// by itself when the recent error rate passes the environment's threshold. A promotion is only ever applied by a human.
/// </summary>
public sealed class ProgressionService
{
    public const string DemotionTrigger = "progression.demote";

    private readonly KseWorkspace _workspace;
    private readonly ITakeoverStore _store;
    private readonly IAuditReader _reader;
    private readonly PolicyService _policy;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _demotionLock = new(1, 1);
    private readonly IAuditTrail? _audit;
    private readonly ILogger _log;

    // What the sweep last reported for a project it had to skip: the trail gets one entry per problem, not one per sweep.
    private readonly ConcurrentDictionary<string, string> _skipped = new(StringComparer.Ordinal);

    /// <param name="audit">Where the sweep records a project it had to skip (null: logged only).</param>
    public ProgressionService(KseWorkspace workspace, ITakeoverStore store, IAuditReader reader, PolicyService policy, ProgressionOptions options, TimeProvider clock, IAuditTrail? audit = null, ILogger<ProgressionService>? log = null)
    {
        _workspace = workspace;
        _store = store;
        _reader = reader;
        _policy = policy;
        Options = options.Validated();
        _clock = clock;
        _audit = audit;
        _log = log ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The audit type of a project the sweep could not check (its <c>project.yaml</c> does not load), outcome <c>skipped</c>.</summary>
    public const string SweepSkipType = "progression.sweep";

    public ProgressionOptions Options { get; }

    /// <summary>The assessment of one project in one environment at <paramref name="now"/>; reads only, applies nothing.</summary>
    public async Task<ProgressionAssessment> AssessAsync(string project, string? environment, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var manifest = LoadManifest(project);
        var env = PolicyNames.ParseEnvironment(environment);
        if (PolicyService.ScopeProblem(manifest, env, null) is { } problem)
        {
            throw KseException.BadInput("policy.environment_not_in_project", problem.Text);
        }

        return await AssessAsync(manifest, env, now, cancellationToken);
    }

    /// <summary>The assessments of one environment (or every environment of the project); reads only, applies nothing (the MCP face).</summary>
    public async Task<ProgressionReport> ReportAsync(string project, string? environment, CancellationToken cancellationToken = default)
    {
        var (manifest, envs) = Scope(project, environment);
        var now = _clock.GetUtcNow();
        var list = new List<ProgressionAssessment>(envs.Count);
        foreach (var env in envs)
        {
            list.Add(await AssessAsync(manifest, env, now, cancellationToken));
        }

        return new ProgressionReport(manifest.Name, list);
    }

    /// <summary>
    /// Assesses the project in one environment (or all of its environments) and applies any demotion that is due. What
    /// <c>kse takeover progress</c> runs.
    /// </summary>
    public async Task<ProgressionReport> ProgressAsync(string project, string? environment, CancellationToken cancellationToken = default)
    {
        var (manifest, envs) = Scope(project, environment);
        var list = new List<ProgressionAssessment>();
        foreach (var env in envs)
        {
            var a = await AssessAsync(manifest, env, _clock.GetUtcNow(), cancellationToken);
            list.Add(a.Recommendation.Action == ProgressionAction.Demote ? await ApplyDemotionAsync(manifest, a, cancellationToken) : a);
        }

        return new ProgressionReport(manifest.Name, list);
    }

    private (ProjectManifest Manifest, IReadOnlyList<EnvironmentKind> Environments) Scope(string project, string? environment)
    {
        var manifest = LoadManifest(project);
        if (environment is null)
        {
            return (manifest, manifest.Environments);
        }

        var env = PolicyNames.ParseEnvironment(environment);
        if (PolicyService.ScopeProblem(manifest, env, null) is { } problem)
        {
            throw KseException.BadInput("policy.environment_not_in_project", problem.Text);
        }

        return (manifest, [env]);
    }

    /// <summary>
    /// After an operation's outcome was audited: applies a demotion if the newest operations call for one. Reads a bounded number
    /// of recent entries, so it is cheap enough for every call. Null when nothing changed.
    /// </summary>
    public async Task<TakeoverChange?> CheckAfterOutcomeAsync(string? project, string? environment, CancellationToken cancellationToken = default)
    {
        if (!ProjectName.IsValid(project) || !PolicyKernel.IsKnownEnvironmentName(environment, out var env))
        {
            return null;
        }

        ProjectManifest manifest;
        try
        {
            manifest = LoadManifest(project);
        }
        catch (KseException ex) when (ex.Code == "spec.project_not_found")
        {
            // A call scoped to a project Kse does not manage has no level to move. A project.yaml that exists but does not load
            // is not swallowed: the caller logs and audits the failed check.
            return null;
        }

        return manifest.Environments.Contains(env) ? await CheckDemotionAsync(manifest, env, cancellationToken) : null;
    }

    /// <summary>Checks every environment of every project and applies due demotions (the server's periodic sweep). Returns the demotions.</summary>
    public async Task<IReadOnlyList<TakeoverChange>> SweepAsync(CancellationToken cancellationToken = default)
    {
        var applied = new List<TakeoverChange>();
        foreach (var name in _workspace.ListProjects())
        {
            ProjectManifest manifest;
            try
            {
                manifest = LoadManifest(name);
                if (_skipped.TryRemove(name, out _))
                {
                    _log.LogInformation("Progression sweep checks {Project} again: its project.yaml loads", name);
                }
            }
            catch (KseException ex)
            {
                // One broken project must not stop the sweep of the others; it is logged every time and audited once per problem.
                await ReportSkipAsync(name, ex, cancellationToken);
                continue;
            }

            foreach (var env in manifest.Environments)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await CheckDemotionAsync(manifest, env, cancellationToken) is { } change)
                {
                    applied.Add(change);
                }
            }
        }

        return applied;
    }

    private async Task ReportSkipAsync(string project, KseException problem, CancellationToken cancellationToken)
    {
        var what = $"{problem.Code}: {problem.Message}";
        _log.LogWarning("Progression sweep skipped {Project}: {Problem}", project, what);
        if (_audit is null || (_skipped.TryGetValue(project, out var known) && known == what))
        {
            return;
        }

        try
        {
            await _audit.AppendAsync(
                new AuditDraft
                {
                    Actor = Actor.Server,
                    OperationType = SweepSkipType,
                    Project = project,
                    Target = $"{project}/project.yaml",
                    Decision = "check",
                    Outcome = "skipped",
                    ErrorContext = what,
                    Rules = ["its level cannot be checked for demotion until its project.yaml loads"],
                },
                cancellationToken);
            _skipped[project] = what;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next sweep tries to record it again.
            _log.LogError(ex, "Could not audit that the progression sweep skipped {Project}", project);
        }
    }

    /// <summary>
    /// A human applies the suggested promotion: the evidence is checked again at this moment and the change is refused
    /// (<c>progression.not_recommended</c>, exit 4) unless it recommends exactly one level up. Audited like any level change.
    /// </summary>
    public async Task<(TakeoverChange Change, ProgressionAssessment Assessment)> PromoteAsync(string project, string? environment, string? reason, Actor actor, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw KseException.BadInput("policy.reason_required", "a promotion needs a reason (it is kept in the audit trail)");
        }

        var a = await AssessAsync(project, environment, _clock.GetUtcNow(), cancellationToken);
        if (a.Recommendation.Action != ProgressionAction.Promote)
        {
            throw KseException.Refused(
                "progression.not_recommended",
                $"{a.Project}/{a.Environment.Name()} stays at {a.Recommendation.From}: {string.Join("; ", a.Recommendation.Reasons)}");
        }

        var change = await _policy.ChangeLevelAsync(
            a.Project,
            a.Environment,
            a.Recommendation.To,
            reason.Trim(),
            actor,
            "progression.promote",
            Details(a),
            [.. a.Recommendation.Criteria.Select(c => $"{c.Id}: {c.Text}")],
            expectedFrom: a.Recommendation.From,
            cancellationToken);
        return change is null
            ? throw KseException.Refused("progression.level_changed", $"{a.Project}/{a.Environment.Name()} changed level while the promotion was checked; run 'kse takeover progress' again")
            : (change, a);
    }

    /// <summary>The demotion check alone, over the newest operations only (bounded reads): cheap enough for every outcome and every sweep.</summary>
    private async Task<TakeoverChange?> CheckDemotionAsync(ProjectManifest manifest, EnvironmentKind env, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var (level, source, setAt, setSequence) = await LevelOfAsync(manifest, env, cancellationToken);
        var cap = PolicyKernel.CapOf(env);
        var thresholds = Options.For(env);
        var recent = await ProgressionEvidenceReader.ReadRecentAsync(_reader, manifest.Name, env, setAt, setSequence, thresholds.DemotionWindow, cancellationToken);
        var evidence = ProgressionEvidence.From(recent, setAt, thresholds.DemotionWindow, now);
        var recommendation = ProgressionRules.Recommend(level, cap, evidence, thresholds);
        if (recommendation.Action != ProgressionAction.Demote)
        {
            return null;
        }

        var assessment = new ProgressionAssessment
        {
            Project = manifest.Name,
            Environment = env,
            Level = level,
            Source = source,
            Cap = cap,
            Evidence = evidence,
            Thresholds = thresholds,
            Recommendation = recommendation,
            AssessedAt = now,
        };
        return (await ApplyDemotionAsync(manifest, assessment, cancellationToken)).Applied;
    }

    private async Task<ProgressionAssessment> AssessAsync(ProjectManifest manifest, EnvironmentKind env, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (level, source, setAt, setSequence) = await LevelOfAsync(manifest, env, cancellationToken);
        var cap = PolicyKernel.CapOf(env);
        var thresholds = Options.For(env);
        var operations = await ProgressionEvidenceReader.ReadAsync(_reader, manifest.Name, env, setAt, setSequence, cancellationToken);
        var evidence = ProgressionEvidence.From(operations, setAt, thresholds.DemotionWindow, now);
        return new ProgressionAssessment
        {
            Project = manifest.Name,
            Environment = env,
            Level = level,
            Source = source,
            Cap = cap,
            Evidence = evidence,
            Thresholds = thresholds,
            Recommendation = ProgressionRules.Recommend(level, cap, evidence, thresholds),
            AssessedAt = now,
        };
    }

    private async Task<ProgressionAssessment> ApplyDemotionAsync(ProjectManifest manifest, ProgressionAssessment a, CancellationToken cancellationToken)
    {
        await _demotionLock.WaitAsync(cancellationToken);
        try
        {
            var r = a.Recommendation;
            var e = a.Evidence;
            var reason = string.Create(
                CultureInfo.InvariantCulture,
                $"automatic demotion: {e.WindowErrors} of the last {e.WindowOperations} operations in {a.Environment.Name()} failed ({ProgressionRules.Percent(e.WindowErrorRate)}), above the {ProgressionRules.Percent(a.Thresholds.ErrorRateThreshold)} threshold");

            // Only if the level is still the one assessed: a concurrent check or a human may have changed it meanwhile.
            var change = await _policy.ChangeLevelAsync(manifest.Name, a.Environment, r.To, reason, Actor.Server, DemotionTrigger, Details(a), r.Reasons, expectedFrom: r.From, cancellationToken);
            return change is null ? a with { Recommendation = r with { Action = ProgressionAction.Hold, To = r.From, Reasons = [.. r.Reasons, "hold.changed_meanwhile: the level changed before the demotion was applied"] } } : a with { Applied = change };
        }
        finally
        {
            _demotionLock.Release();
        }
    }

    private static Dictionary<string, string?> Details(ProgressionAssessment a)
    {
        var inv = CultureInfo.InvariantCulture;
        var e = a.Evidence;
        return new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["evidence.since"] = e.Since?.ToString("O", inv),
            ["evidence.daysObserved"] = e.DaysObserved.ToString("0.####", inv),
            ["evidence.operations"] = e.Operations.ToString(inv),
            ["evidence.errors"] = e.Errors.ToString(inv),
            ["evidence.errorRate"] = e.ErrorRate.ToString("0.####", inv),
            ["evidence.confidence"] = e.Confidence.ToString("0.####", inv),
            ["evidence.windowOperations"] = e.WindowOperations.ToString(inv),
            ["evidence.windowErrors"] = e.WindowErrors.ToString(inv),
            ["evidence.windowErrorRate"] = e.WindowErrorRate.ToString("0.####", inv),
            ["threshold.errorRate"] = a.Thresholds.ErrorRateThreshold.ToString("0.####", inv),
        };
    }

    private async ValueTask<(TakeoverLevel Level, string Source, DateTimeOffset? SetAt, long? SetSequence)> LevelOfAsync(ProjectManifest manifest, EnvironmentKind env, CancellationToken cancellationToken)
    {
        var set = await _store.GetLevelAsync(manifest.Name, env, cancellationToken);
        return set is not null ? (set.Level, "set", set.SetAt, set.AuditSequence) : (_policy.Kernel.Options.DefaultFor(manifest.SystemType), "default", null, null);
    }

    private ProjectManifest LoadManifest(string? project) => ProjectManifest.Load(_workspace, ProjectName.Validate(project));
}
