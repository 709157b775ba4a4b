using System.Text;
using System.Text.RegularExpressions;

namespace Kse.Core.Learning;

/// <summary>One word of a normalised command: literal text, or a typed placeholder with the concrete value it stood for.</summary>
public sealed record TemplateWord(string Text, string? Type, string Value)
{
    public bool IsPlaceholder => Type is not null;
}

/// <summary>
/// A command normalised into a template: the program, options and plain words stay literal; arguments that vary by nature become
/// typed placeholders (<c>{path}</c>, <c>{number}</c>, <c>{date}</c>, <c>{host}</c>, <c>{ip}</c>, <c>{url}</c>, <c>{secret}</c>);
/// systemd units are typed <c>unit</c> but kept in the key, since the unit names the service the operation acts on. Commands with the same template are the same operation; how often the concrete values agree is its consistency.
/// </summary>
public sealed partial record CommandTemplate(string Key, IReadOnlyList<TemplateWord> Words, bool UsesShell)
{
    private static readonly HashSet<string> UnitVerbs = new(StringComparer.Ordinal)
    {
        "start", "stop", "restart", "reload", "status", "enable", "disable", "is-active", "try-restart", "reload-or-restart", "mask", "unmask",
    };

    private static readonly HashSet<string> HostSuffixes = new(StringComparer.Ordinal)
    {
        "internal", "local", "lan", "corp", "home", "intra", "com", "net", "org", "io", "dev", "cloud", "svc", "cluster", "example", "de", "uk", "eu", "fr", "nl",
    };

    /// <summary>The program (the first word after environment assignments and <c>sudo</c>).</summary>
    public string Program => Words.FirstOrDefault(w => !w.IsPlaceholder)?.Text ?? "";

    /// <summary>The concrete words as they ran (for the argument vector of a draft).</summary>
    public IReadOnlyList<string> Values => Words.Select(w => w.Value).ToList();

    public static CommandTemplate Of(string command, IReadOnlyList<string>? argv = null)
    {
        var usesShell = argv is null && UsesShellFeatures(command);
        var words = argv ?? Split(command);
        var result = new List<TemplateWord>(words.Count);
        var program = -1;
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i];
            if (program < 0)
            {
                if (w is "sudo" || (w.Contains('=') && !w.StartsWith('-') && EnvAssignment().IsMatch(w)))
                {
                    // sudo and VAR=value prefixes are part of how it ran, not of the operation's identity.
                    var typeOf = w.Contains('=') ? Classify(w[(w.IndexOf('=') + 1)..]) : null;
                    result.Add(typeOf is null ? new TemplateWord(w, null, w) : new TemplateWord(w[..(w.IndexOf('=') + 1)] + "{" + typeOf + "}", null, w));
                    continue;
                }

                program = i;
                result.Add(new TemplateWord(Path.GetFileName(w) is { Length: > 0 } name && w.Contains('/') ? w : w, null, w));
                continue;
            }

            var previous = i > 0 ? words[i - 1] : "";
            var programName = Path.GetFileName(words[program]);
            if (programName is "systemctl" or "service" && !w.StartsWith('-') && (UnitVerbs.Contains(previous) || programName == "service" && i == program + 1))
            {
                // A unit names the service acted on: typed, but part of the operation's identity (restarting the API is not restarting the web).
                result.Add(new TemplateWord(w, "unit", w));
                continue;
            }

            if (w.StartsWith("--", StringComparison.Ordinal) && w.IndexOf('=') is var eq and > 2)
            {
                var value = w[(eq + 1)..];
                var type = Classify(value);
                result.Add(type is null ? new TemplateWord(w, null, w) : new TemplateWord(w[..(eq + 1)] + "{" + type + "}", type, w));
                continue;
            }

            if (w.StartsWith('-') && !NumberWord().IsMatch(w))
            {
                result.Add(new TemplateWord(w, null, w));
                continue;
            }

            var t = Classify(w);
            result.Add(t is null ? new TemplateWord(w, null, w) : new TemplateWord("{" + t + "}", t, w));
        }

        var key = string.Join(' ', result.Select(r => r.Text));
        return new CommandTemplate(key, result, usesShell);
    }

    /// <summary>The placeholder type of a value, or null for a literal word.</summary>
    internal static string? Classify(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        if (value.Contains(CommandMasker.Mask, StringComparison.Ordinal))
        {
            return "secret";
        }

        if (UrlWord().IsMatch(value))
        {
            return "url";
        }

        if (DateWord().IsMatch(value))
        {
            return "date";
        }

        if (IpWord().IsMatch(value))
        {
            return "ip";
        }

        if (NumberWord().IsMatch(value))
        {
            return "number";
        }

        if (value.Contains('/') || value.StartsWith('~'))
        {
            return "path";
        }

        if (HostWord().IsMatch(value) && (value.Contains('@') || value.Contains(':') || HostSuffixes.Contains(value[(value.LastIndexOf('.') + 1)..].ToLowerInvariant())))
        {
            return "host";
        }

        return null;
    }

    /// <summary>Splits a command line into words the way a POSIX shell would (quotes removed, operators as their own words).</summary>
    public static IReadOnlyList<string> Split(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case '\'':
                {
                    var end = line.IndexOf('\'', i + 1);
                    end = end < 0 ? line.Length : end;
                    current.Append(line, i + 1, end - i - 1);
                    i = end;
                    inWord = true;
                    break;
                }

                case '"':
                {
                    var j = i + 1;
                    for (; j < line.Length && line[j] != '"'; j++)
                    {
                        if (line[j] == '\\' && j + 1 < line.Length)
                        {
                            j++;
                        }

                        current.Append(line[j]);
                    }

                    i = j;
                    inWord = true;
                    break;
                }

                case '\\' when i + 1 < line.Length:
                    current.Append(line[++i]);
                    inWord = true;
                    break;
                case ' ' or '\t':
                    if (inWord)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                        inWord = false;
                    }

                    break;
                default:
                    current.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>Pipes, lists, redirections, substitutions or globs: such a line needs a shell, so it is described, not drafted as a runnable block.</summary>
    public static bool UsesShellFeatures(string line)
    {
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else if (quote == '"' && (c == '`' || (c == '$' && i + 1 < line.Length && line[i + 1] == '(')))
                {
                    return true;
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '|' or ';' or '&' or '>' or '<' or '`' or '*' or '?':
                    return true;
                case '$' when i + 1 < line.Length && line[i + 1] is '(' or '{' or '_' || (i + 1 < line.Length && char.IsLetter(line[i + 1])):
                    return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*=", RegexOptions.CultureInvariant)]
    private static partial Regex EnvAssignment();

    [GeneratedRegex(@"^-?\d+(?:\.\d+)?(?:[kKmMgGtT][bB]?|%|ms|s|m|h|d)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberWord();

    [GeneratedRegex(@"^(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?|\d{8}(?:[T_-]?\d{4,6})?)$", RegexOptions.CultureInvariant)]
    private static partial Regex DateWord();

    [GeneratedRegex(@"^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:/\d{1,2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex IpWord();

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*://\S+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlWord();

    // web-1.internal, db.example.com:5432, user@host: a dotted name with a letter, or user@name.
    [GeneratedRegex(@"^(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?$|^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HostWord();
}
