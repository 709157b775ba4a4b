using System.CommandLine;
using System.Globalization;
using Kse.Core;
using Kse.Core.Audit;

namespace Kse.Cli.Commands;

/// <summary><c>kse audit</c>: The tamper-evident audit trail: verify, checkpoint, export, query, summarize, flag anomalies.</summary>
internal static class AuditCommand
{
    public static Command Create() =>
        CommandExtensions.Group("audit", "The tamper-evident audit trail: verify, checkpoint, export, query, summary, anomalies.", "kse audit verify --checkpoint ~/audit-checkpoint.json",
            Verify(), Checkpoint(), Export(), QueryVerb(), Summary(), Anomalies());

    private static Command Verify()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint file from 'kse audit checkpoint': detects entries cut off the end, checks its signature" };
        var file = new Option<string?>("--file") { Description = "Verify a JSON Lines export offline instead of the database" };
        var key = new Option<string?>("--key") { Description = "The trusted public key (PEM) a signed checkpoint must verify with" };
        var partial = new Option<bool>("--partial") { Description = "The export was filtered: accept gaps in the sequence, still check every entry and every link between neighbours" };
        var cmd = CommandExtensions.Verb("verify", "Re-walk the hash chain; exit 1 naming the first bad sequence and the fault (modified, deleted, inserted, reordered, truncated).", "kse audit verify --file audit.jsonl --checkpoint cp.json");
        cmd.Options.Add(checkpoint);
        cmd.Options.Add(file);
        cmd.Options.Add(key);
        cmd.Options.Add(partial);
        return cmd.WithAction(async (ctx, ct) =>
        {
            AuditVerifyResult result;
            var exportFile = ctx.Value(file);
            if (exportFile is not null)
            {
                result = await AuditService.VerifyFileAsync(exportFile, ctx.Value(checkpoint), ctx.Value(key), ctx.Value(partial), ct);
            }
            else
            {
                ctx.Workspace.EnsureInitialized();
                result = await ctx.Get<AuditService>().VerifyAsync(ctx.Value(checkpoint), ctx.Value(key), ct);
            }

            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }
            else if (result.Intact)
            {
                var head = result.HeadSequence is null ? "empty" : $"head sequence {result.HeadSequence}, hash {result.HeadHash}";
                var cp = result.Checkpoint is null ? string.Empty : $"; matches the checkpoint at {result.Checkpoint.Sequence}" + result.Checkpoint switch
                {
                    { Signed: false } => " (unsigned)",
                    { SignatureValid: true } => " (signature valid for the given key)",
                    _ => " (signature not checked: pass --key with the signer's public key)",
                };
                ctx.WriteLine($"intact: {result.Entries} entries, {head}{cp}");
            }

            if (!result.Intact)
            {
                var f = result.Fault!;
                ctx.Err.WriteLine($"error audit.chain_broken: sequence {f.Sequence} {f.Kind}: {f.Message}");
                return 1;
            }

            return 0;
        });
    }

    private static Command Checkpoint()
    {
        var sign = new Option<string?>("--sign") { Description = "An ECDSA P-256 private key (PEM) to sign the checkpoint with" };
        var output = new Option<string>("--out") { Description = "Where to write the checkpoint (keep it outside the workspace)", Required = true };
        var cmd = CommandExtensions.Verb("checkpoint", "Verify the chain, then write its length and head hash (optionally signed) to a file kept elsewhere.", "kse audit checkpoint --sign ~/keys/audit.pem --out /backup/audit-cp.json");
        cmd.Options.Add(sign);
        cmd.Options.Add(output);
        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var cp = await ctx.Get<AuditService>().CreateCheckpointAsync(ctx.Value(sign), ct);
            var path = Path.GetFullPath(ctx.Value(output)!);
            cp.Save(path);
            if (ctx.Json)
            {
                ctx.WriteJson(new { path, checkpoint = cp });
            }
            else
            {
                ctx.WriteLine($"checkpoint at sequence {cp.Sequence} (head {cp.HeadHash}){(cp.Signature is null ? string.Empty : ", signed")} written to {path}");
            }

            return 0;
        });
    }

    private static Command Export()
    {
        var format = new Option<string>("--format") { Description = "jsonl (verifiable offline) or csv (RFC 4180)", Required = true };
        var output = new Option<string>("--out") { Description = "The file to write", Required = true };
        var filters = new Filters();
        var cmd = CommandExtensions.Verb("export", "Export the trail as JSON Lines or CSV, optionally filtered (a filtered jsonl export verifies with --partial).", "kse audit export --format jsonl --out audit.jsonl --from 2026-11-01");
        cmd.Options.Add(format);
        cmd.Options.Add(output);
        filters.AddTo(cmd, withLimit: false);
        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var result = await ctx.Get<AuditService>().ExportAsync(ctx.Value(format)!, ctx.Value(output)!, filters.Read(ctx), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }
            else
            {
                ctx.WriteLine($"exported {result.Entries} entries as {result.Format} to {result.Path}");
            }

            return 0;
        });
    }

    private static Command QueryVerb()
    {
        var filters = new Filters();
        var cmd = CommandExtensions.Verb("query", "List entries by time range, project, operation type, outcome, user, environment and correlation id (newest N, shown oldest first).", "kse audit query --project shop --outcome failed --from 2026-11-25 --limit 20");
        filters.AddTo(cmd, withLimit: true);
        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var result = await ctx.Get<AuditService>().QueryAsync(filters.Read(ctx), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
                return 0;
            }

            foreach (var e in result.Entries)
            {
                var where = string.Join('/', new[] { e.Project, e.Environment }.Where(s => s is not null));
                ctx.WriteLine($"{e.Sequence,8} {AuditCanonical.FormatTimestamp(e.Timestamp)} {e.ActorKind}:{e.ActorName} {(where.Length == 0 ? "-" : where)} {e.OperationType} {e.Target ?? "-"} {e.Decision ?? "-"} {e.Outcome ?? "-"}{(e.ErrorContext is null ? string.Empty : $" ({DisplayText.Field(e.ErrorContext)})")}");
            }

            ctx.WriteLine($"{result.Count} entries");
            return 0;
        });
    }

    private static Command Summary()
    {
        var date = new Option<string?>("--date") { Description = "The UTC day, YYYY-MM-DD (default: today)" };
        var cmd = CommandExtensions.Verb("summary", "Counts of one day by project, operation type, outcome and takeover level, with every failure and its error context.", "kse audit summary --date 2026-11-25");
        cmd.Options.Add(date);
        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var text = ctx.Value(date);
            DateOnly day;
            if (text is null)
            {
                day = DateOnly.FromDateTime(ctx.Get<TimeProvider>().GetUtcNow().UtcDateTime);
            }
            else if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
            {
                throw KseException.BadInput("audit.date_invalid", $"--date '{text}' is not a date in the form YYYY-MM-DD");
            }

            var s = await ctx.Get<AuditService>().SummaryAsync(day, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(s);
                return 0;
            }

            ctx.WriteLine($"{s.Date}: {s.Total} entries");
            Print(ctx, "by project", s.ByProject);
            Print(ctx, "by operation type", s.ByType);
            Print(ctx, "by outcome", s.ByOutcome);
            Print(ctx, "by takeover level", s.ByLevel);
            ctx.WriteLine($"failures: {s.Failures.Count}");
            foreach (var f in s.Failures)
            {
                ctx.WriteLine($"  {f.Sequence} {AuditCanonical.FormatTimestamp(f.Timestamp)} {f.Project ?? "-"}/{f.Environment ?? "-"} {f.OperationType} {f.Target ?? "-"} {f.Outcome}: {(f.ErrorContext is null ? "(no error context)" : DisplayText.Field(f.ErrorContext))}{(f.RecoveryAttempts is { Count: > 0 } r ? $" [recovery: {string.Join("; ", r)}]" : string.Empty)}");
            }

            return 0;
        });
    }

    private static Command Anomalies()
    {
        var since = new Option<string?>("--since") { Description = "Start of the window: an ISO date/time (UTC unless an offset is given) or a duration back from now such as 6h or 7d (default: 24h)" };
        var cmd = CommandExtensions.Verb("anomalies", "Flag error rates over the threshold, unusual hourly volume against the project's own history, never-seen operation types and repeated failures; each flag says why.", "kse audit anomalies --since 6h");
        cmd.Options.Add(since);
        return cmd.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var clock = ctx.Get<TimeProvider>();
            var text = ctx.Value(since);
            var from = text is null ? (DateTimeOffset?)null : ParseSince(text, clock.GetUtcNow());
            var report = await ctx.Get<AuditService>().AnomaliesAsync(from, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(report);
                return 0;
            }

            ctx.WriteLine($"{report.EntriesExamined} entries since {report.Since:u}: {report.Anomalies.Count} flags");
            foreach (var a in report.Anomalies)
            {
                ctx.WriteLine($"  [{a.Kind}] {a.Project ?? "-"}: {a.Reason}");
            }

            return 0;
        });
    }

    private static void Print(CliContext ctx, string title, IReadOnlyDictionary<string, long> counts) =>
        ctx.WriteLine($"{title}: {(counts.Count == 0 ? "-" : string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}")))}");

    internal static DateTimeOffset ParseSince(string text, DateTimeOffset now)
    {
        var t = text.Trim();
        if (t.Length >= 2 && long.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            switch (char.ToLowerInvariant(t[^1]))
            {
                case 'm': return now.AddMinutes(-n);
                case 'h': return now.AddHours(-n);
                case 'd': return now.AddDays(-n);
            }
        }

        return ParseTime(t, "--since");
    }

    internal static DateTimeOffset ParseTime(string text, string option)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        throw KseException.BadInput("audit.time_invalid", $"{option} '{text}' is not a date or time (use ISO 8601, e.g. 2026-11-25 or 2026-11-25T14:00:00Z)");
    }

    /// <summary>The filter options shared by query and export.</summary>
    private sealed class Filters
    {
        private readonly Option<string?> _from = new("--from") { Description = "From this UTC date/time, inclusive (ISO 8601)" };
        private readonly Option<string?> _to = new("--to") { Description = "Up to this UTC date/time, exclusive (ISO 8601)" };
        private readonly Option<string?> _project = new("--project") { Description = "Entries of this project (or touching it)" };
        private readonly Option<string?> _type = new("--type") { Description = "Operation type, e.g. tool.call, takeover.change" };
        private readonly Option<string?> _outcome = new("--outcome") { Description = "Outcome, e.g. succeeded, failed, denied, queued" };
        private readonly Option<string?> _user = new("--user") { Description = "The actor's name (OS user, operator or MCP client)" };
        private readonly Option<string?> _env = new("--env") { Description = "Environment name" };
        private readonly Option<string?> _correlation = new("--correlation") { Description = "Every entry of one action: its decision, approval, run and outcome share this correlation id; a rollout's id also returns its steps' entries (ids nested under it)" };
        private readonly Option<int?> _limit = new("--limit") { Description = "At most this many (the newest): 1 to 1000, default 100" };
        private bool _withLimit;

        public void AddTo(Command cmd, bool withLimit)
        {
            _withLimit = withLimit;
            cmd.Options.Add(_from);
            cmd.Options.Add(_to);
            cmd.Options.Add(_project);
            cmd.Options.Add(_type);
            cmd.Options.Add(_outcome);
            cmd.Options.Add(_user);
            cmd.Options.Add(_env);
            cmd.Options.Add(_correlation);
            if (withLimit)
            {
                cmd.Options.Add(_limit);
            }
        }

        public AuditQuery Read(CliContext ctx)
        {
            // Checked by the one rule set of every face (AuditQueryRules) when the query runs.
            var limit = _withLimit ? ctx.Value(_limit) : null;
            return new AuditQuery
            {
                From = ctx.Value(_from) is { } f ? ParseTime(f, "--from") : null,
                To = ctx.Value(_to) is { } t ? ParseTime(t, "--to") : null,
                Project = ctx.Value(_project),
                OperationType = ctx.Value(_type),
                Outcome = ctx.Value(_outcome),
                User = ctx.Value(_user),
                Environment = ctx.Value(_env),
                CorrelationId = ctx.Value(_correlation),
                Limit = limit,
            };
        }
    }
}
