using System.Text;
using Kse.Core.Changes;
using Kse.Core.Specs;

namespace Kse.Core.Feedback;

/// <summary>An operation a response asks for. The guarded path decides it; nothing here runs anything by itself.</summary>
public sealed record FeedbackActionRequest(string Project, string Operation, string Purpose, string Environment, string? Instance, string Reason, string CorrelationId);

/// <summary>The way feedback responses request operations: the one guarded path, as the actor <c>system:feedback</c>.</summary>
public interface IFeedbackActions
{
    /// <summary>The project's declared operations with the names of their required parameters that have no default.</summary>
    IReadOnlyList<(string Name, IReadOnlyList<string> RequiredWithoutDefault)> Operations(string project);

    Task<FeedbackActionRecord> RequestAsync(FeedbackActionRequest request, CancellationToken cancellationToken);
}

/// <summary>One entry of a troubleshooting document: a symptom, with the diagnostic and resolution steps that go with it.</summary>
public sealed record TroubleshootingEntry(string Heading, string Symptom, IReadOnlyList<string> Diagnostics, IReadOnlyList<string> Resolutions);

/// <summary>
/// Prepares the response to a critical item: the matching <c>troubleshooting.md</c> entry (by symptom keywords), its diagnostic and
/// resolution steps, and the operations those steps name, requested through the guarded path. Operations come only from the
/// spec, never from the feedback text; their parameters only from the spec's defaults.
/// </summary>
public sealed class FeedbackResponder(SpecService specs, TimeProvider clock, IFeedbackActions? actions = null, ChangeImpactService? changes = null)
{
    private static readonly HashSet<string> StopWords =
    [
        "the", "and", "for", "with", "that", "this", "from", "are", "was", "were", "has", "have", "had", "not", "but", "its", "into", "then", "than", "when", "while", "usually",
        "cause", "log", "logs", "line", "lines", "rising", "first", "any", "all", "one", "our", "you", "your", "their", "there", "what", "which", "who", "why", "how", "can", "could",
        "should", "would", "will", "does", "did", "done", "out", "per", "via", "after", "before", "since", "over", "under", "use", "used", "using", "also", "only", "just", "more",
    ];

    public async Task<FeedbackResponse> RespondAsync(FeedbackItem item, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<TroubleshootingEntry> entries;
        try
        {
            entries = Parse(specs.Show(item.Project, "troubleshooting.md", resolved: true).Text);
        }
        catch (KseException)
        {
            return new FeedbackResponse { At = now };
        }

        var (entry, keywords) = Match(entries, item.Title + "\n" + item.Body + "\n" + string.Join(' ', item.Labels?.Values ?? []));
        if (entry is null)
        {
            return new FeedbackResponse { Document = "troubleshooting.md", At = now };
        }

        var records = new List<FeedbackActionRecord>();
        if (actions is not null)
        {
            var declared = actions.Operations(item.Project);
            foreach (var (purpose, steps) in new[] { ("diagnostic", entry.Diagnostics), ("resolution", entry.Resolutions) })
            {
                // An operation named by both a diagnostic and a resolution step is requested once.
                foreach (var op in declared.Where(o => steps.Any(s => Names(s).Contains(o.Name)) && records.All(r => r.Operation != o.Name)))
                {
                    if (item.Environment is null)
                    {
                        records.Add(new FeedbackActionRecord { Operation = op.Name, Purpose = purpose, Status = "skipped", Message = "the item names no environment or known instance, so nothing is requested" });
                        continue;
                    }

                    if (op.RequiredWithoutDefault.Count > 0)
                    {
                        records.Add(new FeedbackActionRecord { Operation = op.Name, Purpose = purpose, Environment = item.Environment, Status = "skipped", Message = $"needs {string.Join(", ", op.RequiredWithoutDefault)}, which only a human may choose" });
                        continue;
                    }

                    records.Add(await actions.RequestAsync(
                        new FeedbackActionRequest(item.Project, op.Name, purpose, item.Environment, item.Instance, $"{purpose} for critical feedback {item.Id} (troubleshooting: {entry.Heading})", item.Id),
                        cancellationToken));
                }
            }
        }

        return new FeedbackResponse
        {
            Entry = entry.Heading,
            Document = "troubleshooting.md",
            MatchedKeywords = keywords,
            DiagnosticSteps = entry.Diagnostics,
            ResolutionSteps = entry.Resolutions,
            Actions = records,
            At = now,
        };
    }

    /// <summary>An impact assessment of a change proposal's diff (level, findings), or null when the diff cannot be read.</summary>
    public FeedbackChangeAssessment? AssessChange(string project, string diff)
    {
        if (changes is null)
        {
            return null;
        }

        try
        {
            var report = changes.Assess(diff, project);
            return new FeedbackChangeAssessment(report.Level.ToString(), report.Findings.Count, string.Join("; ", report.Findings.Take(5).Select(f => $"{f.Level} {f.Rule} {f.File}:{f.Line}: {f.Reason}")));
        }
        catch (KseException ex)
        {
            return new FeedbackChangeAssessment("unknown", 0, $"the attached diff could not be assessed: {ex.Message}");
        }
    }

