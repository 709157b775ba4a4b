using Kse.Core.Audit;
using Kse.Core.Projects;

namespace Kse.Core.Changes;

/// <summary>
/// The Changes capability: classify a diff and assess it against the project graph and the operations specs, gate L4/L5 on a complete
/// migration plan, record predicted and actual impact, and plan coordinated rollouts. CLI verbs and MCP tools are thin adapters over it.
/// </summary>
public sealed class ChangeImpactService
{
    public static readonly IReadOnlyList<string> MigrationPlanSections = ["Migration Strategy", "Data Mapping", "Validation Steps", "Rollback Plan"];
    public static readonly IReadOnlyList<string> Outcomes = ["succeeded", "failed", "rolled-back", "partial"];

    /// <summary>The default cap on a diff to classify (<c>Kse:Changes:MaxDiffBytes</c>): 64 MiB.</summary>
    public const long DefaultMaxDiffBytes = 64L * 1024 * 1024;

    private readonly ProjectGraphService _graph;
    private readonly KseWorkspace _workspace;
    private readonly ChangeClassifier _classifier;
    private readonly TimeProvider _clock;
    private readonly IAuditTrail? _audit;
    private readonly string _git;
    private readonly OperationsDocuments _documents;

    public ChangeImpactService(KseWorkspace workspace, ChangeClassifier classifier, TimeProvider clock, IAuditTrail? audit = null, string git = "git", Specs.SpecService? specs = null, ProjectGraphService? graph = null)
    {
        _workspace = workspace;
        _graph = graph ?? new ProjectGraphService(workspace);
        _documents = new OperationsDocuments(workspace, specs);
        _classifier = classifier;
        _clock = clock;
        _audit = audit;
        _git = git;
    }

    /// <summary>The largest diff read (text, file, stdin or git output), in bytes; a larger one is <c>change.too_large</c>.</summary>
    public long MaxDiffBytes { get; init; } = DefaultMaxDiffBytes;

