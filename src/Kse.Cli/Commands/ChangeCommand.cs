using System.CommandLine;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Changes;

namespace Kse.Cli.Commands;

/// <summary><c>kse change</c>: Classify a change's impact (L1 code … L5 architecture) and gate it.</summary>
internal static class ChangeCommand
{
    public static Command Create() =>
        CommandExtensions.Group("change", "Classify a change's impact (L1 code … L5 architecture) and gate it.", "kse change classify --staged --json",
            Classify(), Gate(), Record(), Actual(), Rules());

    internal static string LevelName(ChangeLevel level) => level switch
    {
        ChangeLevel.L1 => "L1 code",
        ChangeLevel.L2 => "L2 configuration",
        ChangeLevel.L3 => "L3 API",
        ChangeLevel.L4 => "L4 data structure",
        _ => "L5 architecture",
    };

    internal static string Name<T>(T value) where T : struct, Enum => KseJson.Serialize(value).Trim('"');

    private static Command Classify()
    {
        var source = new ChangeSourceOptions();
        var command = source.AddTo(CommandExtensions.Verb("classify",
            "Classify a unified diff: L1 code, L2 configuration, L3 API, L4 data structure, L5 architecture (the highest finding wins). Reads --diff FILE, a git range, the staged changes, or stdin.",
            "git diff main... | kse change classify --project billing --json"));
        return command.WithAction(async (ctx, ct) =>
        {
            var service = ctx.Get<ChangeImpactService>();
            var report = service.Assess(await source.ReadAsync(ctx, service, ct), ctx.Value(source.Project));
            if (ctx.Json)
            {
                ctx.WriteJson(report);
            }
            else
            {
                WriteReport(ctx, report);
            }

            return 0;
        });
    }

    internal static void WriteReport(CliContext ctx, ChangeReport report)
    {
        var files = report.Findings.Select(f => f.File).Distinct(StringComparer.Ordinal).Count();
        ctx.WriteLine($"{LevelName(report.Level)}: {report.Findings.Count} finding(s) in {files} file(s); risk {Name(report.Risk.Overall)}; migration {Name(report.MigrationStrategy.Strategy)}{(report.RequiresMigrationPlan ? "; migration plan required" : "")}");
        const int shown = 40;
        foreach (var f in report.Findings.Take(shown))
        {
            ctx.WriteLine($"  {f.Level} {f.Rule,-34} {f.File}:{f.Line}  {f.Reason}");
        }

        if (report.Findings.Count > shown)
        {
            ctx.WriteLine($"  … {report.Findings.Count - shown} more (use --json for all)");
        }

        if (report.AffectedSystems.Count > 0)
        {
            ctx.WriteLine($"Affected systems: {string.Join(", ", report.AffectedSystems)}");
        }

        ctx.WriteLine($"Migration strategy: {Name(report.MigrationStrategy.Strategy)} — {report.MigrationStrategy.Reason}");
        if (report.MigrationStrategy.EstimatedDowntime is { } downtime)
        {
            ctx.WriteLine($"  estimated downtime: {downtime}");
        }

        var n = 1;
        foreach (var step in report.MigrationStrategy.Steps)
        {
            ctx.WriteLine($"  {n++}. {step}");
        }

        ctx.WriteLine($"Risk: {Name(report.Risk.Overall)} (likelihood {Name(report.Risk.Likelihood)}, impact {Name(report.Risk.Impact)}{(report.Risk.Drivers.Count > 0 ? "; driven by " + string.Join(", ", report.Risk.Drivers) : "")})");
        foreach (var m in report.Risk.Mitigations)
        {
            ctx.WriteLine($"  - {m}");
        }

        foreach (var note in report.Notes ?? [])
        {
            ctx.WriteLine($"note: {note}");
        }

        if (report.DependencyAnalysis is { } a)
        {
            ctx.WriteLine($"Dependents of {string.Join(", ", a.ChangedProjects)}: {(a.Dependents.Count == 0 ? "none" : string.Join(", ", a.Dependents.Select(d => d.Direct ? d.Project : $"{d.Project} (via {string.Join(" -> ", d.Path)})")))}");
            foreach (var i in a.Incompatibilities)
            {
                ctx.WriteLine($"  incompatible: {i.Consumer} ({i.Resource}) — {i.Reason}");
            }

            foreach (var note in a.Notes)
            {
                ctx.WriteLine($"  note: {note}");
            }
        }
    }

