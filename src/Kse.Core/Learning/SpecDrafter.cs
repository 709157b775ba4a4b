using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kse.Core.Execution;
using Kse.Core.Specs;

namespace Kse.Core.Learning;

/// <summary>
/// Writes draft operations documents from mined patterns, deterministically: routine and backup tasks into operations.md,
/// failure → fix pairs into troubleshooting.md, deploy sequences into deployment.md, read checks into monitoring.md. Each runnable
/// suggestion is one <c>kse-operation</c> block (declared once across the drafts) followed by its confidence and evidence.
/// </summary>
public static partial class SpecDrafter
{
    /// <summary>The fewest observations for a command to be suggested as an operation.</summary>
    public const int MinSupport = 3;

    /// <summary>The lowest confidence for a runnable suggestion: below it a command is reported as a pattern, never drafted.</summary>
    public const double MinConfidence = 0.5;

    public static readonly IReadOnlyList<string> DraftedDocuments = ["operations.md", "troubleshooting.md", "deployment.md", "monitoring.md"];

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static (IReadOnlyList<(string Name, IReadOnlyList<DraftedSection> Sections)> Documents, IReadOnlyList<DraftedOperation> Operations) Draft(MiningResult mined, ISet<string> takenNames)
    {
        var names = new HashSet<string>(takenNames, StringComparer.Ordinal);
        var written = new HashSet<string>(StringComparer.Ordinal);
        var operations = new Dictionary<string, DraftedOperation>(StringComparer.Ordinal);
        var candidates = mined.Recurring.Where(r => r.Count >= MinSupport && r.Confidence >= MinConfidence && r.Category != "noise" && !r.UsesShell).ToDictionary(r => r.Template, StringComparer.Ordinal);

        DraftedOperation? Declare(string template, string document, string section)
        {
            if (operations.TryGetValue(template, out var existing))
            {
                return existing;
            }

            if (!candidates.TryGetValue(template, out var r))
            {
                return null;
            }

            var op = Operation(r, UniqueName(r, names), document, section);
            operations[template] = op;
            return op;
        }

        var sections = new List<DraftedSection>();
        DraftedSection Section(string document, string heading, IEnumerable<RecurringPattern> items, string intro, string empty)
        {
            var list = items.ToList();
            var body = new StringBuilder();
            var declared = new List<DraftedOperation>();
            if (list.Count == 0)
            {
                body.Append(empty).Append('\n');
            }
            else
            {
                body.Append(intro).Append("\n\n");
                foreach (var r in list)
                {
                    var op = Declare(r.Template, document, heading)!;
                    declared.Add(op);
                    body.Append(OperationText(op, r, written.Add(op.Name))).Append('\n');
                }
            }

            return new DraftedSection
            {
                Document = document,
                Heading = heading,
                Body = body.ToString().TrimEnd() + "\n",
                Observed = list.Count > 0,
                Confidence = list.Count == 0 ? 0 : list.Max(r => r.Confidence),
                Operations = declared.Select(o => o.Name).ToList(),
                Evidence = list.SelectMany(r => r.Evidence).Distinct(StringComparer.Ordinal).ToList(),
            };
        }

        string Nothing(string what) => $"Nothing observed for this yet: {what}. An operator writes this section.";

        // operations.md
        var usable = candidates.Values.OrderByDescending(r => r.Confidence).ThenBy(r => r.Template, StringComparer.Ordinal).ToList();
        var backups = usable.Where(r => r.Category == "backup").ToList();
        var daily = usable.Where(r => r.Category == "routine").ToList();
        // A failure, its diagnosis, its fix and the retry also form a sequence: troubleshooting.md tells that story, not a procedure.
        var troubleshooting = mined.FailureFixes.SelectMany(f => f.Fix.Append(f.Failing)).ToHashSet(StringComparer.Ordinal);
        var sequences = mined.Sequences.Where(s => s.Steps.All(candidates.ContainsKey) && !s.Steps.Any(troubleshooting.Contains)).ToList();
        var procedures = sequences.Where(s => s.Kind == "procedure").ToList();
        var maintenance = usable.Where(r => r.Category == "maintenance" && !mined.FailureFixes.Any(f => f.Fix.Contains(r.Template)) && !sequences.Any(s => s.Steps.Contains(r.Template))).ToList();
        sections.Add(Section("operations.md", "Daily Tasks", daily, "Recurring tasks observed on a schedule, most confident first.", Nothing("no state-changing command recurred on a daily or weekly schedule")));
        var maintenanceSection = Section("operations.md", "Maintenance Procedures", maintenance, "State-changing commands that recurred without a fixed schedule.", Nothing("no other state-changing command recurred"));
        sections.Add(WithSequences(maintenanceSection, procedures, Declare, written, "Procedures: commands run in this order in one session, again and again."));
        sections.Add(Section("operations.md", "Backup Procedures", backups, "Backups observed, most confident first.", Nothing("no backup command (pg_dump, mysqldump, restic, borg, …) recurred")));

        // troubleshooting.md
        var fixes = mined.FailureFixes.Where(f => f.Fix.All(candidates.ContainsKey) || f.Fix.Count > 0).ToList();
        sections.Add(Issues(fixes));
        var diagnostics = usable.Where(r => r.Risk == "read" && fixes.Any(f => f.Diagnostics.Contains(r.Command))).ToList();
        sections.Add(Section("troubleshooting.md", "Diagnostic Commands", diagnostics, "Read-only commands run while diagnosing the failures above.", Nothing("no read command was run between a failure and its fix")));
        sections.Add(Resolutions(fixes, Declare, written));

        // deployment.md
        var deploys = sequences.Where(s => s.Kind == "deploy").ToList();
        sections.Add(Plain("deployment.md", "Prerequisites", deploys.Count == 0 ? Nothing("no deploy sequence was observed") : $"Observed on {string.Join(", ", deploys.SelectMany(d => d.Hosts).Select(h => h.Name).Distinct(StringComparer.Ordinal))}. Access to those hosts as the users who deployed; check the commands below are installed."));
        sections.Add(WithSequences(new DraftedSection { Document = "deployment.md", Heading = "Deployment Steps", Body = deploys.Count == 0 ? Nothing("no deploy sequence (pull, apply, publish, restart, …) recurred") + "\n" : "", Observed = false, Confidence = 0 }, deploys, Declare, written, "Deploy sequences observed, in the order they ran."));
        sections.Add(Plain("deployment.md", "Environment Variables", Nothing("commands do not show their environment; secrets seen on command lines were masked and belong in a secret store")));
        sections.Add(Plain("deployment.md", "Health Checks", Nothing("see monitoring.md for the read checks that were observed")));
        sections.Add(Plain("deployment.md", "Rollback Procedure", Nothing("no rollback was observed")));

        // monitoring.md
        var checks = usable.Where(r => r.Risk == "read" && !diagnostics.Contains(r)).ToList();
        sections.Add(Section("monitoring.md", "Metrics", checks, "Read-only checks operators ran repeatedly.", Nothing("no read-only check recurred")));
        sections.Add(Plain("monitoring.md", "Thresholds", Nothing("thresholds are not visible in commands")));
        sections.Add(Plain("monitoring.md", "Alert Rules", Nothing("alert rules are not visible in commands")));
        sections.Add(Plain("monitoring.md", "Response Procedures", fixes.Count == 0 ? Nothing("no failure was followed by a fix") : "See troubleshooting.md: each observed failure and what fixed it."));

        var documents = DraftedDocuments.Select(d => (d, (IReadOnlyList<DraftedSection>)sections.Where(s => s.Document == d).ToList())).ToList();
        return (documents, operations.Values.ToList());
    }

