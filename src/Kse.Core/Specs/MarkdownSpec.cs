using System.Text.RegularExpressions;
using Markdig;
using Markdig.Syntax;

namespace Kse.Core.Specs;

/// <summary>A <c>##</c> section of an operations document.</summary>
/// <param name="Heading">The heading text as written.</param>
/// <param name="Line">1-based line of the heading.</param>
/// <param name="Body">The section's text up to the next <c>#</c>/<c>##</c> heading, line endings normalised to <c>\n</c>.</param>
public sealed record SpecSection(string Heading, int Line, string Body)
{
    /// <summary>True when the body holds visible text besides placeholders and other HTML comments.</summary>
    public bool IsFilled => MarkdownSpec.HasContent(Body);

    /// <summary>Where the heading starts in the normalised text (line endings <c>\n</c>, no BOM).</summary>
    public int HeadingStart { get; init; }

    /// <summary>Where <see cref="Body"/> starts in the normalised text.</summary>
    public int BodyStart { get; init; }
}

/// <summary>An operations document parsed with Markdig: its preamble (title and text before the first <c>##</c>) and its sections.</summary>
public sealed partial record MarkdownSpec(string Preamble, IReadOnlyList<SpecSection> Sections)
{
    /// <summary>
    /// The placeholder syntax of the templates: an HTML comment starting with <c>kse:fill</c>, e.g.
    /// <c>&lt;!-- kse:fill: what to write here --&gt;</c>. Any HTML comment is invisible, so none counts as content.
    /// </summary>
    public const string PlaceholderSyntax = "<!-- kse:fill: guidance -->";

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePreciseSourceLocation().Build();

    [GeneratedRegex(@"<!--[\s\S]*?(-->|$)", RegexOptions.CultureInvariant)]
    private static partial Regex HtmlComment();

    /// <summary>The text as sections are measured in: line endings <c>\n</c>, no byte-order mark.</summary>
    public static string Normalize(string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        return normalized.Length > 0 && normalized[0] == '\uFEFF' ? normalized[1..] : normalized;
    }

    /// <summary>Parses Markdown; CRLF, CR and LF line endings give the same result.</summary>
    public static MarkdownSpec Parse(string text, string documentName = "the document")
    {
        InputLimits.CheckSize(text, "spec.document", documentName);
        var normalized = Normalize(text);

        var document = InputLimits.ParseMarkdown(normalized, Pipeline, "spec.document", documentName);
        var headings = document.Descendants<HeadingBlock>().Where(h => h.Level <= 2 && h.Parent is MarkdownDocument).ToList();
        var sections = new List<SpecSection>();
        var firstSection = headings.FirstOrDefault(h => h.Level == 2);
        var preamble = firstSection is null ? normalized : normalized[..firstSection.Span.Start];
        for (var i = 0; i < headings.Count; i++)
        {
            var h = headings[i];
            if (h.Level != 2)
            {
                continue;
            }

            var headingLine = normalized[h.Span.Start..Math.Min(normalized.Length, h.Span.End + 1)];
            var bodyStart = Math.Min(normalized.Length, h.Span.End + 1);
            var bodyEnd = i + 1 < headings.Count ? headings[i + 1].Span.Start : normalized.Length;
            sections.Add(new SpecSection(HeadingText(headingLine), h.Line + 1, normalized[bodyStart..Math.Max(bodyStart, bodyEnd)]) { HeadingStart = h.Span.Start, BodyStart = bodyStart });
        }

        return new MarkdownSpec(preamble, sections);
    }

    /// <summary>The first section whose heading matches <paramref name="heading"/> case-insensitively after trimming.</summary>
    public SpecSection? Find(string heading)
    {
        var wanted = SpecDocuments.NormalizeHeading(heading);
        return Sections.FirstOrDefault(s => SpecDocuments.NormalizeHeading(s.Heading) == wanted);
    }

    /// <summary>Visible text remains once HTML comments (placeholders included) are removed.</summary>
    public static bool HasContent(string body) => !string.IsNullOrWhiteSpace(HtmlComment().Replace(body, string.Empty));

    private static string HeadingText(string line)
    {
        var t = line.Trim();
        if (t.StartsWith('#'))
        {
            return t.TrimStart('#').Trim().TrimEnd('#').Trim();
        }

        // A setext heading: the text line above its underline.
        return t.Split('\n')[0].Trim();
    }
}
