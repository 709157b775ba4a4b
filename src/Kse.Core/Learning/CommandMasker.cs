using System.Text.RegularExpressions;
using Kse.Core.Audit;

namespace Kse.Core.Learning;

/// <summary>
/// Masks secrets in commands before an observation is stored: <c>--password=…</c>, <c>--token …</c>, <c>-pSECRET</c> (MySQL
/// clients), <c>KEY=value</c> assignments of secret-looking names, <c>Authorization:</c> and other secret headers, connection
/// strings and URL credentials (through <see cref="SecretRedactor"/>), and well-known token shapes (JWTs, cloud keys, bearer).
/// </summary>
public static partial class CommandMasker
{
    public const string Mask = SecretRedactor.Mask;

    private static readonly HashSet<string> MysqlClients = new(StringComparer.Ordinal)
    {
        "mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mysqlshow", "mysqlpump", "mariadb", "mariadb-dump", "mariadb-admin",
    };

    /// <summary>A command line (as a history holds it) with its secrets masked, and how many were masked.</summary>
    public static (string Text, int Masked) MaskLine(string line)
    {
        var count = 0;
        string Count(string replacement)
        {
            count++;
            return replacement;
        }

        var text = line;
        text = AssignmentSecret().Replace(text, m => SecretRedactor.IsSecretKey(m.Groups["key"].Value) && !IsMask(m.Groups["value"].Value) ? Count(m.Groups["prefix"].Value + Mask) : m.Value);
        text = LongOptionSecret().Replace(text, m => SecretRedactor.IsSecretKey(m.Groups["key"].Value) && !IsMask(m.Groups["value"].Value) ? Count(m.Groups["prefix"].Value + Mask) : m.Value);
        text = HeaderSecret().Replace(text, m => IsMask(m.Groups["value"].Value) ? m.Value : Count(m.Groups["prefix"].Value + Mask));
        text = ShortPassword().Replace(text, m => ProgramBefore(text, m.Index) is { } p && (MysqlClients.Contains(p) || LooksSecret(m.Groups["value"].Value)) && !IsMask(m.Groups["value"].Value) ? Count(m.Groups["prefix"].Value + Mask) : m.Value);
        text = SeparateSecret().Replace(text, m => IsMask(m.Groups["value"].Value) ? m.Value : Count(m.Groups["prefix"].Value + Mask));
        text = UserPassword().Replace(text, m => IsMask(m.Groups["value"].Value) ? m.Value : Count(m.Groups["prefix"].Value + Mask));
        text = TokenShape().Replace(text, _ => Count(Mask));
        var redacted = SecretRedactor.RedactValue(text) ?? text;
        if (!string.Equals(redacted, text, StringComparison.Ordinal))
        {
            count += Math.Max(1, CountOf(redacted, Mask) - CountOf(text, Mask));
            text = redacted;
        }

        return (text, count);
    }

    /// <summary>An argument vector with its secrets masked (a secret option's separate value too), and how many were masked.</summary>
    public static (IReadOnlyList<string> Argv, int Masked) MaskArgv(IReadOnlyList<string> argv)
    {
        var result = new List<string>(argv.Count);
        var count = 0;
        var program = argv.Count > 0 ? Path.GetFileName(argv[0]) : "";
        for (var i = 0; i < argv.Count; i++)
        {
            var arg = argv[i];
            if (i > 0 && IsSecretOptionName(argv[i - 1]) && !arg.StartsWith('-'))
            {
                result.Add(Mask);
                count++;
                continue;
            }

            if (MysqlClients.Contains(program) && arg.Length > 2 && arg.StartsWith("-p", StringComparison.Ordinal) && !arg.StartsWith("--", StringComparison.Ordinal))
            {
                result.Add("-p" + Mask);
                count++;
                continue;
            }

            var (masked, n) = MaskLine(arg);
            if (n == 0 && IsSecretAssignment(arg))
            {
                masked = arg[..(arg.IndexOf('=') + 1)] + Mask;
                n = 1;
            }

            result.Add(masked);
            count += n;
        }

        return (result, count);
    }

    /// <summary><c>--password</c>, <c>--token</c>, <c>--api-key</c>, <c>-P</c> is not: only long options with secret names, and sshpass' <c>-p</c>.</summary>
    private static bool IsSecretOptionName(string arg) =>
        arg.StartsWith("--", StringComparison.Ordinal) && !arg.Contains('=') && SecretRedactor.IsSecretKey(arg[2..]);