    private static DraftedSection Plain(string document, string heading, string text) =>
        new() { Document = document, Heading = heading, Body = text + "\n", Observed = false, Confidence = 0 };

    private static DraftedSection WithSequences(DraftedSection section, IReadOnlyList<SequencePattern> sequences, Func<string, string, string, DraftedOperation?> declare, HashSet<string> written, string intro)
    {
        if (sequences.Count == 0)
        {
            return section;
        }

        var body = new StringBuilder(section.Observed ? section.Body + "\n" : "");
        body.Append(intro).Append("\n\n");
        var ops = new List<string>(section.Operations);
        var n = 0;
        foreach (var s in sequences)
        {
            n++;
            body.Append(CultureInfo.InvariantCulture, $"### Sequence {n}: {string.Join(" → ", s.Commands.Select(c => Path.GetFileName(CommandTemplate.Split(c).FirstOrDefault() ?? c)))}\n\n");
            body.Append(CultureInfo.InvariantCulture, $"Seen in {s.Support} sessions on {string.Join(", ", s.Hosts.Select(h => $"{h.Name} ({h.Count})"))}, last on {s.LastSeen:yyyy-MM-dd}. ");
            body.Append(Confidence(s.Confidence, s.Explanation, s.Evidence)).Append("\n\n");
            var later = new StringBuilder();
            var step = 0;
            foreach (var key in s.Steps)
            {
                step++;
                var op = declare(key, section.Document, section.Heading);
                if (op is null)
                {
                    continue;
                }

                if (!ops.Contains(op.Name))
                {
                    ops.Add(op.Name);
                }

                if (written.Add(op.Name))
                {
                    body.Append(CultureInfo.InvariantCulture, $"{step}. `{op.Name}`: `{Code(op.Command)}`\n");
                    later.Append(op.Block).Append('\n');
                }
                else
                {
                    body.Append(CultureInfo.InvariantCulture, $"{step}. `{op.Name}` (declared in {op.Document}, {op.Section}): `{Code(op.Command)}`\n");
                }
            }

            body.Append('\n').Append(later);
        }

        return section with
        {
            Body = body.ToString().TrimEnd() + "\n",
            Observed = true,
            Confidence = Math.Max(section.Confidence, sequences.Max(s => s.Confidence)),
            Operations = ops,
            Evidence = section.Evidence.Concat(sequences.SelectMany(s => s.Evidence)).Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    private static DraftedSection Issues(IReadOnlyList<FailureFixPattern> fixes)
    {
        if (fixes.Count == 0)
        {
            return Plain("troubleshooting.md", "Common Issues", "Nothing observed for this yet: no command failed and then succeeded after a fix. An operator writes this section.");
        }

        var body = new StringBuilder("Failures observed more than once, and what made the command succeed again.\n\n");
        foreach (var f in fixes)
        {
            body.Append(CultureInfo.InvariantCulture, $"### `{Code(f.FailingCommand)}` fails\n\n");
            body.Append(CultureInfo.InvariantCulture, $"Failed {f.Failures} times on {string.Join(", ", f.Hosts.Select(h => h.Name))}; {f.Support} times it succeeded again after: {string.Join(", then ", f.FixCommands.Select(c => $"`{Code(c)}`"))}. ");
            body.Append(Confidence(f.Confidence, f.Explanation, f.Evidence)).Append("\n\n");
        }

        return new DraftedSection
        {
            Document = "troubleshooting.md",
            Heading = "Common Issues",
            Body = body.ToString().TrimEnd() + "\n",
            Observed = true,
            Confidence = fixes.Max(f => f.Confidence),
            Evidence = fixes.SelectMany(f => f.Evidence).Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    private static DraftedSection Resolutions(IReadOnlyList<FailureFixPattern> fixes, Func<string, string, string, DraftedOperation?> declare, HashSet<string> written)
    {
        if (fixes.Count == 0)
        {
            return Plain("troubleshooting.md", "Resolution Steps", "Nothing observed for this yet: no fix was observed. An operator writes this section.");
        }

        var body = new StringBuilder("What fixed each failure, as runnable operations.\n\n");
        var ops = new List<string>();
        foreach (var f in fixes)
        {
            body.Append(CultureInfo.InvariantCulture, $"### When `{Code(f.FailingCommand)}` fails\n\n");
            var blocks = new StringBuilder();
            var step = 0;
            foreach (var key in f.Fix)
            {
                step++;
                var op = declare(key, "troubleshooting.md", "Resolution Steps");
                if (op is null)
                {
                    body.Append(CultureInfo.InvariantCulture, $"{step}. `{Code(f.FixCommands[step - 1])}` (seen too rarely or needs a shell: not a runnable block)\n");
                    continue;
                }

                body.Append(CultureInfo.InvariantCulture, $"{step}. `{op.Name}`: `{Code(op.Command)}`\n");
                if (!ops.Contains(op.Name))
                {
                    ops.Add(op.Name);
                }

                if (written.Add(op.Name))
                {
                    blocks.Append(op.Block).Append('\n');
                }
            }

            body.Append(CultureInfo.InvariantCulture, $"{step + 1}. Run `{Code(f.FailingCommand)}` again.\n\n");
            body.Append(Confidence(f.Confidence, f.Explanation, f.Evidence)).Append("\n\n").Append(blocks);
        }

        return new DraftedSection
        {
            Document = "troubleshooting.md",
            Heading = "Resolution Steps",
            Body = body.ToString().TrimEnd() + "\n",
            Observed = true,
            Confidence = fixes.Max(f => f.Confidence),
            Operations = ops,
            Evidence = fixes.SelectMany(f => f.Evidence).Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    private static string OperationText(DraftedOperation op, RecurringPattern r, bool withBlock)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"### {op.Name}\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"`{Code(r.Command)}`: observed {r.Count} times on {string.Join(", ", r.Hosts.Select(h => $"{h.Name} ({h.Count})"))} in {string.Join(", ", r.Environments.Select(e => e.Name))}");
        sb.Append(r.Users.Count > 0 ? $" by {string.Join(", ", r.Users)}" : "");
        sb.Append(CultureInfo.InvariantCulture, $", {r.Schedule.Description}, last on {r.LastSeen:yyyy-MM-dd}. Risk {op.Risk}: {op.RiskReason}.\n\n");
        sb.Append(Confidence(op.Confidence, r.Explanation, r.Evidence)).Append("\n\n");
        sb.Append(withBlock ? op.Block : $"Declared in {op.Document}, {op.Section}.\n");
        return sb.ToString();
    }

    private static string Confidence(double score, string explanation, IReadOnlyList<string> evidence) =>
        string.Create(CultureInfo.InvariantCulture, $"Confidence **{score:0.00}** ({explanation}). Evidence: {string.Join(", ", evidence.Take(8))}{(evidence.Count > 8 ? $" and {evidence.Count - 8} more" : "")}.");

    internal static string Code(string text) => text.Replace('`', '\'').Replace("\n", " ", StringComparison.Ordinal);

    private static DraftedOperation Operation(RecurringPattern r, string name, string document, string section)
    {
        var template = r.Forms.FirstOrDefault(f => f.Values.SequenceEqual(r.Argv)) ?? CommandTemplate.Of(r.Command, r.Argv);
        var argv = new List<string>();
        var parameters = new List<(string Name, string Spec)>();
        for (var i = 0; i < template.Words.Count; i++)
        {
            var w = template.Words[i];
            var position = i;
            var values = r.Forms.Where(f => f.Words.Count > position).Select(f => f.Words[position].Value).Distinct(StringComparer.Ordinal).ToList();
            var varies = w.Type == "secret" || values.Count > 1;
            if (i == 0 || !varies || w.Type is null)
            {
                argv.Add(Escape(w.Value));
                continue;
            }

            var pname = w.Type + (parameters.Count(p => p.Name.StartsWith(w.Type, StringComparison.Ordinal)) is var k and > 0 ? (k + 1).ToString(CultureInfo.InvariantCulture) : "");
            var prefix = w.Text.Contains('=') && w.Text.StartsWith('-') ? w.Text[..(w.Text.IndexOf('=') + 1)] : "";
            argv.Add(prefix + "{" + pname + "}");
            var concrete = values.Select(v => prefix.Length > 0 && v.StartsWith(prefix, StringComparison.Ordinal) ? v[prefix.Length..] : v).ToList();
            parameters.Add((pname, ParameterSpec(w.Type, concrete)));
        }

        var timeout = r.Risk == "read" ? "60s" : "10m";
        var yaml = new StringBuilder();
        yaml.Append("```").Append(OperationBlockParser.FenceTag).Append('\n');
        yaml.Append("name: ").Append(name).Append('\n');
        yaml.Append("description: ").Append(JsonSerializer.Serialize($"Observed {r.Count} times, {r.Schedule.Description} (drafted; confidence {r.Confidence.ToString("0.00", CultureInfo.InvariantCulture)})", Json)).Append('\n');
        yaml.Append("risk: ").Append(r.Risk).Append('\n');
        yaml.Append("command: [").Append(string.Join(", ", argv.Select(a => JsonSerializer.Serialize(a, Json)))).Append("]\n");
        if (parameters.Count > 0)
        {
            yaml.Append("parameters:\n");
            foreach (var (pname, spec) in parameters)
            {
                yaml.Append("  ").Append(pname).Append(": ").Append(spec).Append('\n');
            }
        }

        yaml.Append("timeout: ").Append(timeout).Append('\n');
        yaml.Append("```\n");
        return new DraftedOperation
        {
            Name = name,
            Document = document,
            Section = section,
            Template = r.Template,
            Command = r.Command,
            Argv = argv,
            Risk = r.Risk,
            RiskReason = r.RiskReason,
            Count = r.Count,
            Schedule = r.Schedule.Description,
            Hosts = r.Hosts,
            Environments = r.Environments,
            Confidence = r.Confidence,
            ConfidenceFactors = r.ConfidenceFactors,
            Explanation = r.Explanation,
            Evidence = r.Evidence,
            Block = yaml.ToString(),
        };
    }

    private static string Escape(string literal) => literal.Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal);

    private static string ParameterSpec(string type, IReadOnlyList<string> values)
    {
        if (type != "secret" && values.Count is > 1 and <= 5 && values.All(v => SafeEnumValue().IsMatch(v)))
        {
            return "{ type: enum, values: [" + string.Join(", ", values.Order(StringComparer.Ordinal).Select(v => JsonSerializer.Serialize(v, Json))) + "] }";
        }

        if (type == "number" && values.All(v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            var nums = values.Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToList();
            return string.Create(CultureInfo.InvariantCulture, $"{{ type: int, min: {Math.Min(0, nums.Min())}, max: {Math.Max(nums.Max() * 10, 10)} }}");
        }

        var pattern = type switch
        {
            "path" => @"^[A-Za-z0-9._/~+][A-Za-z0-9._/~+@:=,-]{0,254}$",
            "number" => @"^[0-9][0-9.]{0,15}[A-Za-z%]{0,2}$",
            "date" => @"^[0-9]{4}-?[0-9]{2}-?[0-9]{2}([T _-]?[0-9:]{4,8})?$",
            "host" => @"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,253}$",
            "ip" => @"^[0-9]{1,3}(\.[0-9]{1,3}){3}(:[0-9]{1,5})?(/[0-9]{1,2})?$",
            "url" => @"^https?://[^\s]{1,2000}$",
            "unit" => @"^[A-Za-z0-9][A-Za-z0-9@._:-]{0,255}$",
            _ => @"^[^\s-][^\s]{0,511}$",
        };
        return "{ type: string, pattern: " + JsonSerializer.Serialize(pattern, Json) + " }";
    }

    private static string UniqueName(RecurringPattern r, HashSet<string> names)
    {
        var words = new List<string> { r.Program };
        var template = r.Forms.FirstOrDefault() ?? CommandTemplate.Of(r.Command, r.Argv);
        foreach (var w in template.Words.Skip(1))
        {
            if (words.Count >= 4)
            {
                break;
            }

            if (w.Text.StartsWith('-') || w.Type is "secret" or "path" or "url" or "number" or "date")
            {
                continue;
            }

            words.Add(w.Type is null ? w.Text : w.Value);
        }

        var slug = Slug().Replace(string.Join('-', words).ToLowerInvariant(), "-").Trim('-');
        slug = slug.Length == 0 ? "observed" : slug;
        slug = char.IsLetterOrDigit(slug[0]) ? slug : "op-" + slug;
        slug = slug.Length > 50 ? slug[..50].TrimEnd('-') : slug;
        var name = slug;
        for (var n = 2; !names.Add(name); n++)
        {
            name = $"{slug}-{n}";
        }

        return name;
    }

    [GeneratedRegex("[^a-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9@._:/-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeEnumValue();

    /// <summary>The document's Markdown: a title, a note that it is a draft, then its sections in the required order.</summary>
    public static string Render(string document, string project, string? environment, int observations, IReadOnlyList<DraftedSection> sections, DateTimeOffset at)
    {
        var title = char.ToUpperInvariant(document[0]) + document[1..document.IndexOf('.')];
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# {title} (draft)\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"> Drafted by `kse learn draft {project}` on {at:yyyy-MM-dd HH:mm} UTC from {observations} observations{(environment is null ? "" : $" in {environment}")}. ");
        sb.Append("This is not the real spec: review it, then `kse learn propose` queues its observed sections and operations for an operator to accept or reject. ");
        sb.Append(CultureInfo.InvariantCulture, $"Confidence: {ConfidenceFormula.Text}.\n\n");
        foreach (var s in sections)
        {
            sb.Append("## ").Append(s.Heading).Append("\n\n").Append(s.Body.TrimEnd()).Append("\n\n");
        }

        return sb.ToString().TrimEnd() + "\n";
    }

    /// <summary>The section and operation-block problems of draft documents, as <c>kse ops validate</c> reports them.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<(string Name, string Markdown)> documents)
    {
        var errors = new List<string>();
        foreach (var (name, markdown) in documents)
        {
            var kind = SpecDocuments.Find(name);
            MarkdownSpec spec;
            try
            {
                spec = MarkdownSpec.Parse(markdown, name);
            }
            catch (KseException ex)
            {
                errors.Add($"{name}: {ex.Message}");
                continue;
            }

            foreach (var heading in kind.RequiredSections)
            {
                if (spec.Find(heading) is not { IsFilled: true })
                {
                    errors.Add($"{name}: section '{heading}' is missing or empty");
                }
            }
        }

        var catalog = OperationCatalog.FromDocuments("drafts", documents);
        errors.AddRange(catalog.Errors.Select(e => e.ToString()));
        return errors;
    }
}
