using System.CommandLine;
using System.Globalization;
using Kse.Core;
using Kse.Core.Approvals;
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
            Draft(),
            Propose(),
            Show(),
            Decide(accept: true),
            Decide(accept: false));

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
                foreach (var rejected in result.Planner.Rejected)
                {
                    ctx.WriteLine($"  model text refused: {rejected}");
                }

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

            if (result.Planner.Mode == "fallback")
            {
                await ctx.Err.WriteLineAsync($"warning learn.model_fallback: {result.Planner.Reason}");
            }

            return result.ValidationErrors.Count == 0 ? 0 : 1;
        });
    }

    private static Command Propose()
    {
        var doc = new Option<string?>("--doc") { Description = "Only this draft document (operations.md, troubleshooting.md, deployment.md, monitoring.md)" };
        var section = new Option<string?>("--section") { Description = "Only this section of it (its heading)" };
        var reason = new Option<string?>("--reason") { Description = "Why (shown to the operator who reviews it)" };
        var command = CommandExtensions.Verb(
            "propose",
            "Queue the drafts' observed sections for review: one learn_accept approval per document, carrying the sections exactly as the draft holds them now with their confidence and evidence. An operator with the approver role (not you) accepts it (merged into the real document) or rejects it. Refused when the merge would not validate (learn.merge_invalid). Exit 0 when something is queued or already pending, 1 when nothing was observed.",
            "kse learn propose shopdb --doc operations.md --json");
        command.Arguments.Add(Project);
        command.Options.Add(doc);
        command.Options.Add(section);
        command.Options.Add(reason);
        return command.WithAction(async (ctx, ct) =>
        {
            var result = await ctx.Get<DraftReviewService>().ProposeAsync(ctx.Value(Project)!, ctx.Value(doc), ctx.Value(section), ctx.Value(reason), Actor.OsUser(), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }
            else
            {
                foreach (var p in result.Proposals)
                {
                    ctx.WriteLine($"{p.Document}: {p.Status}{(p.ApprovalId is null ? "" : " " + p.ApprovalId)}{(p.Message is null ? "" : " — " + p.Message)}");
                    foreach (var s in p.Sections)
                    {
                        ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(s.Confidence is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "?"),4}  {s.Heading}{(s.Edited ? " (edited after drafting)" : "")}: {string.Join(", ", s.Operations.Select(o => o.Name))}"));
                    }
                }
            }

            return result.Proposals.Any(p => p.Status is "queued" or "already_pending") ? 0 : 1;
        });
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The proposal's approval id (apr-...)" };
        var command = CommandExtensions.Verb(
            "show",
            "Show a proposal: each section with its confidence, operations and evidence, what it changes in the real document (added, filled, appended) and whether the document changed since it was proposed.",
            "kse learn show apr-5d1e2f3a4b6c --json");
        command.Arguments.Add(id);
        return command.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var view = await ctx.Get<DraftReviewService>().ProposalAsync(ctx.Value(id)!, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(view);
                return 0;
            }

            ctx.WriteLine($"{view.ApprovalId}: {view.State.ToString().ToLowerInvariant()} — {view.Project}/{view.Document}, proposed by {view.Requester}: {view.Reason}");
            if (view.Stale is not null)
            {
                ctx.WriteLine($"  stale: {view.Stale}");
            }

            foreach (var s in view.Sections)
            {
                ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(s.Confidence is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "?"),4}  {s.Heading}{(s.Edited ? " (edited after drafting)" : "")}; evidence {string.Join(", ", s.Evidence.Take(5))}{(s.Evidence.Count > 5 ? ", …" : "")}"));
                foreach (var o in s.Operations)
                {
                    ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"        {o.Name} ({(o.Confidence is { } oc ? oc.ToString("0.00", CultureInfo.InvariantCulture) : "?")}): {DisplayText.Field(o.Command ?? "")}"));
                }
            }

            foreach (var c in view.Changes)
            {
                ctx.WriteLine($"  {c.Kind,-9} ## {c.Heading}");
                foreach (var line in c.Added.Split('\n'))
                {
                    ctx.WriteLine("    + " + DisplayText.Field(line));
                }
            }

            return 0;
        });
    }

    private static Command Decide(bool accept)
    {
        var verb = accept ? "accept" : "reject";
        var id = new Argument<string>("id") { Description = "The proposal's approval id (apr-...)" };
        var reason = new Option<string?>("--reason") { Description = accept ? "Why (kept in the audit trail)" : "Why it is rejected (required)" };
        var command = CommandExtensions.Verb(
            verb,
            accept
                ? "Accept a proposal as the operator your token belongs to (KSE_OPERATOR_TOKEN or --token-file; role approver; never its proposer): the same approval as 'kse approvals approve'. Its sections are merged into the real document at once, audited (learn.accept) with the document's SHA-256 before and after; refused as stale when the document changed since it was proposed, and when the merged spec would not validate (learn.merge_invalid). Exit 1 when the merge failed."
                : "Reject a proposal with a reason as the operator your token belongs to; the real document is not touched.",
            $"kse learn {verb} apr-5d1e2f3a4b6c --reason \"{(accept ? "matches our runbook" : "the restart belongs to the deploy, not a daily task")}\" --token-file ~/.kse-operator-token");
        command.Arguments.Add(id);
        command.Options.Add(reason);
        return command.WithOperatorAction(async (ctx, op, ct) =>
        {
            var review = ctx.Get<DraftReviewService>();
            var a = accept
                ? await review.AcceptAsync(ctx.Value(id)!, op.Name, ctx.Value(reason), ct)
                : await review.RejectAsync(ctx.Value(id)!, op.Name, ctx.Value(reason), ct);
            a = ApprovalView.Redacted(a);
            if (ctx.Json)
            {
                ctx.WriteJson(a);
            }
            else
            {
                ctx.WriteLine($"{a.Id}: {a.State.ToString().ToLowerInvariant()} by {a.DecidedBy}{(a.Outcome is null ? "" : $"; merged: {a.Outcome}{(a.OutcomeDetail is null ? "" : " — " + a.OutcomeDetail)}")}");
            }

            return a.Outcome == "failed" ? 1 : 0;
        });
    }
}
