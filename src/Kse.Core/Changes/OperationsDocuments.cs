using System.Text.RegularExpressions;
using Markdig;
using Markdig.Syntax;
using Kse.Core.Specs;

namespace Kse.Core.Changes;

/// <summary>
/// Reads a project's operations documents for the Changes capability, with the same Markdown rules as <c>kse ops validate</c>
/// (<see cref="MarkdownSpec"/>). With a <see cref="SpecService"/> the shared library fills sections a project left empty.
/// </summary>
public sealed partial class OperationsDocuments(KseWorkspace workspace, SpecService? specs = null)
{
    public KseWorkspace Workspace => workspace;

    /// <summary>The document, or null when the project or the document does not exist. <paramref name="resolved"/> merges the shared library.</summary>
    public MarkdownSpec? Load(string project, string document, bool resolved = true)
    {
        if (!ProjectName.IsValid(project) || !Directory.Exists(workspace.ProjectDir(project)))
        {
            return null;
        }

        if (resolved && specs is not null)
        {
            try
            {
                return MarkdownSpec.Parse(specs.Show(project, document, resolved: true).Text);
            }
            catch (KseException ex) when (ex.Kind == KseErrorKind.NotFound)
            {
                return null;
            }
        }

        var path = Path.Combine(workspace.OperationsDir(project), document);
        return File.Exists(path) ? MarkdownSpec.Parse(InputLimits.ReadText(path, "spec.document", document), document) : null;
    }

    /// <summary>The list items of a filled section (or its non-empty lines when it has no list); empty when absent or unfilled.</summary>
    public IReadOnlyList<string> FilledItems(string project, string document, string heading) =>
        Load(project, document)?.Find(heading) is { IsFilled: true } section ? Items(section.Body) : [];

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePreciseSourceLocation().Build();

    [GeneratedRegex(@"^\s*(?:[-*+]|\d+[.)])\s+")]
    private static partial Regex ListMarker();

    [GeneratedRegex(@"^\s*(?<k>name|risk)\s*:\s*[""']?(?<v>[^""'#\s]+)", RegexOptions.Multiline)]
    private static partial Regex OperationField();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>
    /// The steps of a section body, in order: each list item (its lines joined), each paragraph, each line of a code block,
    /// and a declared <c>kse-operation</c> block as one step naming the operation. HTML comments (placeholders) and sub-headings are left out.
    /// </summary>
    public static IReadOnlyList<string> Items(string body)
    {
        var text = body.Replace("\r\n", "\n", StringComparison.Ordinal);
        var result = new List<string>();
        foreach (var block in InputLimits.ParseMarkdown(text, Pipeline, "spec.document", "a section"))
        {
            Collect(block, text, result);
        }

        return result;
    }

    private static void Collect(Block block, string text, List<string> result)
    {
        switch (block)
        {
            case ListBlock list:
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    // The item's own paragraph, then anything nested in it (code, sub-lists).
                    var first = true;
                    foreach (var child in item)
                    {
                        if (first && child is ParagraphBlock p)
                        {
                            Add(result, ListMarker().Replace(Source(text, p), string.Empty));
                        }
                        else
                        {
                            Collect(child, text, result);
                        }

                        first = false;
                    }
                }

                break;
            case FencedCodeBlock fence when string.Equals(fence.Info, "kse-operation", StringComparison.OrdinalIgnoreCase):
                var fields = OperationField().Matches(fence.Lines.ToString()).ToDictionary(m => m.Groups["k"].Value, m => m.Groups["v"].Value);
                Add(result, fields.TryGetValue("name", out var name)
                    ? $"run operation `{name}`" + (fields.TryGetValue("risk", out var risk) ? $" (risk {risk})" : string.Empty)
                    : "run the declared kse-operation block");
                break;
            case CodeBlock code:
                foreach (var line in code.Lines.ToString().Split('\n'))
                {
                    if (line.Trim().Length > 0)
                    {
                        result.Add(line.Trim());
                    }
                }

                break;
            case ParagraphBlock paragraph:
                Add(result, Source(text, paragraph));
                break;
            case ContainerBlock container when block is not ListBlock:
                foreach (var child in container)
                {
                    Collect(child, text, result);
                }

                break;
        }
    }

    private static string Source(string text, Block block) =>
        block.Span.Start >= 0 && block.Span.End < text.Length ? text[block.Span.Start..(block.Span.End + 1)] : string.Empty;

    private static void Add(List<string> result, string item)
    {
        var t = Whitespace().Replace(item, " ").Trim();
        if (t.Length > 0)
        {
            result.Add(t);
        }
    }
}
