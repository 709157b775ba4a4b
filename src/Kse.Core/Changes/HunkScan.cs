using System.Text.RegularExpressions;

namespace Kse.Core.Changes;

/// <summary>Small helpers the rule sets share for reading hunks.</summary>
internal static class HunkScan
{
    /// <summary>How many lines <see cref="Enclosing"/> walks back at most.</summary>
    public const int MaxLookBack = 300;

    public static int Indent(string text)
    {
        var n = 0;
        while (n < text.Length && (text[n] == ' ' || text[n] == '\t'))
        {
            n++;
        }

        return n;
    }

    /// <summary>The nearest line before <paramref name="index"/> on the same side (old side for removed lines, new side otherwise) that matches, with a smaller indent when asked.</summary>
    public static Match? Enclosing(DiffHunk hunk, int index, Regex pattern, bool requireSmallerIndent = true)
    {
        var line = hunk.Lines[index];
        var indent = Indent(line.Text);
        var oldSide = line.Kind == DiffLineKind.Removed;

        // Nothing encloses a line at column 0 by indentation; and parents are near, so the walk back is bounded.
        var stop = requireSmallerIndent && indent == 0 ? index : Math.Max(0, index - MaxLookBack);
        for (var i = index - 1; i >= stop; i--)
        {
            var l = hunk.Lines[i];
            if ((oldSide && l.Kind == DiffLineKind.Added) || (!oldSide && l.Kind == DiffLineKind.Removed))
            {
                continue;
            }

            if (requireSmallerIndent && Indent(l.Text) >= indent && l.Text.Trim().Length > 0)
            {
                continue;
            }

            var m = pattern.Match(l.Text);
            if (m.Success)
            {
                return m;
            }
        }

        var s = pattern.Match(hunk.Section);
        return s.Success ? s : null;
    }

    public static bool HasChanges(DiffFile file) => file.AllLines.Any(l => l.Kind != DiffLineKind.Context);

    public static bool HasRemovals(DiffFile file) => file.AllLines.Any(l => l.Kind == DiffLineKind.Removed);

    /// <summary>Texts of the lines on the new side (context and added) of the whole file, with their kinds.</summary>
    public static IEnumerable<DiffLine> NewSide(DiffFile file) => file.AllLines.Where(l => l.Kind != DiffLineKind.Removed);

    public static IEnumerable<DiffLine> Changed(DiffFile file) => file.AllLines.Where(l => l.Kind != DiffLineKind.Context);
}