    private static Command Gate()
    {
        var source = new ChangeSourceOptions();
        var command = source.AddTo(CommandExtensions.Verb("gate",
            "Fail (exit 1) an L4/L5 change unless the project's migration-plan.md has Migration Strategy, Data Mapping, Validation Steps and Rollback Plan filled; names what is missing.",
            "kse change gate --base origin/main --head HEAD --project billing"));
        return command.WithAction(async (ctx, ct) =>
        {
            var service = ctx.Get<ChangeImpactService>();
            var project = ctx.Value(source.Project);
            var report = service.Assess(await source.ReadAsync(ctx, service, ct), project);
            var result = service.Gate(report, project);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }
            else
            {
                ctx.WriteLine($"{(result.Passed ? "PASS" : "FAIL")} {LevelName(result.Level)}: {result.Reason}");
                foreach (var plan in result.Plans ?? [result])
                {
                    var prefix = result.Plans is null ? "" : $"{plan.Project}: ";
                    if (result.Plans is not null)
                    {
                        ctx.WriteLine($"  {(plan.Passed ? "PASS" : "FAIL")} {plan.Reason}");
                    }

                    foreach (var s in plan.MissingSections)
                    {
                        ctx.WriteLine($"  {prefix}missing section: {s}");
                    }

                    foreach (var s in plan.UnfilledSections)
                    {
                        ctx.WriteLine($"  {prefix}unfilled section: {s}");
                    }

                    foreach (var w in plan.Warnings)
                    {
                        ctx.WriteLine($"  {prefix}warning: {w}");
                    }
                }

                if (!result.Passed && result.Rules.Count > 0)
                {
                    ctx.WriteLine($"  because of: {string.Join(", ", result.Rules)}");
                }
            }

            return result.Passed ? 0 : 1;
        });
    }

    private static readonly Argument<string> ProjectArgument = new("project") { Description = "The project whose change-impact.md records the change" };

    private static Command Record()
    {
        var source = new ChangeSourceOptions();
        var changeId = new Option<string>("--change-id") { Description = "A stable id for the change (ticket, PR number)", Required = true };
        var notes = new Option<string?>("--notes") { Description = "A line of context to keep with the record" };
        var command = CommandExtensions.Verb("record",
            "Classify a diff and append its predicted impact (level, rules, systems, strategy, risk) to the project's change-impact.md under '## Change Log'.",
            "kse change record billing --change-id PR-412 --base origin/main --head HEAD");
        command.Arguments.Add(ProjectArgument);
        command.Options.Add(changeId);
        command.Options.Add(notes);
        source.AddTo(command, withProject: false);
        return command.WithAction(async (ctx, ct) =>
        {
            var service = ctx.Get<ChangeImpactService>();
            var project = ProjectName.Validate(ctx.Value(ProjectArgument));
            var report = service.Assess(await source.ReadAsync(ctx, service, ct), project);
            var result = await service.RecordAsync(project, ctx.Value(changeId)!, report, Actor.OsUser(), ctx.Value(notes), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }
            else
            {
                ctx.WriteLine($"recorded {result.ChangeId} in {result.Document}: predicted {LevelName(result.PredictedLevel)}, risk {Name(result.PredictedRisk)}, migration {Name(result.MigrationStrategy)}{(result.RelatedProjects.Count > 0 ? $"; related projects: {string.Join(", ", result.RelatedProjects)}" : "")}");
            }

            return 0;
        });
    }

    private static Command Actual()
    {
        var changeId = new Option<string>("--change-id") { Description = "The id used with 'kse change record'", Required = true };
        var outcome = new Option<string>("--outcome") { Description = $"What happened: {string.Join(", ", ChangeImpactService.Outcomes)}", Required = true };
        var level = new Option<string>("--actual-level") { Description = "The level the change turned out to have (L1 … L5)", Required = true };
        var notes = new Option<string?>("--notes") { Description = "What differed from the prediction" };
        var related = new Option<string[]>("--related") { Description = "Other projects the deployment touched", AllowMultipleArgumentsPerToken = true };
        var command = CommandExtensions.Verb("actual",
            "After deployment: record the actual level and outcome of a recorded change next to its prediction, and report the difference.",
            "kse change actual billing --change-id PR-412 --outcome succeeded --actual-level L3");
        command.Arguments.Add(ProjectArgument);
        command.Options.Add(changeId);
        command.Options.Add(outcome);
        command.Options.Add(level);
        command.Options.Add(notes);
        command.Options.Add(related);
        return command.WithAction(async (ctx, ct) =>
        {
            var service = ctx.Get<ChangeImpactService>();
            var project = ProjectName.Validate(ctx.Value(ProjectArgument));
            var result = await service.ActualAsync(project, ctx.Value(changeId)!, ctx.Value(outcome)!, ChangeLog.ParseLevel(ctx.Value(level)), Actor.OsUser(), ctx.Value(notes),
                (ctx.Value(related) ?? []).SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }
            else
            {
                ctx.WriteLine($"{result.ChangeId} {result.Outcome}: {result.Difference} (recorded in {result.Document})");
            }

            return 0;
        });
    }

    private static Command Rules() =>
        CommandExtensions.Verb("rules", "List every rule id the classifier emits, with its level, the system it touches, its default risk and migration kind.", "kse change rules --json")
            .WithAction(ctx =>
            {
                if (ctx.Json)
                {
                    ctx.WriteJson(new { rules = ChangeRuleCatalog.All });
                }
                else
                {
                    foreach (var r in ChangeRuleCatalog.All)
                    {
                        ctx.WriteLine($"{r.Level} {r.Id,-34} {r.Summary}{(r.Breaking == true ? " [breaking]" : "")}");
                    }
                }

                return 0;
            });
}
