using System.Globalization;

namespace Kse.Core.Changes;

public enum DiffFileStatus
{
    Modified,
    Added,
    Deleted,
    Renamed,
}

public enum DiffLineKind
{
    Context,
    Added,
    Removed,
}

/// <summary>One line of a hunk with its line number on the side it belongs to (new side for context and added lines).</summary>
public readonly record struct DiffLine(DiffLineKind Kind, string Text, int Line);

/// <summary>The whole old and new text of a file, when the diff came from the repository (null sides are absent).</summary>
public sealed record DiffFileContent(IReadOnlyList<string>? Old, IReadOnlyList<string>? New);

/// <summary>One <c>@@</c> hunk: its lines in diff order and the header's section text.</summary>
public sealed record DiffHunk(int OldStart, int NewStart, string Section, IReadOnlyList<DiffLine> Lines)
{
    /// <summary>The file's full text, when known: rules look above the hunk for what encloses a line.</summary>
    public DiffFileContent? Content { get; init; }
}

/// <summary>One file of a unified diff.</summary>
public sealed record DiffFile
{
    public required string Path { get; init; }

    public string? OldPath { get; init; }

    public DiffFileStatus Status { get; init; }

    public bool IsBinary { get; init; }

    public IReadOnlyList<DiffHunk> Hunks { get; init; } = [];

    /// <summary>The file's full text, when the diff came from the repository.</summary>
    public DiffFileContent? Content { get; init; }

    public IEnumerable<DiffLine> AllLines => Hunks.SelectMany(h => h.Lines);

    /// <summary>The file with its full text attached to it and to every hunk.</summary>
    public DiffFile WithContent(DiffFileContent content) =>
        this with { Content = content, Hunks = Hunks.Select(h => h with { Content = content }).ToList() };

    /// <summary>The first changed line, for whole-file findings (1 when there is none).</summary>
    public int FirstChangedLine
    {
        get
        {
            foreach (var h in Hunks)
            {
                foreach (var l in h.Lines)
                {
                    if (l.Kind != DiffLineKind.Context)
                    {
                        return Math.Max(1, l.Line);
                    }
                }
            }

            return 1;
        }
    }
}

/// <summary>Parses unified diffs as <c>git diff</c> and <c>diff -u</c> print them; hunks are read by their line counts, so content that looks like a header is never mistaken for one.</summary>
public static class UnifiedDiff
{
    /// <summary>Rules read at most this many characters of a line: enough for any real statement, and it bounds regex work on hostile input.</summary>
    public const int MaxLineLength = 4000;

    private static string Clip(string text) => text.Length > MaxLineLength ? text[..MaxLineLength] : text;

