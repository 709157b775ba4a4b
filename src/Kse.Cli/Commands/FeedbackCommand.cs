using System.CommandLine;
using System.Globalization;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Kse.Core.Policy;

namespace Kse.Cli.Commands;

/// <summary><c>kse feedback</c>: user and customer feedback: intake, triage, lifecycle, correlation and analytics.</summary>
internal static class FeedbackCommand
{
    public static Command Create() =>
        CommandExtensions.Group("feedback", "User and customer feedback: submit, import, triage, list, show, move along the lifecycle, correlate, analytics.", "kse feedback submit --project billing --channel user-report --title \"Download button does nothing\"",
            Submit(), Import(), Triage(), List(), Show(), Transition(), Correlate(), Analytics(), Proposals());

    private static Command Submit()
    {
        var project = new Option<string>("--project") { Description = "The project it concerns", Required = true };
        var channel = new Option<string>("--channel") { Description = "support-ticket, monitoring-alert, user-report, api or customer-survey", Required = true };
        var title = new Option<string>("--title") { Description = "One line", Required = true };
        var body = new Option<string?>("--body") { Description = "The report's text" };
        var version = new Option<string?>("--version") { Description = "The version it concerns (default: the instance's version)" };
        var instance = new Option<string?>("--instance") { Description = "The instance it was seen on (gives version and environment)" };
        var environment = new Option<string?>("--environment") { Description = "development, test, pre-production or production" };
        var reporter = new Option<string?>("--reporter") { Description = "Who reported it (default: you)" };
        var score = new Option<int?>("--score") { Description = "Survey satisfaction, 1 to 5" };
        var diff = new Option<string?>("--diff") { Description = "A unified diff file attached to a change proposal (gets an impact assessment)" };
        var cmd = CommandExtensions.Verb("submit", "Store a report: triaged, and folded into the existing item when the same report came within the dedup window.",
            "kse feedback submit --project billing --channel support-ticket --title \"Invoice PDF shows the wrong currency\" --body \"EUR invoice prints a dollar sign\" --instance prod-1 --reporter alice --json");
        foreach (var o in new Option[] { project, channel, title, body, version, instance, environment, reporter, score, diff })
        {
            cmd.Options.Add(o);
        }

        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            if (ctx.Value(version) is not null && ctx.Value(instance) is not null)
            {
                throw KseException.BadInput("feedback.version_and_instance", "give --version or --instance, not both (an instance has its own version)");
            }

            var diffText = ctx.Value(diff) is { } path ? ReadFile(path) : null;
            var result = await ctx.Get<FeedbackService>().SubmitAsync(
                new FeedbackSubmission
                {
                    Project = ctx.Value(project)!,
                    Channel = ctx.Value(channel)!,
                    Title = ctx.Value(title)!,
                    Body = ctx.Value(body) ?? "",
                    Version = ctx.Value(version),
                    Instance = ctx.Value(instance),
                    Environment = ctx.Value(environment),
                    Reporter = ctx.Value(reporter),
                    Score = ctx.Value(score),
                    Diff = diffText,
                },
                Who(ctx),
                ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }
            else
            {
                ctx.WriteLine($"{result.Id}: {result.Outcome} ({result.Item.Type}, {result.Item.Severity}; {result.Occurrences} occurrence{(result.Occurrences == 1 ? "" : "s")}; state {result.Item.State})");
                WriteResponse(ctx, result.Item);
            }

            return 0;
        });
    }

    private static Command Import()
    {
        var file = new Argument<string>("file") { Description = "JSON Lines: one object per line with project, channel, title, body, version|instance, environment, reporter, score" };
        var cmd = CommandExtensions.Verb("import", "Import reports from a JSON Lines file. Every line is checked first: a bad line is named with its number and nothing is stored.", "kse feedback import tickets.jsonl --json");
        cmd.Arguments.Add(file);
        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var result = await ctx.Get<FeedbackService>().ImportAsync(Path.GetFullPath(ctx.Value(file)!), Who(ctx), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }
            else
            {
                ctx.WriteLine($"imported {result.Lines} reports: {result.Created} new items, {result.Folded} folded into existing ones");
            }

            return 0;
        });
    }

    private static Command Triage()
    {
        var channel = new Option<string>("--channel") { Description = "support-ticket, monitoring-alert, user-report, api or customer-survey", Required = true };
        var title = new Option<string>("--title") { Description = "One line", Required = true };
        var body = new Option<string?>("--body") { Description = "The report's text" };
        var label = new Option<string[]>("--label") { Description = "An alert label key=value (severity=critical decides an alert's severity); repeatable", AllowMultipleArgumentsPerToken = false };
        var cmd = CommandExtensions.Verb("triage", "Classify a report (type, severity, confidence, the rules that matched); store nothing.",
            "kse feedback triage --channel user-report --title \"Download button does nothing\" --body \"No file arrives\" --json");
        cmd.Options.Add(channel);
        cmd.Options.Add(title);
        cmd.Options.Add(body);
        cmd.Options.Add(label);
        return cmd.WithAction(async (ctx, ct) =>
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var l in ctx.Value(label) ?? [])
            {
                var i = l.IndexOf('=', StringComparison.Ordinal);
                if (i <= 0)
                {
                    throw KseException.BadInput("feedback.label_invalid", $"--label '{l}' is not key=value");
                }

                labels[l[..i].Trim()] = l[(i + 1)..].Trim();
            }

            var result = await ctx.Get<FeedbackService>().TriageAsync(ctx.Value(channel)!, ctx.Value(title)!, ctx.Value(body) ?? "", labels.Count > 0 ? labels : null, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
                return 0;
            }

            ctx.WriteLine($"{result.Type}, {result.Severity} (confidence {result.Confidence.ToString("0.00", CultureInfo.InvariantCulture)}, decided by {result.DecidedBy})");
            foreach (var r in result.Rules)
            {
                ctx.WriteLine($"  {(r.Decided ? "*" : " ")} {r.Id}: {FeedbackText.Neutralise(r.Text)}");
            }

            return 0;
        });
    }

    private static Command List()
    {
        var project = new Option<string?>("--project") { Description = "Only this project" };
        var state = new Option<string?>("--state") { Description = "new, acknowledged, investigating, resolved, verified or reopened" };
        var severity = new Option<string?>("--severity") { Description = "critical, high, medium or low" };
        var type = new Option<string?>("--type") { Description = "bug, performance, feature or operational" };
        var open = new Option<bool>("--open") { Description = "Only items not resolved or verified" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first", DefaultValueFactory = _ => 100 };
        var cmd = CommandExtensions.Verb("list", "List feedback items, newest first.", "kse feedback list --project billing --open --severity critical --json");
        foreach (var o in new Option[] { project, state, severity, type, open, limit })
        {
            cmd.Options.Add(o);
        }

        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            if (ctx.Value(limit) < 1)
            {
                throw KseException.BadInput("feedback.limit_invalid", $"--limit must be positive, not {ctx.Value(limit)}");
            }

            var list = await ctx.Get<FeedbackService>().ListAsync(new FeedbackQuery
            {
                Project = ctx.Value(project),
                State = ctx.Value(state),
                Severity = ctx.Value(severity),
                Type = ctx.Value(type),
                OpenOnly = ctx.Value(open),
                Limit = ctx.Value(limit),
            }, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(list);
                return 0;
            }

            if (list.Count == 0)
            {
                ctx.WriteLine("no feedback");
            }

            foreach (var i in list.Items)
            {
                ctx.WriteLine($"{i.Id}  {i.State,-13} {i.Severity,-8} {i.Type,-11} {i.Project}  {Line(i.Title)}  ×{i.Occurrences}");
            }

            return 0;
        });
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The item id (fb-...)" };
        var cmd = CommandExtensions.Verb("show", "Show one item: triage and its rules, occurrences and reporters, version, lifecycle history, response.", "kse feedback show fb-3f2a1b9c0d --json");
        cmd.Arguments.Add(id);
        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var i = await ctx.Get<FeedbackService>().GetAsync(ctx.Value(id)!, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(i);
                return 0;
            }

            ctx.WriteLine($"{i.Id}: {Line(i.Title)}");
            ctx.WriteLine($"  project     {i.Project}{(i.Environment is null ? "" : "/" + i.Environment)}{(i.Instance is null ? "" : "/" + i.Instance)}, version {i.Version ?? "unknown"}");
            ctx.WriteLine($"  triage      {i.Type}, {i.Severity} (confidence {i.Confidence.ToString("0.00", CultureInfo.InvariantCulture)}, by {i.DecidedBy}): {Line(i.Rules.FirstOrDefault(r => r.Decided)?.Text ?? "")}");
            ctx.WriteLine($"  state       {i.State}");
            ctx.WriteLine($"  seen        {i.Occurrences}× from {string.Join(", ", i.Reporters.Select(Line))} via {string.Join(", ", i.Channels)}; first {i.CreatedAt:u}, last {i.LastSeenAt:u}");
            foreach (var h in i.History)
            {
                ctx.WriteLine($"  {h.At:u}  {h.From} → {h.To} by {h.By}{(h.Reason is null ? "" : ": " + Line(h.Reason))}{(h.Evidence is null ? "" : $" [{h.Evidence}]")}");
            }

            WriteResponse(ctx, i);
            ctx.WriteLine();
            ctx.WriteLine(FeedbackText.Neutralise(i.Body));
            return 0;
        });
    }

    private static Command Transition()
    {
        var id = new Argument<string>("id") { Description = "The item id (fb-...)" };
        var to = new Option<string>("--to") { Description = "acknowledged, investigating, resolved, verified or reopened", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit trail)" };
        var evidence = new Option<string?>("--evidence") { Description = "For verified: audit:<sequence> of a passing read operation, or reporter:<name> who confirmed" };
        var cmd = CommandExtensions.Verb("transition", "Move an item along new → acknowledged → investigating → resolved → verified (or reopen it), as the operator your token belongs to (KSE_OPERATOR_TOKEN or --token-file); illegal steps and verified without evidence are refused (exit 4). Audited with who did it.",
            "kse feedback transition fb-3f2a1b9c0d --to verified --evidence audit:1842 --reason \"health-check passes\" --token-file ~/.kse-operator-token");
        cmd.Arguments.Add(id);
        cmd.Options.Add(to);
        cmd.Options.Add(reason);
        cmd.Options.Add(evidence);
        return cmd.WithOperatorAction(async (ctx, op, ct) =>
        {
            var i = await ctx.Get<FeedbackService>().TransitionAsync(ctx.Value(id)!, ctx.Value(to)!, Actor.OperatorNamed(op.Name), ctx.Value(reason), ctx.Value(evidence), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(i);
            }
            else
            {
                var last = i.History[^1];
                ctx.WriteLine($"{i.Id}: {last.From} → {last.To} by {last.By} (audit #{last.AuditSequence})");
            }

            return 0;
        });
    }

    private static Command Correlate()
    {
        var id = new Argument<string>("id") { Description = "The item id (fb-...)" };
        var before = new Option<string?>("--before") { Description = "How far back from the first report to look (e.g. 24h, 90m, 2d; default 24h)" };
        var after = new Option<string?>("--after") { Description = "How far past the last report (default 1h)" };
        var cmd = CommandExtensions.Verb("correlate", "What happened around an item: deployments, config and level changes, failed operations and change-impact records of its project and its dependencies, ranked with evidence.",
            "kse feedback correlate fb-3f2a1b9c0d --before 6h --json");
        cmd.Arguments.Add(id);
        cmd.Options.Add(before);
        cmd.Options.Add(after);
        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var report = await ctx.Get<FeedbackService>().CorrelateAsync(ctx.Value(id)!, Span(ctx.Value(before), "--before"), Span(ctx.Value(after), "--after"), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(report);
                return 0;
            }

            ctx.WriteLine($"{report.ItemId} ({report.Project}{(report.RelatedProjects.Count > 0 ? " and " + string.Join(", ", report.RelatedProjects) : "")}), {report.From:u} .. {report.To:u}:");
            if (report.Entries.Count == 0)
            {
                ctx.WriteLine("  nothing recorded in that window");
            }

            foreach (var e in report.Entries)
            {
                ctx.WriteLine($"  {e.Score.ToString("0.000", CultureInfo.InvariantCulture)}  #{e.Sequence} {e.Timestamp:u}  {e.Evidence}");
            }

            return 0;
        });
    }

    private static Command Analytics()
    {
        var project = new Argument<string>("project") { Description = "The project" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Items seen at or after this time (ISO 8601)" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Items created before this time" };
        var cmd = CommandExtensions.Verb("analytics", "Counts by type, severity, version and channel; top recurring issues; time to acknowledge and resolve (median, p90); survey satisfaction by week.",
            "kse feedback analytics billing --from 2026-11-01 --json");
        cmd.Arguments.Add(project);
        cmd.Options.Add(from);
        cmd.Options.Add(to);
        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var a = await ctx.Get<FeedbackService>().AnalyticsAsync(ctx.Value(project)!, ctx.Value(from), ctx.Value(to), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(a);
                return 0;
            }

            ctx.WriteLine($"{a.Project}: {a.Items} items, {a.Open} open");
            ctx.WriteLine($"  by type      {Counts(a.ByType)}");
            ctx.WriteLine($"  by severity  {Counts(a.BySeverity)}");
            ctx.WriteLine($"  by version   {Counts(a.ByVersion)}");
            ctx.WriteLine($"  by channel   {Counts(a.ByChannel)}");
            ctx.WriteLine($"  acknowledge  {Stats(a.TimeToAcknowledge)}");
            ctx.WriteLine($"  resolve      {Stats(a.TimeToResolve)}");
            foreach (var r in a.TopRecurring)
            {
                ctx.WriteLine($"  recurring    {r.Id} ×{r.Occurrences} {Line(r.Title)}");
            }

            foreach (var w in a.SurveySatisfaction)
            {
                ctx.WriteLine($"  survey       {w.Week}: {w.AverageScore.ToString("0.00", CultureInfo.InvariantCulture)} from {w.Responses}");
            }

            return 0;
        });
    }

    private static Command Proposals()
    {
        var project = new Option<string?>("--project") { Description = "Only this project" };
        var cmd = CommandExtensions.Verb("proposals", "Proposed troubleshooting entries for recurring issues (a patch to troubleshooting.md each), waiting for a human.", "kse feedback proposals --project billing --json");
        cmd.Options.Add(project);
        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var list = await ctx.Get<FeedbackService>().ProposalsAsync(ctx.Value(project), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(list);
                return 0;
            }

            if (list.Proposals.Count == 0)
            {
                ctx.WriteLine("no proposals");
            }

            foreach (var p in list.Proposals)
            {
                ctx.WriteLine($"{p.Id}  {p.State}  {p.Project}/{p.Document} from {p.ItemId} (seen {p.Occurrences}×)");
                ctx.WriteLine(FeedbackText.Neutralise(p.Patch));
            }

            return 0;
        });
    }

    /// <summary>Who submits: the operator KSE_OPERATOR_TOKEN belongs to, otherwise the OS user (submitting decides nothing).</summary>
    private static Actor Who(CliContext ctx)
    {
        var token = Environment.GetEnvironmentVariable(OperatorAuthentication.TokenVariable);
        if (!string.IsNullOrEmpty(token) && ctx.Get<OperatorDirectory>().FindByToken(token.Trim()) is { } op)
        {
            return Actor.OperatorNamed(op.Name);
        }

        return Actor.OsUser();
    }

    private static void WriteResponse(CliContext ctx, FeedbackItem i)
    {
        if (i.Response is not { } r)
        {
            return;
        }

        ctx.WriteLine($"  response    {(r.Entry is null ? "no matching troubleshooting entry" : $"troubleshooting: {r.Entry} (matched {string.Join(", ", r.MatchedKeywords)})")}");
        foreach (var a in r.Actions)
        {
            ctx.WriteLine($"    {a.Purpose} {a.Operation}: {a.Status}{(a.ApprovalId is null ? "" : " " + a.ApprovalId)}{(a.Message is null ? "" : " — " + Line(a.Message))}");
        }

        foreach (var n in r.Notified)
        {
            ctx.WriteLine($"    notified {n}");
        }
    }

    private static string ReadFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw KseException.NotFound("feedback.diff_not_found", $"no file '{path}'");
        }

        if (new FileInfo(full).Length > 1_000_000)
        {
            throw KseException.BadInput("feedback.diff_too_large", $"'{path}' is larger than 1 MB");
        }

        return File.ReadAllText(full);
    }

    private static TimeSpan? Span(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var t = text.Trim().ToLowerInvariant();
        var unit = t[^1];
        if (double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= 366 * 24 * 60)
        {
            TimeSpan? span = unit switch { 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), 'd' => TimeSpan.FromDays(n), _ => null };
            if (span is { } s && s <= TimeSpan.FromDays(366))
            {
                return s;
            }
        }

        throw KseException.BadInput("feedback.window_invalid", $"{option} '{text}' is not a duration like 90m, 24h or 7d (at most 366d)");
    }

    private static string Counts(IReadOnlyList<FeedbackCount> counts) =>
        counts.Count == 0 ? "-" : string.Join(", ", counts.Select(c => $"{c.Key} {c.Items}"));

    private static string Stats(DurationStats s) =>
        s.Count == 0 ? "-" : $"median {TimeSpan.FromSeconds(s.MedianSeconds!.Value):g}, p90 {TimeSpan.FromSeconds(s.P90Seconds!.Value):g} over {s.Count}";

    private static string Line(string s) => FeedbackText.Neutralise(s).ReplaceLineEndings(" ");
}
