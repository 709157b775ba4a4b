using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Kse.Core.Learning;

/// <summary>One command read from a history or log, before masking (kept in memory only).</summary>
internal sealed record RawCommand(int Line, string Command, DateTimeOffset? At, long? DurationMs = null, int? ExitCode = null, string? User = null, string? Host = null, string? WorkingDirectory = null);

/// <summary>
/// Reads work already done: bash history (with <c>#&lt;epoch&gt;</c> lines when HISTTIMEFORMAT was set), zsh extended history
/// (<c>: &lt;epoch&gt;:&lt;seconds&gt;;command</c>), fish history (<c>- cmd:</c>/<c>when:</c>), auditd EXECVE records, and sudo commands
/// in the journal (<c>journalctl -o json</c> or the short text format).
/// </summary>
internal static partial class HistoryImport
{
    public static readonly IReadOnlyList<string> ShellFormats = ["bash", "zsh", "fish"];

    public static (List<RawCommand> Commands, List<string> Problems) Parse(string text, string format, TimeProvider clock)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length > ObservationLimits.MaxImportLines)
        {
            throw KseException.BadInput("observe.import_too_large", $"the file has {lines.Length} lines; one import reads at most {ObservationLimits.MaxImportLines}");
        }

        return format switch
        {
            "bash" => Bash(lines),
            "zsh" => Zsh(lines),
            "fish" => Fish(lines),
            "auditd" => Auditd(lines),
            "journal" => Journal(lines, clock),
            _ => throw KseException.BadInput("observe.format_unknown", $"unknown history format '{format}': use bash, zsh or fish"),
        };
    }

    /// <summary>Guesses a shell history's format from its first lines: zsh extended, fish, else bash.</summary>
    public static string DetectShellFormat(string text)
    {
        foreach (var line in text.Split('\n').Take(50))
        {
            if (ZshLine().IsMatch(line))
            {
                return "zsh";
            }

            if (line.StartsWith("- cmd: ", StringComparison.Ordinal))
            {
                return "fish";
            }
        }

        return "bash";
    }

    private static (List<RawCommand>, List<string>) Bash(string[] lines)
    {
        var result = new List<RawCommand>();
        var problems = new List<string>();
        DateTimeOffset? at = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Length > 1 && line[0] == '#' && long.TryParse(line.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                at = Epoch(epoch, i + 1, problems);
                continue;
            }

            result.Add(new RawCommand(i + 1, line, at));
            at = null;
        }

        return (result, problems);
    }

    private static (List<RawCommand>, List<string>) Zsh(string[] lines)
    {
        var result = new List<RawCommand>();
        var problems = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
            {
                continue;
            }

            var start = i;
            var text = new StringBuilder(line);
            // A command spanning lines ends each continued line with a backslash.
            while (text.Length > 0 && text[^1] == '\\' && i + 1 < lines.Length)
            {
                text.Length--;
                text.Append('\n').Append(lines[++i]);
            }

            var full = text.ToString();
            var m = ZshLine().Match(full);
            if (m.Success)
            {
                var at = Epoch(long.Parse(m.Groups["epoch"].Value, CultureInfo.InvariantCulture), start + 1, problems);
                var duration = long.TryParse(m.Groups["duration"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s * 1000 : (long?)null;
                result.Add(new RawCommand(start + 1, m.Groups["command"].Value, at, duration));
            }
            else
            {
                result.Add(new RawCommand(start + 1, full, null));
            }
        }

        return (result, problems);
    }

    private static (List<RawCommand>, List<string>) Fish(string[] lines)
    {
        var result = new List<RawCommand>();
        var problems = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("- cmd: ", StringComparison.Ordinal))
            {
                continue;
            }

            var command = lines[i]["- cmd: ".Length..].Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            DateTimeOffset? at = null;
            if (i + 1 < lines.Length && lines[i + 1].TrimStart().StartsWith("when:", StringComparison.Ordinal)
                && long.TryParse(lines[i + 1].Trim()["when:".Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                at = Epoch(epoch, i + 2, problems);
            }

            result.Add(new RawCommand(i + 1, command, at));
        }

        return (result, problems);
    }

    private static (List<RawCommand>, List<string>) Auditd(string[] lines)
    {
        var events = new Dictionary<string, (int Line, DateTimeOffset At, string? Host, SortedDictionary<int, string> Args, string? Cwd, string? Success, string? Uid)>(StringComparer.Ordinal);
        var order = new List<string>();
        var problems = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var m = AuditHeader().Match(line);
            if (!m.Success)
            {
                continue;
            }

            var id = m.Groups["serial"].Value;
            if (!events.TryGetValue(id, out var e))
            {
                var seconds = double.Parse(m.Groups["time"].Value, CultureInfo.InvariantCulture);
                e = (i + 1, DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)), m.Groups["node"].Success ? m.Groups["node"].Value : null, new SortedDictionary<int, string>(), null, null, null);
                order.Add(id);
            }

            var fields = AuditField().Matches(line).ToDictionary(f => f.Groups["key"].Value, f => f.Groups["value"].Value, StringComparer.Ordinal);
            switch (m.Groups["type"].Value)
            {
                case "EXECVE":
                    foreach (var (key, value) in fields)
                    {
                        if (key.Length > 1 && key[0] == 'a' && int.TryParse(key.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                        {
                            e.Args[n] = AuditValue(value);
                        }
                    }

                    break;
                case "CWD":
                    e.Cwd = fields.TryGetValue("cwd", out var cwd) ? AuditValue(cwd) : null;
                    break;
                case "SYSCALL":
                    e.Success = fields.GetValueOrDefault("success");
                    e.Uid = fields.GetValueOrDefault("AUID") ?? fields.GetValueOrDefault("UID") ?? fields.GetValueOrDefault("auid");
                    break;
            }

            events[id] = e;
        }

        var result = new List<RawCommand>();
        foreach (var id in order)
        {
            var e = events[id];
            if (e.Args.Count == 0)
            {
                continue;
            }

            var argv = e.Args.Values.ToList();
            result.Add(new RawCommand(e.Line, Execution.ShellWords.Join(argv), e.At, ExitCode: e.Success == "no" ? 127 : null, User: e.Uid?.Trim('"'), Host: e.Host, WorkingDirectory: e.Cwd));
        }

        return (result, problems);
    }

    private static string AuditValue(string value)
    {
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            return value[1..^1];
        }

        // auditd writes values with spaces or special characters hex-encoded.
        if (value.Length % 2 == 0 && HexValue().IsMatch(value))
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromHexString(value));
            }
            catch (FormatException)
            {
            }
        }

        return value;
    }

    private static (List<RawCommand>, List<string>) Journal(string[] lines, TimeProvider clock)
    {
        var result = new List<RawCommand>();
        var problems = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] == '{')
            {
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    var root = doc.RootElement;
                    var message = Str(root, "MESSAGE");
                    if (message is null || SudoCommand().Match(message) is not { Success: true } sm)
                    {
                        continue;
                    }

                    DateTimeOffset? at = Str(root, "__REALTIME_TIMESTAMP") is { } us && long.TryParse(us, NumberStyles.None, CultureInfo.InvariantCulture, out var micro)
                        ? DateTimeOffset.FromUnixTimeMilliseconds(micro / 1000) : null;
                    result.Add(new RawCommand(i + 1, sm.Groups["command"].Value.Trim(), at, User: sm.Groups["user"].Value, Host: Str(root, "_HOSTNAME"), WorkingDirectory: PwdOf(message)));
                }
                catch (JsonException)
                {
                    Problem(problems, $"line {i + 1}: not a JSON journal entry");
                }

                continue;
            }

            var m = JournalShort().Match(line);
            if (!m.Success || SudoCommand().Match(m.Groups["message"].Value) is not { Success: true } s)
            {
                continue;
            }

            DateTimeOffset? when = null;
            if (DateTime.TryParseExact(m.Groups["date"].Value, ["MMM d HH:mm:ss", "MMM dd HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.AllowInnerWhite | DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
            {
                var now = clock.GetUtcNow();
                var t = new DateTimeOffset(now.Year, d.Month, d.Day, d.Hour, d.Minute, d.Second, TimeSpan.Zero);
                when = t > now.AddDays(1) ? t.AddYears(-1) : t;
            }

            result.Add(new RawCommand(i + 1, s.Groups["command"].Value.Trim(), when, User: s.Groups["user"].Value, Host: m.Groups["host"].Value, WorkingDirectory: PwdOf(m.Groups["message"].Value)));
        }

        return (result, problems);
    }

    private static string? Str(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;

    private static DateTimeOffset? Epoch(long seconds, int line, List<string> problems)
    {
        // 1990 .. 2100: anything else is not a timestamp a history would hold.
        if (seconds is < 631152000 or > 4102444800)
        {
            Problem(problems, $"line {line}: timestamp {seconds} is out of range; the command is kept without a time");
            return null;
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private static void Problem(List<string> problems, string text)
    {
        if (problems.Count < 20)
        {
            problems.Add(text);
        }
    }

    [GeneratedRegex(@"^: (?<epoch>\d{1,12}):(?<duration>\d{0,9});(?<command>[\s\S]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex ZshLine();

    [GeneratedRegex(@"^(?:node=(?<node>\S+) )?type=(?<type>[A-Z_]+) msg=audit\((?<time>\d+(?:\.\d+)?):(?<serial>\d+)\):", RegexOptions.CultureInvariant)]
    private static partial Regex AuditHeader();

    [GeneratedRegex(@"(?<key>[A-Za-z0-9_]+)=(?<value>""[^""]*""|\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex AuditField();

    [GeneratedRegex("^[0-9A-F]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HexValue();

    [GeneratedRegex(@"^\s*(?<user>[A-Za-z0-9._-]+)\s*:.*?COMMAND=(?<command>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex SudoCommand();

    [GeneratedRegex(@"\bPWD=(?<pwd>[^;]*?)\s*;", RegexOptions.CultureInvariant)]
    private static partial Regex SudoPwd();

    private static string? PwdOf(string message) => SudoPwd().Match(message) is { Success: true } m ? m.Groups["pwd"].Value : null;

    [GeneratedRegex(@"^(?<date>[A-Z][a-z]{2}\s+\d{1,2} \d{2}:\d{2}:\d{2}) (?<host>\S+) sudo(?:\[\d+\])?:\s*(?<message>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex JournalShort();
}
