using System.Text;
using Kse.Core.Specs;

namespace Kse.Core.Learning;

/// <summary>One drafted section as proposed: its text exactly as it will be merged, and what the drafter knew about it.</summary>
public sealed record ProposedSection
{
    public required string Heading { get; init; }

    /// <summary>The section's Markdown (no <c>##</c> heading), as the draft file held it when proposed.</summary>
    public required string Body { get; init; }

    /// <summary>The drafter's evidence-based confidence; null when the draft index did not know the section.</summary>
    public double? Confidence { get; init; }

    public IReadOnlyList<string> Operations { get; init; } = [];

    /// <summary>Operation name → its own confidence (from the drafter).</summary>
    public IReadOnlyDictionary<string, double> OperationConfidence { get; init; } = new Dictionary<string, double>();

    /// <summary>Operation name → the command as observed most often (secrets masked).</summary>
    public IReadOnlyDictionary<string, string> OperationCommand { get; init; } = new Dictionary<string, string>();

    /// <summary>The newest observation ids it rests on (at most 20).</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];

    /// <summary>The draft's text differs from what the drafter wrote (a reviewer edited it).</summary>
    public bool Edited { get; init; }

    /// <summary>Nothing was observed for it (only when the real document does not exist yet and the whole draft is proposed).</summary>
    public bool Observed { get; init; } = true;

    public string Author { get; init; } = "deterministic";
}

/// <summary>What merging a section does to the real document: <c>added</c> (a new section), <c>filled</c> (an empty or placeholder section replaced), <c>appended</c> (after what an operator wrote), or <c>unchanged</c>.</summary>
public sealed record SectionChange(string Heading, string Kind, string? Removed, string Added);

/// <summary>The real document with the proposed sections merged in, and the change to each section.</summary>
public sealed record DraftMergeResult(string Text, IReadOnlyList<SectionChange> Changes);

/// <summary>
/// Merges accepted draft sections into a real operations document: a missing section is added at the end, an empty one (placeholders
/// only) is filled, and one an operator already wrote keeps its text with the learned part appended below a marker. A section whose
/// drafted text is already there is left alone.
/// </summary>
public static class DraftMerge
{
    public const string Marker = "<!-- kse:learned: merged from operations/drafts by an accepted proposal (see learn.accept in the audit trail) -->";

    public static DraftMergeResult Merge(string? real, string document, IReadOnlyList<ProposedSection> sections)
    {
        var changes = new List<SectionChange>();
        if (real is null)
        {
            var title = char.ToUpperInvariant(document[0]) + document[1..document.IndexOf('.')];
            var sb = new StringBuilder($"# {title}\n\n");
            foreach (var p in sections)
            {
                sb.Append("## ").Append(p.Heading).Append("\n\n").Append(p.Body.Trim()).Append("\n\n");
                changes.Add(new SectionChange(p.Heading, "added", null, p.Body.Trim()));
            }

            return new DraftMergeResult(sb.ToString().TrimEnd() + "\n", changes);
        }

        var text = MarkdownSpec.Normalize(real);
        var spec = MarkdownSpec.Parse(text, document);
        var edits = new List<(int Start, int End, string With)>();
        var appendix = new StringBuilder();
        foreach (var p in sections)
        {
            var body = p.Body.Trim();
            var s = spec.Find(p.Heading);
            if (s is null)
            {
                appendix.Append("\n## ").Append(p.Heading).Append("\n\n").Append(body).Append('\n');
                changes.Add(new SectionChange(p.Heading, "added", null, body));
            }
            else if (Contains(s.Body, body))
            {
                changes.Add(new SectionChange(p.Heading, "unchanged", null, ""));
            }
            else if (!s.IsFilled)
            {
                edits.Add((s.BodyStart, s.BodyStart + s.Body.Length, "\n" + body + "\n\n"));
                changes.Add(new SectionChange(s.Heading, "filled", s.Body.Trim() is { Length: > 0 } old ? old : null, body));
            }
            else
            {
                var kept = s.Body.TrimEnd();
                edits.Add((s.BodyStart, s.BodyStart + s.Body.Length, kept + "\n\n" + Marker + "\n\n" + body + "\n\n"));
                changes.Add(new SectionChange(s.Heading, "appended", null, body));
            }
        }

        var merged = new StringBuilder(text);
        foreach (var (start, end, with) in edits.OrderByDescending(e => e.Start))
        {
            merged.Remove(start, end - start).Insert(start, with);
        }

        var result = merged.ToString().TrimEnd() + "\n";
        if (appendix.Length > 0)
        {
            result += appendix.ToString();
        }

        return new DraftMergeResult(result, changes);
    }

    private static bool Contains(string existing, string body) =>
        Squash(existing).Contains(Squash(body), StringComparison.Ordinal);

    private static string Squash(string text) => string.Join('\n', text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0));
}
