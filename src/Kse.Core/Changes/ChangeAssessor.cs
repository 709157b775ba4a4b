using System.Text.RegularExpressions;

namespace Kse.Core.Changes;

/// <summary>What a project's operations specs say that matters for a change: rollback steps, backup procedure, maintenance window.</summary>
public sealed partial record OperationsContext
{
    public static OperationsContext None { get; } = new();

    public string? Project { get; init; }

    /// <summary>Items of rollback.md's "Rollback Steps" section.</summary>
    public IReadOnlyList<string> RollbackSteps { get; init; } = [];

    /// <summary>Items of operations.md's "Backup Procedures" section.</summary>
    public IReadOnlyList<string> BackupProcedure { get; init; } = [];

    /// <summary>A maintenance-window duration found in operations.md or migration-plan.md, with where it was found.</summary>
    public string? MaintenanceWindow { get; init; }

    public static OperationsContext Load(OperationsDocuments documents, string? project)
    {
        if (project is null || !Directory.Exists(documents.Workspace.OperationsDir(project)))
        {
            return new OperationsContext { Project = project };
        }

        string? window = null;
        foreach (var document in new[] { "operations.md", "migration-plan.md" })
        {
            foreach (var section in documents.Load(project, document)?.Sections ?? [])
            {
                if (window is null && section.IsFilled && WindowPattern().Match(section.Body) is { Success: true } m)
                {
                    window = $"{m.Groups["n"].Value} {m.Groups["u"].Value} ({document}, {section.Heading})";
                }
            }
        }

        return new OperationsContext
        {
            Project = project,
            RollbackSteps = documents.FilledItems(project, "rollback.md", "Rollback Steps"),
            BackupProcedure = documents.FilledItems(project, "operations.md", "Backup Procedures"),
            MaintenanceWindow = window,
        };
    }

    [GeneratedRegex(@"(?i)(?:maintenance\s+window|downtime|outage)[^.\n]{0,80}?\b(?<n>\d+(?:\.\d+)?)\s*(?<u>minutes?|mins?|hours?|hrs?|h\b)")]
    private static partial Regex WindowPattern();
}

/// <summary>Chooses the migration strategy and rates the risk of a classified change.</summary>
public static class ChangeAssessor
{
    public static IReadOnlyList<string> AffectedSystems(IReadOnlyList<ChangeFinding> findings) =>
        findings.OrderByDescending(f => f.Level)
            .Select(f => ChangeRuleCatalog.Get(f.Rule).System)
            .Where(s => s is not "tests" and not "documentation")
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>Online, hybrid or offline from the findings at L3 and above; the strictest finding decides, and the reason names it.</summary>
    public static MigrationStrategy Strategy(IReadOnlyList<ChangeFinding> findings, OperationsContext ops)
    {
        var relevant = findings.Where(f => f.Level >= ChangeLevel.L3).ToList();
        if (relevant.Count == 0)
        {
            return new MigrationStrategy
            {
                Strategy = MigrationKind.Online,
                Reason = "no API, data-structure or architecture change: a rolling deploy is enough",
                Steps = ["Deploy with a rolling update", "Watch the health checks and error rates of the new version"],
            };
        }

        MigrationKind KindOf(ChangeFinding f)
        {
            var rule = ChangeRuleCatalog.Get(f.Rule);
            return f.Level == ChangeLevel.L3 && f.Breaking == false ? MigrationKind.Online : rule.Migration;
        }

        var strictest = relevant.Max(KindOf);
        var deciding = relevant.Where(f => KindOf(f) == strictest).ToList();
        var decidedBy = deciding.Select(f => f.Rule).Distinct(StringComparer.Ordinal).ToList();
        var examples = string.Join("; ", deciding.GroupBy(f => f.Rule).Take(3).Select(g => $"{g.Key} ({ChangeRuleCatalog.Get(g.Key).Summary}{(g.First().Subject is { } s ? ": " + s : "")})"));
        return strictest switch
        {
            MigrationKind.Offline => new MigrationStrategy
            {
                Strategy = MigrationKind.Offline,
                Reason = $"needs a maintenance window: {examples} cannot run safely while the application writes",
                DecidedBy = decidedBy,
                EstimatedDowntime = ops.MaintenanceWindow ?? (ops.Project is null ? "unknown: no project given, so no operations spec to estimate from" : $"unknown: the operations spec of {ops.Project} states no maintenance window or downtime"),
                Steps =
                [
                    $"Announce the maintenance window (estimate: {ops.MaintenanceWindow ?? "not stated in the operations spec"})",
                    "Take a backup and verify it restores",
                    "Stop writers: scale the service to zero or switch on maintenance mode",
                    "Apply the migration",
                    "Run the validation steps of migration-plan.md",
                    "Start the service and run the health checks of deployment.md",
                    "If validation fails, follow rollback.md before reopening traffic",
                ],
            },
            MigrationKind.Hybrid => new MigrationStrategy
            {
                Strategy = MigrationKind.Hybrid,
                Reason = $"phased: {examples} would break running code if done at once, so it is split into expand, migrate and contract releases",
                DecidedBy = decidedBy,
                Steps =
                [
                    "Expand: add the new structure or contract beside the old one (new column, table, endpoint or field)",
                    "Backfill existing data in batches and dual-write from the application",
                    "Switch reads and consumers to the new structure (kse rollout plan orders the consumers)",
                    "Contract: remove the old structure in a later release, once nothing reads it",
                ],
            },
            _ => new MigrationStrategy
            {
                Strategy = MigrationKind.Online,
                Reason = $"zero downtime: {examples} only adds to what exists",
                DecidedBy = decidedBy,
                Steps = ["Apply the additive change before the code that uses it (expand)", "Deploy with a rolling update", "Run the health checks; no contract step is needed"],
            },
        };
    }

