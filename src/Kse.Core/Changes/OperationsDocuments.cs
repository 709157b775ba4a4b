using System.Text.RegularExpressions;
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
        return File.Exists(path) ? MarkdownSpec.Parse(File.ReadAllText(path)) : null;
    }

    /// <summary>The list items of a filled section (or its non-empty lines when it has no list); empty when absent or unfilled.</summary>
    public IReadOnlyList<string> FilledItems(string project, string document, string heading) =>
        Load(project, document)?.Find(heading) is { IsFilled: true } section ? Items(section.Body) : [];

    [GeneratedRegex(@"<!--[\s\S]*?(-->|$)")]
    private static partial Regex HtmlComment();

    [GeneratedRegex(@"^\s*(?:[-*+]|\d+[.)])\s+(?<t>.+)$")]
    private static partial Regex ListItem();

    public static IReadOnlyList<string> Items(string body)
    {
        var lines = HtmlComment().Replace(body, "").Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var items = lines.Select(l => ListItem().Match(l)).Where(m => m.Success).Select(m => m.Groups["t"].Value.Trim()).Where(t => t.Length > 0).ToList();
        if (items.Count > 0)
        {
            return items;
        }

        var inFence = false;
        var result = new List<string>();
        foreach (var line in lines.Select(l => l.Trim()))
        {
            if (line.StartsWith("```", StringComparison.Ordinal) || line.StartsWith("~~~", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (line.Length > 0 && (inFence || !line.StartsWith('#')))
            {
                result.Add(line);
            }
        }

        return result;
    }
}