    /// <summary>Reads <paramref name="reader"/> to its end, refusing (<c>change.too_large</c>) once more than <see cref="MaxDiffBytes"/> have come.</summary>
    public async Task<string> ReadBoundedAsync(TextReader reader, string what, CancellationToken cancellationToken = default)
    {
        var sb = new System.Text.StringBuilder();
        var buffer = new char[81920];
        long bytes = 0;
        int n;
        while ((n = await reader.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
        {
            bytes += System.Text.Encoding.UTF8.GetByteCount(buffer.AsSpan(0, n));
            if (bytes > MaxDiffBytes)
            {
                throw KseException.BadInput("change.too_large", $"{what} is larger than {MaxDiffBytes} bytes (Kse:Changes:MaxDiffBytes); refused unread");
            }

            sb.Append(buffer, 0, n);
        }

        return sb.ToString();
    }

    public async Task<string> ReadDiffAsync(DiffSource source, CancellationToken cancellationToken = default)
    {
        var given = (source.Text is not null ? 1 : 0) + (source.File is not null ? 1 : 0) + (source.IsGit ? 1 : 0);
        if (given > 1)
        {
            throw KseException.BadInput("change.source_conflict", "give one diff source: a diff text or file, base/head revisions, or staged");
        }

        if (source.File is not null)
        {
            var path = Path.GetFullPath(source.File);
            if (!File.Exists(path))
            {
                throw KseException.NotFound("change.diff_not_found", $"diff file '{source.File}' does not exist");
            }

            return InputLimits.ReadText(path, "change", $"diff file '{source.File}'", MaxDiffBytes);
        }

        if (source.IsGit)
        {
            var fromGit = await GitDiff.ReadAsync(_workspace.Root, source.Base, source.Head, source.Staged, _git, cancellationToken);
            InputLimits.CheckSize(fromGit, "change", "the git diff", MaxDiffBytes);
            return fromGit;
        }

        var text = source.Text ?? throw KseException.BadInput("change.source_missing", "no diff given: a diff text or file, base/head revisions, or staged");
        InputLimits.CheckSize(text, "change", "the diff", MaxDiffBytes);
        return text;
    }

    /// <summary>
    /// Reads and parses the diff. From git, each file also carries its full old and new text, so rules can see what encloses a
    /// hunk; a diff given as text or file is classified from its hunks alone.
    /// </summary>
    public async Task<IReadOnlyList<DiffFile>> ReadDiffFilesAsync(DiffSource source, CancellationToken cancellationToken = default)
    {
        var files = UnifiedDiff.Parse(await ReadDiffAsync(source, cancellationToken));
        if (!source.IsGit)
        {
            return files;
        }

        return source.Staged
            ? await GitDiff.AttachContentAsync(files, _workspace.Root, "HEAD", null, _git, cancellationToken)
            : await GitDiff.AttachContentAsync(files, _workspace.Root, GitDiff.CheckRevision(source.Base!, "--base"), GitDiff.CheckRevision(source.Head ?? "HEAD", "--head"), _git, cancellationToken);
    }

    /// <summary>Classifies the diff and adds affected systems, migration strategy, risk and (L3+, with a graph) the dependency analysis.</summary>
    public ChangeReport Assess(string diffText, string? project = null) => Assess(UnifiedDiff.Parse(diffText), project);

    /// <inheritdoc cref="Assess(string, string?)"/>
    public ChangeReport Assess(IReadOnlyList<DiffFile> files, string? project = null) => Assess(files, project, progress: null);

    /// <inheritdoc cref="Assess(string, string?)"/>
    /// <param name="progress">Told how many files are classified, every <see cref="ChangeClassifier.ProgressEvery"/> files and at the end.</param>
    public ChangeReport Assess(IReadOnlyList<DiffFile> files, string? project, IProgress<WorkProgress>? progress)
    {
        if (project is not null)
        {
            ProjectName.Validate(project);
        }

        var graph = LoadGraph();
        var notes = new List<string>();
        if (graph is null && DependencyFile.TryLoad(_workspace) is { Problems.Count: > 0 } broken)
        {
            notes.Add($".sce/dependencies.yaml has {broken.Problems.Count} problem(s), so projects and dependents are not analysed: run 'kse graph check'");
        }

        Func<string, string?>? projectOf = project is not null ? _ => project : graph is not null ? graph.ProjectOf : null;
        var classification = _classifier.Classify(files, projectOf, progress);
        var findings = classification.Findings;
        var projects = project is not null ? [project] : findings.Select(f => f.Project).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var ops = OperationsContext.Load(_documents, projects.Count == 1 ? projects[0] : null);
        var strategy = ChangeAssessor.Strategy(findings, ops);
        var risk = ChangeAssessor.Risk(findings, ops, strategy);
        DependencyAnalysis? analysis = null;
        if (classification.Level >= ChangeLevel.L3 && graph is not null && projects.Count > 0)
        {
            analysis = CompatibilityChecker.Analyze(graph, findings, projects, _workspace);
        }

        var systems = ChangeAssessor.AffectedSystems(findings).ToList();
        if (analysis is not null)
        {
            systems.AddRange(projects.Concat(analysis.Dependents.Select(d => d.Project)).Distinct(StringComparer.Ordinal).Select(p => $"project:{p}"));
        }

        return new ChangeReport
        {
            Level = classification.Level,
            Findings = findings,
            AffectedSystems = systems,
            RequiresMigrationPlan = classification.Level >= ChangeLevel.L4,
            MigrationStrategy = strategy,
            Risk = risk,
            Projects = projects.Count > 0 ? projects : null,
            FilesChanged = classification.FilesChanged,
            DependencyAnalysis = analysis,
            Notes = notes.Count > 0 ? notes : null,
        };
    }

    /// <summary>
    /// L4/L5 pass only when the migration-plan.md of the project has every required section filled. Without
    /// <paramref name="project"/>, every project whose files carry L4/L5 findings is checked (a monorepo diff).
    /// </summary>
    public GateResult Gate(ChangeReport report, string? project)
    {
        var deep = report.Findings.Where(f => f.Level >= ChangeLevel.L4).ToList();
        var rules = deep.Select(f => f.Rule).Distinct(StringComparer.Ordinal).ToList();
        if (!report.RequiresMigrationPlan)
        {
            return new GateResult { Passed = true, Level = report.Level, RequiresMigrationPlan = false, Project = project, Reason = $"{report.Level} change: no migration plan required" };
        }

        if (project is not null)
        {
            return GateProject(report, ProjectName.Validate(project), rules);
        }

        var candidates = deep.Select(f => f.Project).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var unmapped = deep.Where(f => f.Project is null).Select(f => f.File).Distinct(StringComparer.Ordinal).ToList();
        if (candidates.Count == 0)
        {
            throw KseException.BadInput("change.project_required", $"{report.Level} change needs a migration plan: name the project so its migration-plan.md can be checked (no changed file belongs to a declared project)");
        }

        if (candidates.Count == 1 && unmapped.Count == 0)
        {
            return GateProject(report, candidates[0], rules);
        }

        var plans = candidates.Select(p => GateProject(report, p, deep.Where(f => f.Project == p).Select(f => f.Rule).Distinct(StringComparer.Ordinal).ToList())).ToList();
        var failed = plans.Where(p => !p.Passed).Select(p => p.Project!).ToList();
        var reasons = new List<string>();
        if (failed.Count > 0)
        {
            reasons.Add($"incomplete migration plans: {string.Join(", ", failed)}");
        }

        if (unmapped.Count > 0)
        {
            reasons.Add($"{unmapped.Count} L4/L5 file(s) belong to no declared project ({string.Join(", ", unmapped.Take(3))}): pass --project");
        }

        return new GateResult
        {
            Passed = reasons.Count == 0, Level = report.Level, RequiresMigrationPlan = true, Rules = rules, Plans = plans,
            Reason = reasons.Count == 0 ? $"{report.Level} change and the migration plans of {string.Join(", ", candidates)} are complete" : $"{report.Level} change: {string.Join("; ", reasons)}",
        };
    }

    private GateResult GateProject(ChangeReport report, string project, IReadOnlyList<string> rules)
    {
        var path = Path.Combine(_workspace.OperationsDir(project), "migration-plan.md");
        var relative = Path.GetRelativePath(_workspace.Root, path).Replace('\\', '/');
        if (!File.Exists(path))
        {
            return new GateResult
            {
                Passed = false, Level = report.Level, RequiresMigrationPlan = true, Project = project, Document = relative,
                MissingSections = MigrationPlanSections, Rules = rules,
                Reason = $"{report.Level} change and {relative} does not exist: write it with {string.Join(", ", MigrationPlanSections)}",
            };
        }

        // The project's own plan, not the shared library: the plan is for this change.
        var plan = Specs.MarkdownSpec.Parse(InputLimits.ReadText(path, "spec.document", relative), relative);
        var missing = MigrationPlanSections.Where(s => plan.Find(s) is null).ToList();
        var unfilled = MigrationPlanSections.Where(s => plan.Find(s) is { IsFilled: false }).ToList();
        var passed = missing.Count == 0 && unfilled.Count == 0;
        var parts = new List<string>();
        if (missing.Count > 0)
        {
            parts.Add($"missing sections: {string.Join(", ", missing)}");
        }

        if (unfilled.Count > 0)
        {
            parts.Add($"unfilled sections: {string.Join(", ", unfilled)}");
        }

        return new GateResult
        {
            Passed = passed, Level = report.Level, RequiresMigrationPlan = true, Project = project, Document = relative,
            MissingSections = missing, UnfilledSections = unfilled, Rules = rules, Warnings = passed ? PlanWarnings(report, plan) : [],
            Reason = passed ? $"{report.Level} change and {relative} is complete" : $"{report.Level} change and {relative} is incomplete: {string.Join("; ", parts)}",
        };
    }

    private static readonly Dictionary<MigrationKind, string[]> StrategyWords = new()
    {
        [MigrationKind.Online] = ["online", "zero-downtime", "zero downtime", "rolling", "expand"],
        [MigrationKind.Hybrid] = ["hybrid", "phased", "phase", "expand", "contract", "backfill", "dual-write"],
        [MigrationKind.Offline] = ["offline", "maintenance", "downtime", "window"],
    };

    /// <summary>A filled plan that names neither the strategy this change needs nor the tables and columns it drops or alters is probably for another change.</summary>
    private static List<string> PlanWarnings(ChangeReport report, Specs.MarkdownSpec plan)
    {
        var warnings = new List<string>();
        var strategy = plan.Find("Migration Strategy")?.Body ?? "";
        var needed = report.MigrationStrategy.Strategy;
        if (!StrategyWords[needed].Any(w => strategy.Contains(w, StringComparison.OrdinalIgnoreCase)))
        {
            warnings.Add($"'Migration Strategy' does not mention {needed.ToString().ToLowerInvariant()}, the strategy this change needs ({report.MigrationStrategy.Reason})");
        }

        var mapping = (plan.Find("Data Mapping")?.Body ?? "") + "\n" + (plan.Find("Migration Strategy")?.Body ?? "");
        var subjects = report.Findings.Where(f => f.Level == ChangeLevel.L4 && f.Breaking == true && f.Subject is not null).Select(f => f.Subject!).Distinct(StringComparer.Ordinal);
        foreach (var subject in subjects)
        {
            var last = subject.Split('.')[^1];
            if (!mapping.Contains(subject, StringComparison.OrdinalIgnoreCase) && !mapping.Contains(last, StringComparison.OrdinalIgnoreCase))
            {
                warnings.Add($"'Data Mapping' does not mention {subject}, which this change drops or alters");
            }
        }

        return warnings;
    }

    /// <summary>Appends the predicted impact of change <paramref name="changeId"/> to the project's change-impact.md.</summary>
    public async Task<ChangeRecordResult> RecordAsync(string project, string changeId, ChangeReport report, Actor actor, string? notes = null, CancellationToken cancellationToken = default)
    {
        var (path, relative) = ChangeImpactDocument(project);
        ChangeLog.ValidateChangeId(changeId);
        if (ChangeLog.HasEntry(path, ChangeLog.PredictedHeading(changeId)))
        {
            throw KseException.BadInput("change.already_recorded", $"change '{changeId}' already has a predicted entry in {relative}; use a new change id");
        }

        var now = _clock.GetUtcNow();
        var related = RelatedProjects(project, report);
        var rules = report.Findings.Select(f => f.Rule).Distinct(StringComparer.Ordinal).ToList();
        var entry = new List<string>
        {
            ChangeLog.PredictedHeading(changeId),
            "",
            $"- Recorded: {ChangeLog.Stamp(now)} by {actor}",
            $"- Predicted level: {report.Level}",
            $"- Rules: {(rules.Count == 0 ? "none" : string.Join(", ", rules.Take(20)) + (rules.Count > 20 ? $" (+{rules.Count - 20} more)" : ""))}",
            $"- Affected systems: {(report.AffectedSystems.Count == 0 ? "none" : string.Join(", ", report.AffectedSystems))}",
            $"- Migration strategy: {Name(report.MigrationStrategy.Strategy)} ({report.MigrationStrategy.Reason})",
            $"- Risk: {Name(report.Risk.Overall)}",
            $"- Files changed: {report.FilesChanged}",
        };
        if (related.Count > 0)
        {
            entry.Add($"- Related projects: {string.Join(", ", related)}");
        }

        if (!string.IsNullOrWhiteSpace(notes))
        {
            entry.Add($"- Notes: {notes.ReplaceLineEndings(" ")}");
        }

        await AuditedAsync(actor, "change.record", project, changeId, related, new Dictionary<string, string?> { ["changeId"] = changeId, ["predictedLevel"] = report.Level.ToString(), ["risk"] = Name(report.Risk.Overall) },
            () => ChangeLog.Append(path, string.Join('\n', entry)), cancellationToken);
        return new ChangeRecordResult
        {
            Project = project, ChangeId = changeId, PredictedLevel = report.Level, Rules = rules, PredictedRisk = report.Risk.Overall,
            MigrationStrategy = report.MigrationStrategy.Strategy, RelatedProjects = related, Document = relative, RecordedAt = now,
        };
    }

    /// <summary>Records what actually happened for a recorded change and reports the difference to the prediction.</summary>
    public async Task<ChangeActualResult> ActualAsync(string project, string changeId, string outcome, ChangeLevel actualLevel, Actor actor, string? notes = null, IReadOnlyList<string>? relatedProjects = null, CancellationToken cancellationToken = default)
    {
        var (path, relative) = ChangeImpactDocument(project);
        ChangeLog.ValidateChangeId(changeId);
        var normalized = outcome.Trim().ToLowerInvariant();
        if (!Outcomes.Contains(normalized))
        {
            throw KseException.BadInput("change.outcome_unknown", $"unknown outcome '{outcome}': use {string.Join(", ", Outcomes)}");
        }

        var predicted = ChangeLog.PredictedLevel(path, changeId)
            ?? throw KseException.NotFound("change.not_recorded", $"change '{changeId}' has no predicted entry in {relative}: run 'kse change record {project} --change-id {changeId}' first");
        if (ChangeLog.HasEntry(path, ChangeLog.ActualHeading(changeId)))
        {
            throw KseException.BadInput("change.already_recorded", $"change '{changeId}' already has an actual entry in {relative}");
        }

        var diff = (int)actualLevel - (int)predicted;
        var assessment = diff == 0 ? "accurate" : diff < 0 ? "over-estimated" : "under-estimated";
        var difference = diff == 0
            ? $"accurate: predicted {predicted}, actual {actualLevel}"
            : $"{assessment} by {Math.Abs(diff)} level{(Math.Abs(diff) == 1 ? "" : "s")}: predicted {predicted}, actual {actualLevel}";
        var now = _clock.GetUtcNow();
        var related = (relatedProjects ?? []).Where(p => p != project).Select(ProjectName.Validate).Distinct(StringComparer.Ordinal).ToList();
        var entry = new List<string>
        {
            ChangeLog.ActualHeading(changeId),
            "",
            $"- Recorded: {ChangeLog.Stamp(now)} by {actor}",
            $"- Actual level: {actualLevel}",
            $"- Outcome: {normalized}",
            $"- Predicted level: {predicted}",
            $"- Difference: {difference}",
        };
        if (related.Count > 0)
        {
            entry.Add($"- Related projects: {string.Join(", ", related)}");
        }

        if (!string.IsNullOrWhiteSpace(notes))
        {
            entry.Add($"- Notes: {notes.ReplaceLineEndings(" ")}");
        }

        await AuditedAsync(actor, "change.actual", project, changeId, related, new Dictionary<string, string?> { ["changeId"] = changeId, ["predictedLevel"] = predicted.ToString(), ["actualLevel"] = actualLevel.ToString(), ["outcome"] = normalized, ["difference"] = diff.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            () => ChangeLog.Append(path, string.Join('\n', entry)), cancellationToken);
        return new ChangeActualResult
        {
            Project = project, ChangeId = changeId, PredictedLevel = predicted, ActualLevel = actualLevel, Outcome = normalized,
            LevelDifference = diff, Assessment = assessment, Difference = difference, Notes = notes, RelatedProjects = related, Document = relative, RecordedAt = now,
        };
    }

    /// <summary>Classifies the diff and plans rollout waves across the changed projects and their incompatible consumers.</summary>
    public Task<RolloutPlan> PlanRolloutAsync(string diffText, string? project, Actor? actor = null, CancellationToken cancellationToken = default) =>
        PlanRolloutAsync(UnifiedDiff.Parse(diffText), project, actor, cancellationToken);

    /// <inheritdoc cref="PlanRolloutAsync(string, string?, Actor?, CancellationToken)"/>
    public Task<RolloutPlan> PlanRolloutAsync(IReadOnlyList<DiffFile> files, string? project, Actor? actor = null, CancellationToken cancellationToken = default) =>
        PlanRolloutAsync(files, project, actor, progress: null, cancellationToken);

    /// <inheritdoc cref="PlanRolloutAsync(string, string?, Actor?, CancellationToken)"/>
    public async Task<RolloutPlan> PlanRolloutAsync(IReadOnlyList<DiffFile> files, string? project, Actor? actor, IProgress<WorkProgress>? progress, CancellationToken cancellationToken = default)
    {
        var graph = _graph.LoadValid();
        if (project is not null)
        {
            graph.Get(ProjectName.Validate(project));
        }

        var report = Assess(files, project, progress);
        var projects = report.Projects ?? [];
        if (projects.Count == 0)
        {
            throw KseException.BadInput("rollout.project_unknown", "no changed file maps to a declared project: name the project, or give projects a 'path' in .sce/dependencies.yaml");
        }

        var analysis = report.DependencyAnalysis ?? CompatibilityChecker.Analyze(graph, report.Findings, projects, _workspace);
        var plan = RolloutPlanner.Plan(graph, report, analysis, _documents);
        if (actor is not null)
        {
            var all = plan.Waves.SelectMany(w => w.Steps.Select(s => s.Project)).Distinct(StringComparer.Ordinal).ToList();
            var related = all.Concat(projects).Concat(plan.Incompatibilities.Select(i => i.Consumer)).Where(p => p != projects[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            await AuditedAsync(actor, "rollout.plan", projects[0], null, related,
                new Dictionary<string, string?> { ["level"] = report.Level.ToString(), ["waves"] = plan.Waves.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), ["coordinationNeeded"] = plan.CoordinationNeeded ? "true" : "false" },
                () => { }, cancellationToken);
        }

        return plan;
    }

    /// <summary>The graph when the workspace declares a valid one; classification works without it (problems: <c>kse graph check</c>).</summary>
    public DependencyGraph? LoadGraph() => _graph.TryLoadValid();

    private (string Path, string Relative) ChangeImpactDocument(string project)
    {
        ProjectName.Validate(project);
        var dir = _workspace.OperationsDir(project);
        if (!Directory.Exists(_workspace.ProjectDir(project)))
        {
            throw KseException.NotFound("spec.project_not_found", $"project '{project}' has no folder {Path.GetRelativePath(_workspace.Root, _workspace.ProjectDir(project))}: run 'kse ops init {project}'");
        }

        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "change-impact.md");
        return (path, Path.GetRelativePath(_workspace.Root, path).Replace('\\', '/'));
    }

    private static List<string> RelatedProjects(string project, ChangeReport report)
    {
        var related = new List<string>();
        related.AddRange(report.Projects ?? []);
        if (report.DependencyAnalysis is { } a)
        {
            related.AddRange(a.Incompatibilities.Select(i => i.Consumer));
            related.AddRange(a.Dependents.Where(d => d.Direct).Select(d => d.Project));
        }

        return related.Where(p => p != project).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Audits a cross-project operation with every project it touches: the decision before <paramref name="action"/> runs
    /// (a failed write stops it) and the outcome after, tied by a correlation id.
    /// </summary>
    private async Task AuditedAsync(Actor actor, string operation, string project, string? target, IReadOnlyList<string> related, IReadOnlyDictionary<string, string?> parameters, Action action, CancellationToken cancellationToken)
    {
        if (_audit is null)
        {
            action();
            return;
        }

        var draft = new AuditDraft
        {
            Actor = actor,
            OperationType = operation,
            Project = project,
            Target = target,
            Parameters = parameters,
            Decision = "run",
            Outcome = "decided",
            CorrelationId = Guid.NewGuid().ToString("N"),
            RelatedProjects = related.Count > 0 ? related : null,
        };
        await _audit.AppendAsync(draft, cancellationToken);
        try
        {
            action();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await _audit.AppendAsync(draft with { Outcome = "failed", ErrorContext = ex.Message }, CancellationToken.None);
            throw new KseException("change.write_failed", $"could not write the change log: {ex.Message}", KseErrorKind.Failure, ex);
        }

        await _audit.AppendAsync(draft with { Outcome = "succeeded" }, cancellationToken);
    }

    private static string Name(MigrationKind kind) => kind switch
    {
        MigrationKind.Online => "online",
        MigrationKind.Hybrid => "hybrid",
        _ => "offline",
    };

    private static string Name(RiskRating rating) => rating.ToString().ToLowerInvariant();
}