    /// <summary>A proposed Common Issues entry for a recurring item, as a unified diff against troubleshooting.md.</summary>
    public (string Document, string Patch) ProposeEntry(FeedbackItem item)
    {
        const string document = "troubleshooting.md";
        string[] lines;
        try
        {
            lines = specs.Show(item.Project, document, resolved: false).Text.Split('\n');
        }
        catch (KseException)
        {
            lines = [];
        }

        var summary = FeedbackText.Neutralise(item.Body).ReplaceLineEndings(" ");
        summary = summary.Length > 200 ? summary[..200] + "…" : summary;
        var bullet = $"- **{FeedbackText.Neutralise(item.Title).ReplaceLineEndings(" ").Replace("**", "", StringComparison.Ordinal)}**: reported {item.Occurrences} times ({item.Type}, {item.Severity}; feedback {item.Id}). {summary} Cause and fix: to be written.";
        var heading = Array.FindIndex(lines, l => l.TrimStart().StartsWith("## Common Issues", StringComparison.OrdinalIgnoreCase));
        var insertAt = lines.Length;
        if (heading >= 0)
        {
            insertAt = heading + 1;
            while (insertAt < lines.Length && !lines[insertAt].StartsWith("## ", StringComparison.Ordinal))
            {
                insertAt++;
            }

            while (insertAt > heading + 1 && string.IsNullOrWhiteSpace(lines[insertAt - 1]))
            {
                insertAt--;
            }
        }

        var sb = new StringBuilder();
        sb.Append($"--- a/.sce/specs/{item.Project}/operations/{document}\n+++ b/.sce/specs/{item.Project}/operations/{document}\n");
        var contextStart = Math.Max(0, insertAt - 2);
        var context = lines.Skip(contextStart).Take(insertAt - contextStart).ToList();
        var added = heading >= 0 ? new List<string> { bullet } : ["", "## Common Issues", "", bullet];
        sb.Append($"@@ -{contextStart + 1},{context.Count} +{contextStart + 1},{context.Count + added.Count} @@\n");
        foreach (var c in context)
        {
            sb.Append(' ').Append(c).Append('\n');
        }

        foreach (var a in added)
        {
            sb.Append('+').Append(a).Append('\n');
        }

        return (document, sb.ToString());
    }

    /// <summary>
    /// Entries from the document's "Common Issues" bullets (<c>- **Name**: symptom</c>) or <c>### Name</c> subsections; steps from
    /// the "Diagnostic Commands" and "Resolution Steps" bullets (a resolution bullet goes with the entry whose name it starts with).
    /// </summary>
    public static IReadOnlyList<TroubleshootingEntry> Parse(string text)
    {
        var sections = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var current = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                current = line[3..].Trim();
                sections[current] = [];
            }
            else if (current.Length > 0)
            {
                sections[current].Add(line);
            }
        }

        static List<string> Bullets(List<string>? lines)
        {
            var bullets = new List<string>();
            foreach (var l in lines ?? [])
            {
                if (l.TrimStart().StartsWith("- ", StringComparison.Ordinal))
                {
                    bullets.Add(l.TrimStart()[2..].Trim());
                }
                else if (bullets.Count > 0 && l.StartsWith("  ", StringComparison.Ordinal) && l.Trim().Length > 0)
                {
                    bullets[^1] += " " + l.Trim();
                }
            }

            return bullets;
        }

        var diagnostics = Bullets(sections.GetValueOrDefault("Diagnostic Commands"));
        var resolutions = Bullets(sections.GetValueOrDefault("Resolution Steps"));
        var entries = new List<TroubleshootingEntry>();
        foreach (var b in Bullets(sections.GetValueOrDefault("Common Issues")))
        {
            var name = b;
            var symptom = b;
            if (b.StartsWith("**", StringComparison.Ordinal) && b.IndexOf("**", 2, StringComparison.Ordinal) is var end and > 2)
            {
                name = b[2..end];
                symptom = b[(end + 2)..].TrimStart(':', ' ');
            }

            var nameWords = Words(name);
            var own = resolutions.Where(r => Words(r.Split(':')[0]).Intersect(nameWords).Any()).ToList();
            entries.Add(new TroubleshootingEntry(name, symptom, diagnostics, own.Count > 0 ? own : resolutions));
        }

        return entries;
    }

    /// <summary>The entry sharing the most symptom words with the text (name words count double); at least two shared words.</summary>
    public static (TroubleshootingEntry? Entry, IReadOnlyList<string> Keywords) Match(IReadOnlyList<TroubleshootingEntry> entries, string text)
    {
        var words = Words(text);
        TroubleshootingEntry? best = null;
        IReadOnlyList<string> bestWords = [];
        var bestScore = 0;
        foreach (var e in entries)
        {
            var name = Words(e.Heading);
            var shared = Words(e.Heading + " " + e.Symptom).Intersect(words).ToList();
            var score = shared.Sum(w => name.Contains(w) ? 2 : 1);
            if (score > bestScore && shared.Count >= 2)
            {
                (best, bestWords, bestScore) = (e, shared, score);
            }
        }

        return (best, bestWords);
    }

    private static HashSet<string> Words(string text) =>
        FeedbackText.Tokenize(text).Select(t => Stem(t.Word)).Where(w => w.Length >= 3 && !StopWords.Contains(w) && !w.All(char.IsDigit)).ToHashSet(StringComparer.Ordinal);

    private static string Stem(string w) => w.Length > 4 && w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal) ? w[..^1] : w;

    /// <summary>Words in backticks of a step (<c>`health-check`</c>), the only way a step names an operation.</summary>
    private static HashSet<string> Names(string step)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var parts = step.Split('`');
        for (var i = 1; i < parts.Length; i += 2)
        {
            names.Add(parts[i].Trim());
        }

        return names;
    }
}