    private static bool IsSecretAssignment(string arg)
    {
        var eq = arg.IndexOf('=');
        return eq > 0 && !arg.StartsWith('-') && SecretRedactor.IsSecretKey(arg[..eq]);
    }

    private static bool IsMask(string value) => value.Contains(Mask, StringComparison.Ordinal);

    private static int CountOf(string text, string part)
    {
        var n = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    /// <summary>A value that is not a plain word or number: mixed letters and digits, or symbols (so <c>mkdir -pv</c> stays as it is).</summary>
    private static bool LooksSecret(string value) =>
        value.Length >= 6 && value.Any(char.IsLetter) && (value.Any(char.IsDigit) || value.Any(c => !char.IsLetterOrDigit(c)) || (value.Any(char.IsUpper) && value.Any(char.IsLower)));

    /// <summary>The program name of the simple command the position is in (after the last <c>|</c>, <c>;</c>, <c>&amp;&amp;</c>, env assignments and sudo).</summary>
    private static string? ProgramBefore(string text, int index)
    {
        var start = Math.Max(text.LastIndexOfAny(['|', ';', '&', '('], Math.Max(0, index - 1)) + 1, 0);
        foreach (var word in text[start..index].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.Contains('=') || word is "sudo" or "env" or "time" or "nice" or "exec")
            {
                continue;
            }

            return Path.GetFileName(word.Trim('"', '\''));
        }

        return null;
    }

    // NAME=value (an environment assignment or a key=value argument), the value unquoted or quoted.
    [GeneratedRegex(@"(?<prefix>(?<![A-Za-z0-9_.-])(?<key>[A-Za-z_][A-Za-z0-9_.-]{0,63})=)(?<value>""[^""]*""|'[^']*'|[^\s;&|]+)", RegexOptions.CultureInvariant)]
    private static partial Regex AssignmentSecret();

    // --password=value, --db-token=value.
    [GeneratedRegex(@"(?<prefix>(?<![A-Za-z0-9])--?(?<key>[A-Za-z][A-Za-z0-9_-]{1,63})=)(?<value>""[^""]*""|'[^']*'|[^\s;&|]+)", RegexOptions.CultureInvariant)]
    private static partial Regex LongOptionSecret();

    // -H 'Authorization: Bearer …', X-Api-Key: …, Cookie: …, Proxy-Authorization: …
    [GeneratedRegex(@"(?<prefix>(?<![A-Za-z0-9-])(?:Proxy-)?(?:Authorization|X-[A-Za-z-]*(?:Token|Key|Secret|Auth)[A-Za-z-]*|Api-Key|Cookie|Set-Cookie|Private-Token)\s*:\s*)(?<value>[^'""\r\n]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeaderSecret();

    // -pSECRET glued to the option (MySQL clients and look-alikes).
    [GeneratedRegex(@"(?<prefix>(?<=\s)-p)(?<value>""[^""]+""|'[^']+'|[^\s;&|'""-][^\s;&|]*)", RegexOptions.CultureInvariant)]
    private static partial Regex ShortPassword();

    // --password value, --token "value", sshpass -p value, and the like: the next word.
    [GeneratedRegex(@"(?<prefix>(?:(?<![A-Za-z0-9-])--(?:[a-z0-9]+-)*(?:password|passwd|passphrase|pass|token|secret|api-key|apikey|access-key|secret-key|client-secret|auth-token|private-key)|(?<=\bsshpass\s+)-p)\s+)(?<value>""[^""]*""|'[^']*'|[^\s;&|-][^\s;&|]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SeparateSecret();

    // curl -u user:password, --user user:password.
    [GeneratedRegex(@"(?<prefix>(?<![A-Za-z0-9-])(?:-u|--user)\s+['""]?[^\s:'""]+:)(?<value>[^\s'""]+)", RegexOptions.CultureInvariant)]
    private static partial Regex UserPassword();

    // Token shapes that are secrets wherever they stand: JWTs, AWS access keys, GitHub, GitLab, Slack and OpenAI-style keys.
    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}\b|\bglpat-[A-Za-z0-9_-]{20,}\b|\bxox[abposr]-[A-Za-z0-9-]{10,}\b|\bsk-[A-Za-z0-9_-]{20,}\b", RegexOptions.CultureInvariant)]
    private static partial Regex TokenShape();
}