    public static IReadOnlyList<DiffFile> Parse(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var files = new List<DiffFile>();
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i];
            if (line.StartsWith("diff --git ", StringComparison.Ordinal))
            {
                i = ParseGitFile(lines, i, files);
            }
            else if (line.StartsWith("--- ", StringComparison.Ordinal) && i + 1 < lines.Length && lines[i + 1].StartsWith("+++ ", StringComparison.Ordinal))
            {
                var builder = new FileBuilder();
                i = ParseHeadersAndHunks(lines, i, builder);
                files.Add(builder.Build());
            }
            else
            {
                i++;
            }
        }

        if (files.Count == 0 && !string.IsNullOrWhiteSpace(text))
        {
            throw KseException.BadInput("change.diff_invalid", "the input is not a unified diff: no 'diff --git' or '---'/'+++' file headers found");
        }

        return files;
    }

    private sealed class FileBuilder
    {
        public string? OldPath;
        public string? NewPath;
        public bool Added;
        public bool Deleted;
        public bool Renamed;
        public bool Binary;
        public readonly List<DiffHunk> Hunks = [];

        public DiffFile Build()
        {
            var path = Deleted ? OldPath : NewPath ?? OldPath;
            var status = Added ? DiffFileStatus.Added : Deleted ? DiffFileStatus.Deleted : Renamed || (OldPath is not null && NewPath is not null && OldPath != NewPath) ? DiffFileStatus.Renamed : DiffFileStatus.Modified;
            return new DiffFile
            {
                Path = path ?? "(unknown)",
                OldPath = status == DiffFileStatus.Renamed ? OldPath : null,
                Status = status,
                IsBinary = Binary,
                Hunks = Hunks,
            };
        }
    }

    private static int ParseGitFile(string[] lines, int i, List<DiffFile> files)
    {
        var builder = new FileBuilder();
        var header = lines[i][11..];
        var (a, b) = SplitGitHeader(header);
        builder.OldPath = a;
        builder.NewPath = b;
        i++;
        while (i < lines.Length)
        {
            var line = lines[i];
            if (line.StartsWith("diff --git ", StringComparison.Ordinal))
            {
                break;
            }

            if (line.StartsWith("new file mode", StringComparison.Ordinal))
            {
                builder.Added = true;
            }
            else if (line.StartsWith("deleted file mode", StringComparison.Ordinal))
            {
                builder.Deleted = true;
            }
            else if (line.StartsWith("rename from ", StringComparison.Ordinal))
            {
                builder.Renamed = true;
                builder.OldPath = Unquote(line[12..]);
            }
            else if (line.StartsWith("rename to ", StringComparison.Ordinal))
            {
                builder.NewPath = Unquote(line[10..]);
            }
            else if (line.StartsWith("Binary files ", StringComparison.Ordinal) || line.StartsWith("GIT binary patch", StringComparison.Ordinal))
            {
                builder.Binary = true;
            }
            else if (line.StartsWith("--- ", StringComparison.Ordinal) || line.StartsWith("@@ ", StringComparison.Ordinal))
            {
                i = ParseHeadersAndHunks(lines, i, builder);
                continue;
            }

            i++;
        }

        files.Add(builder.Build());
        return i;
    }

    private static int ParseHeadersAndHunks(string[] lines, int i, FileBuilder builder)
    {
        if (lines[i].StartsWith("--- ", StringComparison.Ordinal))
        {
            var old = HeaderPath(lines[i][4..]);
            if (old is null)
            {
                builder.Added = true;
            }
            else
            {
                builder.OldPath = old;
            }

            i++;
            if (i < lines.Length && lines[i].StartsWith("+++ ", StringComparison.Ordinal))
            {
                var neu = HeaderPath(lines[i][4..]);
                if (neu is null)
                {
                    builder.Deleted = true;
                }
                else
                {
                    builder.NewPath = neu;
                }

                i++;
            }
        }

        while (i < lines.Length && lines[i].StartsWith("@@ ", StringComparison.Ordinal))
        {
            i = ParseHunk(lines, i, builder.Hunks);
        }

        return i;
    }

    private static int ParseHunk(string[] lines, int i, List<DiffHunk> hunks)
    {
        var header = lines[i];
        var end = header.IndexOf(" @@", 3, StringComparison.Ordinal);
        if (end < 0)
        {
            throw KseException.BadInput("change.diff_invalid", $"line {i + 1}: malformed hunk header '{header}'");
        }

        var ranges = header[3..end].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (ranges.Length < 2)
        {
            throw KseException.BadInput("change.diff_invalid", $"line {i + 1}: malformed hunk header '{header}'");
        }

        var (oldStart, oldCount) = Range(ranges[0], i);
        var (newStart, newCount) = Range(ranges[1], i);
        var section = header[(end + 3)..].Trim();
        var result = new List<DiffLine>(oldCount + newCount);
        var oldLine = oldStart;
        var newLine = newStart;
        i++;
        while (i < lines.Length && (oldCount > 0 || newCount > 0))
        {
            var line = lines[i];
            if (line.Length == 0)
            {
                // Some tools strip the single space of an empty context line.
                result.Add(new DiffLine(DiffLineKind.Context, string.Empty, newLine++));
                oldLine++;
                oldCount--;
                newCount--;
            }
            else
            {
                switch (line[0])
                {
                    case ' ':
                        result.Add(new DiffLine(DiffLineKind.Context, Clip(line[1..]), newLine++));
                        oldLine++;
                        oldCount--;
                        newCount--;
                        break;
                    case '+':
                        result.Add(new DiffLine(DiffLineKind.Added, Clip(line[1..]), newLine++));
                        newCount--;
                        break;
                    case '-':
                        result.Add(new DiffLine(DiffLineKind.Removed, Clip(line[1..]), oldLine++));
                        oldCount--;
                        break;
                    case '\\':
                        break;
                    default:
                        throw KseException.BadInput("change.diff_invalid", $"line {i + 1}: unexpected line in hunk '{Truncate(line)}'");
                }
            }

            i++;
        }

        while (i < lines.Length && lines[i].StartsWith('\\'))
        {
            i++;
        }

        hunks.Add(new DiffHunk(oldStart, newStart, section, result));
        return i;
    }

    private static (int Start, int Count) Range(string range, int index)
    {
        var r = range.AsSpan(1);
        var comma = r.IndexOf(',');
        if (!int.TryParse(comma < 0 ? r : r[..comma], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || (comma >= 0 && !int.TryParse(r[(comma + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw KseException.BadInput("change.diff_invalid", $"line {index + 1}: malformed hunk range '{range}'");
        }

        var count = comma < 0 ? 1 : int.Parse(r[(comma + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
        return (start, count);
    }

    private static string? HeaderPath(string text)
    {
        var tab = text.IndexOf('\t', StringComparison.Ordinal);
        var p = Unquote((tab >= 0 ? text[..tab] : text).TrimEnd());
        if (p == "/dev/null")
        {
            return null;
        }

        return StripPrefix(p);
    }

    private static string StripPrefix(string p) =>
        p.Length > 2 && (p.StartsWith("a/", StringComparison.Ordinal) || p.StartsWith("b/", StringComparison.Ordinal)) ? p[2..] : p;

    private static (string? A, string? B) SplitGitHeader(string header)
    {
        if (header.StartsWith('"'))
        {
            var close = header.IndexOf('"', 1);
            if (close > 0)
            {
                return (StripPrefix(Unquote(header[..(close + 1)])), StripPrefix(Unquote(header[(close + 1)..].Trim())));
            }
        }

        // "a/x b/x": with equal names the split is in the middle, which also handles spaces in names.
        if (header.Length % 2 == 1)
        {
            var mid = header.Length / 2;
            var left = header[..mid];
            var right = header[(mid + 1)..];
            if (header[mid] == ' ' && StripPrefix(left) == StripPrefix(right))
            {
                return (StripPrefix(left), StripPrefix(right));
            }
        }

        var split = header.IndexOf(" b/", StringComparison.Ordinal);
        return split > 0 ? (StripPrefix(header[..split]), StripPrefix(header[(split + 1)..])) : (null, null);
    }

    private static string Unquote(string p)
    {
        p = p.Trim();
        if (p.Length >= 2 && p[0] == '"' && p[^1] == '"')
        {
            return p[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }

        return p;
    }

    private static string Truncate(string s) => s.Length > 60 ? s[..60] + "…" : s;
}
