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

        if (Above(hunk, oldSide, pattern, requireSmallerIndent ? indent : int.MaxValue) is { } above)
        {
            return above;
        }

        var s = pattern.Match(hunk.Section);
        return s.Success ? s : null;
    }

    /// <summary>
    /// The nearest line above the hunk, in the file's full text, that matches (and is indented less than
    /// <paramref name="belowIndent"/>); null without the full text.
    /// </summary>
    public static Match? Above(DiffHunk hunk, bool oldSide, Regex pattern, int belowIndent = int.MaxValue)
    {
        var text = oldSide ? hunk.Content?.Old : hunk.Content?.New;
        if (text is null || belowIndent == 0)
        {
            return null;
        }

        var start = Math.Min(text.Count, (oldSide ? hunk.OldStart : hunk.NewStart) - 1) - 1;
        for (var i = start; i >= 0 && i >= start - MaxLookBack; i--)
        {
            var t = text[i];
            if (belowIndent != int.MaxValue && (Indent(t) >= belowIndent || t.Trim().Length == 0))
            {
                continue;
            }

            var m = pattern.Match(t);
            if (m.Success)
            {
                return m;
            }
        }

        return null;
    }

    /// <summary>The lines a content sniffer may read: the hunks, plus the head of the full new (or old) text when known.</summary>
    public static IEnumerable<string> Sniffable(DiffFile file, int headLines = 400)
    {
        foreach (var l in file.AllLines)
        {
            yield return l.Text;
        }

        foreach (var t in (file.Content?.New ?? file.Content?.Old ?? []).Take(headLines))
        {
            yield return t;
        }
    }

    public static bool HasChanges(DiffFile file) => file.AllLines.Any(l => l.Kind != DiffLineKind.Context);

    public static bool HasRemovals(DiffFile file) => file.AllLines.Any(l => l.Kind == DiffLineKind.Removed);

    /// <summary>Texts of the lines on the new side (context and added) of the whole file, with their kinds.</summary>
    public static IEnumerable<DiffLine> NewSide(DiffFile file) => file.AllLines.Where(l => l.Kind != DiffLineKind.Removed);

    public static IEnumerable<DiffLine> Changed(DiffFile file) => file.AllLines.Where(l => l.Kind != DiffLineKind.Context);
}
