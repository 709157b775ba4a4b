using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Kse.Core.Changes;

/// <summary>The <c>## Change Log</c> section of a project's change-impact.md: predicted entries, then actual ones, each under a <c>###</c> heading.</summary>
public static partial class ChangeLog
{
    public const string SectionHeading = "Change Log";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")]
    private static partial Regex ChangeIdPattern();

    public static string ValidateChangeId(string? id)
    {
        if (id is null || !ChangeIdPattern().IsMatch(id))
        {
            throw KseException.BadInput("change.id_invalid", $"change id '{id}' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }

        return id;
    }

    public static string PredictedHeading(string id) => $"### {id} (predicted)";

    public static string ActualHeading(string id) => $"### {id} (actual)";

    /// <summary>Appends <paramref name="entry"/> at the end of the Change Log section, creating the section (and the file) when absent.</summary>
    public static void Append(string path, string entry)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Change impact\n";
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        var start = lines.FindIndex(l => Regex.IsMatch(l, $@"^##\s+{SectionHeading}\s*$", RegexOptions.IgnoreCase));
        var entryLines = entry.TrimEnd('\n').Split('\n');
        if (start < 0)
        {
            while (lines.Count > 0 && lines[^1].Trim().Length == 0)
            {
                lines.RemoveAt(lines.Count - 1);
            }

            lines.Add("");
            lines.Add($"## {SectionHeading}");
            lines.Add("");
            lines.AddRange(entryLines);
            lines.Add("");
        }
        else
        {
            var end = lines.FindIndex(start + 1, l => Regex.IsMatch(l, @"^#{1,2}\s"));
            if (end < 0)
            {
                end = lines.Count;
            }

            var insertAt = end;
            while (insertAt > start + 1 && lines[insertAt - 1].Trim().Length == 0)
            {
                insertAt--;
            }

            var block = new List<string> { "" };
            block.AddRange(entryLines);
            if (end < lines.Count)
            {
                block.Add("");
            }

            lines.InsertRange(insertAt, block);
            if (end == lines.Count - block.Count && lines[^1].Length != 0)
            {
                lines.Add("");
            }
        }

        var result = string.Join(newline, lines);
        if (!result.EndsWith(newline, StringComparison.Ordinal))
        {
            result += newline;
        }

        File.WriteAllText(path, result, new UTF8Encoding(false));
    }

    /// <summary>The predicted level recorded for <paramref name="id"/>, or null when there is no prediction.</summary>
    public static ChangeLevel? PredictedLevel(string path, string id)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var lines = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var heading = PredictedHeading(id);
        var at = Array.FindIndex(lines, l => l.TrimEnd() == heading);
        if (at < 0)
        {
            return null;
        }

        for (var i = at + 1; i < lines.Length && !lines[i].StartsWith('#'); i++)
        {
            var m = Regex.Match(lines[i], @"^\s*-\s*Predicted level:\s*(L[1-5])\b");
            if (m.Success)
            {
                return ParseLevel(m.Groups[1].Value);
            }
        }

        return null;
    }

    public static bool HasEntry(string path, string heading) =>
        File.Exists(path) && File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Any(l => l.TrimEnd() == heading);

    public static ChangeLevel ParseLevel(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "L1" or "1" => ChangeLevel.L1,
        "L2" or "2" => ChangeLevel.L2,
        "L3" or "3" => ChangeLevel.L3,
        "L4" or "4" => ChangeLevel.L4,
        "L5" or "5" => ChangeLevel.L5,
        _ => throw KseException.BadInput("change.level_unknown", $"unknown change level '{text}': use L1, L2, L3, L4 or L5"),
    };

    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
