using System.CommandLine;
using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Cli.Commands;

/// <summary><c>kse takeover</c>: Takeover levels per project and environment.</summary>
internal static class TakeoverCommand
{
    public static Command Create() =>
        CommandExtensions.Group("takeover", "Takeover levels per project and environment.", "kse takeover show billing", Show(), Set(), Progress(), Promote());

    private static Command Show()
    {
        var project = new Argument<string>("project") { Description = "The project" };
        var env = new Option<string?>("--env") { Description = "Only this environment (development, test, pre-production, production)" };
        var command = CommandExtensions.Verb("show", "Show the level, cap, effective level and any emergency elevation per environment.", "kse takeover show billing --env production --json");
        command.Arguments.Add(project);
        command.Options.Add(env);
        return command.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var report = await ctx.Get<PolicyService>().ShowAsync(ctx.Value(project)!, ctx.Value(env), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(report);
                return 0;
            }

            ctx.WriteLine($"{report.Project} ({report.SystemType} system)");
            foreach (var v in report.Environments)
            {
                var line = $"  {v.Environment.Name(),-15} {v.EffectiveLevel}  (level {v.Level} {v.Source}, cap {v.Cap})";
                if (v.Elevation is { } e)
                {
                    line += $"  elevated by {e.GrantedBy} until {e.ExpiresAt:u} [{e.Id}]";
                }

                if (v.Reason is not null)
                {
                    line += $"  set by {v.SetBy} at {v.SetAt:u}: {Kse.Core.DisplayText.Field(v.Reason)}";
                }

                ctx.WriteLine(line);
            }

            return 0;
        });
    }

    private static Command Set()
    {
        var project = new Argument<string>("project") { Description = "The project" };
        var env = new Option<string?>("--env") { Description = "The environment", Required = true };
        var level = new Option<string?>("--level") { Description = "L1 observation, L2 suggestion, L3 semi-auto, L4 auto, L5 fully autonomous", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why (required; kept in the audit trail)" };
        var command = CommandExtensions.Verb("set", "Set a project's level in one environment, as the operator your token belongs to (KSE_OPERATOR_TOKEN or --token-file). A level above the environment's cap is refused (exit 4); a reason is required.", "kse takeover set billing --env test --level L4 --reason \"two weeks without failures\"");
        command.Arguments.Add(project);
        command.Options.Add(env);
        command.Options.Add(level);
        command.Options.Add(reason);
        return command.WithOperatorAction(async (ctx, op, ct) =>
        {
            var policy = ctx.Get<PolicyService>();
            var change = await policy.SetLevelAsync(ctx.Value(project)!, ctx.Value(env), ctx.Value(level), ctx.Value(reason), op, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(change);
            }
            else
            {
                ctx.WriteLine($"{change.Project}/{change.Environment.Name()}: {change.From} -> {change.To} (cap {change.Cap}) by {change.User}; audited as #{change.AuditSequence}");
            }

            return 0;
        }, setupAllowed: true);
    }

    private static Command Progress()
    {
        var project = new Argument<string>("project") { Description = "The project" };
        var env = new Option<string?>("--env") { Description = "Only this environment (development, test, pre-production or production)" };
        var command = CommandExtensions.Verb(
            "progress",
            "Assess progression from the audit trail: days observed, operations, errors, error rate, confidence against the thresholds, and the recommendation (promote, demote, hold) with reasons. A due demotion is applied and audited; a promotion is only suggested.",
            "kse takeover progress billing --env test --json");
        command.Arguments.Add(project);
        command.Options.Add(env);
        return command.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var report = await ctx.Get<ProgressionService>().ProgressAsync(ctx.Value(project)!, ctx.Value(env), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(report);
                return 0;
            }

            ctx.WriteLine(report.Project);
            foreach (var a in report.Environments)
            {
                WriteAssessment(ctx, a);
            }

            return 0;
        });
    }

    private static Command Promote()
    {
        var project = new Argument<string>("project") { Description = "The project" };
        var env = new Option<string?>("--env") { Description = "The environment", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why (required; kept in the audit trail)" };
        var command = CommandExtensions.Verb(
            "promote",
            "Apply the suggested promotion, as the operator your token belongs to (KSE_OPERATOR_TOKEN or --token-file): one level up, never above the cap. The evidence is checked again now; without it the promotion is refused (exit 4).",
            "kse takeover promote billing --env test --reason \"two clean weeks, 140 operations\"");
        command.Arguments.Add(project);
        command.Options.Add(env);
        command.Options.Add(reason);
        return command.WithOperatorAction(async (ctx, op, ct) =>
        {
            var (change, _) = await ctx.Get<ProgressionService>().PromoteAsync(ctx.Value(project)!, ctx.Value(env), ctx.Value(reason), op, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(change);
            }
            else
            {
                ctx.WriteLine($"{change.Project}/{change.Environment.Name()}: promoted {change.From} -> {change.To} (cap {change.Cap}) by {change.User}; audited as #{change.AuditSequence}");
            }

            return 0;
        }, setupAllowed: true);
    }

    private static void WriteAssessment(CliContext ctx, ProgressionAssessment a)
    {
        var e = a.Evidence;
        var r = a.Recommendation;
        var verdict = r.Action switch
        {
            ProgressionAction.Promote => $"promote {r.From} -> {r.To} suggested (apply: kse takeover promote {a.Project} --env {a.Environment.Name()} --reason \"...\")",
            ProgressionAction.Demote => a.Applied is { } applied ? $"demoted {applied.From} -> {applied.To} (audited as #{applied.AuditSequence})" : $"demote {r.From} -> {r.To}",
            _ => $"hold at {r.From}",
        };
        ctx.WriteLine(FormattableString.Invariant($"  {a.Environment.Name(),-15} level {a.Level} ({a.Source}, cap {a.Cap}): {verdict}"));
        ctx.WriteLine(FormattableString.Invariant($"    evidence{(e.Since is { } since ? $" since {since:u}" : "")}: {e.Operations} operations, {e.Errors} errors ({ProgressionRules.Percent(e.ErrorRate)}), confidence {e.Confidence:0.###}, {e.DaysObserved:0.#} days; last {e.WindowOperations}: {e.WindowErrors} errors ({ProgressionRules.Percent(e.WindowErrorRate)})"));
        foreach (var reason in r.Reasons)
        {
            ctx.WriteLine($"    - {reason}");
        }
    }
}