    private static RiskRating Combine(RiskRating likelihood, RiskRating impact) => ((int)likelihood * (int)impact) switch
    {
        <= 2 => RiskRating.Low,
        <= 4 => RiskRating.Medium,
        <= 6 => RiskRating.High,
        _ => RiskRating.Critical,
    };

    public static RiskRating RiskOf(ChangeFinding f) => Combine(f.Likelihood, f.Impact);

    /// <summary>Overall risk is the worst finding's, one step higher for a data or architecture change with no documented rollback.</summary>
    public static RiskAssessment Risk(IReadOnlyList<ChangeFinding> findings, OperationsContext ops, MigrationStrategy strategy)
    {
        if (findings.Count == 0)
        {
            return new RiskAssessment { Overall = RiskRating.Low, Likelihood = RiskRating.Low, Impact = RiskRating.Low, Mitigations = ["Nothing to mitigate: the diff changes no file"] };
        }

        var overall = findings.Max(RiskOf);
        var level = findings.Max(f => f.Level);
        var mitigations = new List<string>();
        var rules = findings.Select(f => f.Rule).ToHashSet(StringComparer.Ordinal);
        if (level >= ChangeLevel.L4 && ops.RollbackSteps.Count == 0 && overall < RiskRating.Critical)
        {
            overall++;
            mitigations.Add(ops.Project is null
                ? "Name the project (--project) so its rollback.md can be checked: no documented rollback raises the risk one step"
                : $"Write the 'Rollback Steps' of {ops.Project}'s rollback.md before deploying: without a documented rollback the risk is raised one step");
        }

        var drivers = findings.Where(f => RiskOf(f) >= findings.Max(RiskOf)).Select(f => f.Rule).Distinct(StringComparer.Ordinal).ToList();
        bool Has(params string[] ids) => ids.Any(rules.Contains);
        bool Prefix(string p) => rules.Any(r => r.StartsWith(p, StringComparison.Ordinal));

        if (level >= ChangeLevel.L4 && (Prefix("data.") || Has("arch.iac.resource-removed", "arch.service-removed")))
        {
            mitigations.Add(ops.BackupProcedure.Count > 0
                ? $"Back up first, as operations.md says: {string.Join("; ", ops.BackupProcedure.Take(3))}"
                : "Back up first and check the backup restores (operations.md has no Backup Procedures to follow)");
        }

        if (Has("data.table-dropped", "data.column-dropped", "data.renamed", "data.not-null-without-default", "data.column-type-changed"))
        {
            mitigations.Add("Use expand/contract: add the new column or table beside the old, backfill, switch reads, and drop the old one in a later release");
        }

        if (Has("data.index-blocking"))
        {
            mitigations.Add("Build indexes without blocking writes: CREATE INDEX CONCURRENTLY (PostgreSQL), WITH (ONLINE = ON) (SQL Server), ALGORITHM=INPLACE, LOCK=NONE (MySQL)");
        }

        if (Has("data.constraint-validating"))
        {
            mitigations.Add("Add constraints NOT VALID and run VALIDATE CONSTRAINT separately, outside the deploy");
        }

        if (Has("data.not-null-without-default"))
        {
            mitigations.Add("Add the column nullable (or with a DEFAULT), backfill in batches, then enforce NOT NULL through a validated CHECK constraint");
        }

        if (Has("data.applied-migration-edited"))
        {
            mitigations.Add("Revert the edit to the applied migration and put the change in a new migration");
        }

        if (Has("data.data-rewrite", "data.raw-sql"))
        {
            mitigations.Add("Run data rewrites in batches with a row-count check, after a backup");
        }

        if (findings.Any(f => f.Level == ChangeLevel.L3 && f.Breaking == true))
        {
            mitigations.Add("Keep the old API contract (or a new version beside it) until every consumer has moved; canary the provider first");
        }

        if (level == ChangeLevel.L5)
        {
            mitigations.Add("Roll out with a canary and in waves (kse rollout plan); watch the health checks between waves");
        }

        if (Has("config.feature-flag"))
        {
            mitigations.Add("Ship the feature flag off, then switch it on per environment (test before production)");
        }

        if (Has("config.connection-string", "config.port"))
        {
            mitigations.Add("Check connectivity with the new endpoint or port in test before production; keep the previous value at hand");
        }

        if (Has("change.unknown-file", "change.binary-file"))
        {
            var files = findings.Where(f => f.Rule is "change.unknown-file" or "change.binary-file").Select(f => f.File).Distinct(StringComparer.Ordinal).Take(3);
            mitigations.Add($"Review by hand what no rule understands: {string.Join(", ", files)}");
        }

        if (strategy.Strategy == MigrationKind.Offline)
        {
            mitigations.Add($"Schedule the maintenance window (estimate: {strategy.EstimatedDowntime})");
        }

        if (level >= ChangeLevel.L2 || overall >= RiskRating.Medium)
        {
            for (var i = 0; i < ops.RollbackSteps.Count && i < 5; i++)
            {
                mitigations.Add($"Rollback step {i + 1} (rollback.md): {ops.RollbackSteps[i]}");
            }
        }

        if (mitigations.Count == 0)
        {
            mitigations.Add("Review and test as usual: code-level change");
        }

        return new RiskAssessment
        {
            Overall = overall,
            Likelihood = findings.Max(f => f.Likelihood),
            Impact = findings.Max(f => f.Impact),
            Drivers = drivers,
            Mitigations = mitigations,
        };
    }
}
