using System.Text.RegularExpressions;

namespace Kse.Core.Changes;

/// <summary>One <c>#</c>-heading section of an operations document and whether it has real content.</summary>
public sealed record SpecSection(string Heading, int Level, int Line, string Body)
{
    /// <summary>True when the body has something besides blank lines and <c>&lt;!-- kse:fill ... --&gt;</c> placeholders.</summary>
    public bool IsFilled => SpecSections.HasContent(Body);
}

/// <summary>Reads the sections of an operations Markdown document (CRLF or LF); a section runs until the next heading of the same or a higher level.</summary>
public static partial class SpecSections
{
    [GeneratedRegex(@"^(?<h>#{1,6})\s+(?<t>.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"<!--\s*kse:fill\b.*?-->", RegexOptions.Singleline)]
    private static partial Regex FillPlaceholder();

    public static IReadOnlyList<SpecSection> Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var sections = new List<SpecSection>();
        var headings = new List<(string Text, int Level, int Index)>();
        var fence = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                fence = !fence;
                continue;
            }

            if (!fence && Heading().Match(lines[i]) is { Success: true } m)
            {
                headings.Add((m.Groups["t"].Value.Trim(), m.Groups["h"].Value.Length, i));
            }
        }

        for (var h = 0; h < headings.Count; h++)
        {
            var (text, level, index) = headings[h];
            var end = lines.Length;
            for (var k = h + 1; k < headings.Count; k++)
            {
                if (headings[k].Level <= level)
                {
                    end = headings[k].Index;
                    break;
                }
            }

            sections.Add(new SpecSection(text, level, index + 1, string.Join('\n', lines[(index + 1)..end])));
        }

        return sections;
    }

    /// <summary>The section whose heading equals <paramref name="heading"/> (case-insensitive), if any.</summary>
    public static SpecSection? Find(IReadOnlyList<SpecSection> sections, string heading) =>
        sections.FirstOrDefault(s => string.Equals(s.Heading, heading, StringComparison.OrdinalIgnoreCase));

    public static bool HasContent(string body) => FillPlaceholder().Replace(body, "").Trim().Length > 0;

    /// <summary>The list items (or, without any, the non-empty lines) of a section body, placeholders removed.</summary>
    public static IReadOnlyList<string> Items(string body)
    {
        var clean = FillPlaceholder().Replace(body, "");
        var lines = clean.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var items = lines.Select(l => ListItem().Match(l)).Where(m => m.Success).Select(m => m.Groups["t"].Value.Trim()).Where(t => t.Length > 0).ToList();
        if (items.Count > 0)
        {
            return items;
        }

        return lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("```", StringComparison.Ordinal) && !l.StartsWith('#')).ToList();
    }

    [GeneratedRegex(@"^\s*(?:[-*+]|\d+[.)])\s+(?<t>.+)$")]
    private static partial Regex ListItem();

    /// <summary>Reads <c>&lt;project&gt;/operations/&lt;document&gt;</c>; null when it does not exist.</summary>
    public static IReadOnlyList<SpecSection>? Load(KseWorkspace workspace, string project, string document)
    {
        var path = Path.Combine(workspace.OperationsDir(project), document);
        return File.Exists(path) ? Parse(File.ReadAllText(path)) : null;
    }
}
