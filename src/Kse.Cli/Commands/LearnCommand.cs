using System.CommandLine;
using System.Globalization;
using Kse.Core.Audit;
using Kse.Core.Learning;

namespace Kse.Cli.Commands;

/// <summary><c>kse learn</c>: draft operations documents from observations; propose, accept or reject the drafts.</summary>
internal static class LearnCommand
{
    private static readonly Argument<string> Project = new("project") { Description = "The project (a slug)" };

    public static Command Create() =>
        CommandExtensions.Group(
            "learn",
            "Learn from observed operations: mine the observations, draft operations documents with confidence and evidence under operations/drafts/, and queue them for operators.",
            "kse learn draft shopdb --env production",
            Draft());

    private static Command Draft()
    {
        var env = new Option<string?>("--env") { Description = "Only observations of this environment" };
        var command = CommandExtensions.Verb(
            "draft",
            "Mine the project's observations (kse observe, imports, humans' kse ops run at L1) into templates, schedules, sequences and failure → fix pairs, and write operations.md, troubleshooting.md, deployment.md and monitoring.md under operations/drafts/ (never the real spec): kse-operation blocks with conservative risk, each with its confidence (support, consistency, success rate, recency) and evidence. Exit 1 when the drafts do not validate.",
            "kse learn draft shopdb --env production --json");
        command.Arguments.Add(Project);
        command.Options.Add(env);
        return command.WithAction(async (ctx, ct) =>
        {
            var result = await ctx.Get<LearningService>().DraftAsync(ctx.Value(Project)!, ctx.Value(env), Actor.OsUser(), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }
            else
            {
                ctx.WriteLine($"{result.Project}: {result.Observations} observations → {result.Operations.Count} suggested operations, drafts in {result.Directory}/ ({result.Planner.Mode})");
                foreach (var o in result.Operations)
                {
                    ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {o.Confidence:0.00}  {o.Name,-32} {o.Risk,-8} {o.Document} / {o.Section}: {o.Command}"));
                }

                foreach (var f in result.Patterns.FailureFixes)
                {
                    ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {f.Confidence:0.00}  fix for '{f.FailingCommand}': {string.Join(" then ", f.FixCommands)}"));
                }

                foreach (var e in result.ValidationErrors)
                {
                    ctx.WriteLine($"  invalid: {e}");
                }
            }

            return result.ValidationErrors.Count == 0 ? 0 : 1;
        });
    }
}
