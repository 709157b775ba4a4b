using System.Text.RegularExpressions;

namespace Kse.Core.Audit;

/// <summary>
/// Removes secrets before anything is stored: values under secret-looking keys (password, secret,
/// token, api key, connection string, private key, credential, ...) and secret parts inside other
/// values (<c>Password=...;</c> in a connection string, <c>user:pass@</c> in a URL, PEM private keys,
/// bearer tokens).
/// </summary>
public static partial class SecretRedactor
{
    public const string Mask = "[REDACTED]";

    private static readonly string[] SecretKeyParts =
    [
        "password", "passwd", "passphrase", "secret", "token", "apikey", "connectionstring", "connstr",
        "privatekey", "credential", "accesskey", "accountkey", "sharedaccesskey", "authorization", "cookie", "sastoken",
    ];

    /// <summary>Whether a parameter name says its value is secret (case, dashes, dots, underscores and spaces ignored).</summary>
    public static bool IsSecretKey(string key)
    {
        Span<char> buffer = key.Length <= 128 ? stackalloc char[key.Length] : new char[key.Length];
        var n = 0;
        foreach (var c in key)
        {
            if (char.IsLetterOrDigit(c))
            {
                buffer[n++] = char.ToLowerInvariant(c);
            }
        }

        var normalized = buffer[..n];
        if (normalized.SequenceEqual("pwd") || normalized.EndsWith("pwd"))
        {
            return true;
        }

        foreach (var part in SecretKeyParts)
        {
            if (normalized.Contains(part, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The value with secret parts masked; null stays null.</summary>
    public static string? RedactValue(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value;
        }

        var result = value;
        if (result.Contains("PRIVATE KEY", StringComparison.OrdinalIgnoreCase))
        {
            result = PemPrivateKey().Replace(result, Mask);
        }

        if (result.Contains('=') || result.Contains(':'))
        {
            result = KeyValueSecret().Replace(result, m => m.Groups["prefix"].Value + Mask);
            result = JsonSecret().Replace(result, m => m.Groups["prefix"].Value + "\"" + Mask + "\"");
            result = UrlUserInfo().Replace(result, m => m.Groups["prefix"].Value + Mask + "@");
        }

        if (result.Contains("bearer", StringComparison.OrdinalIgnoreCase) || result.Contains("basic", StringComparison.OrdinalIgnoreCase))
        {
            result = AuthorizationValue().Replace(result, m => m.Groups["prefix"].Value + Mask);
        }

        return result;
    }

    /// <summary>
    /// The values given under secret keys (at least <see cref="MinSecretLength"/> characters), longest first: they are
    /// masked wherever else they appear, e.g. inside a command line built from a <c>{token}</c> placeholder.
    /// </summary>
    public static IReadOnlyList<string> SecretValues(IReadOnlyDictionary<string, string?>? parameters) =>
        parameters is null ? []
        : parameters.Where(p => p.Value is { Length: >= MinSecretLength } && IsSecretKey(p.Key)).Select(p => p.Value!).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToList();

    /// <summary>Shorter secret values are not searched for elsewhere: they would mask ordinary text by coincidence.</summary>
    public const int MinSecretLength = 4;

    /// <summary>The value with secret parts masked and every literal occurrence of <paramref name="secrets"/> replaced.</summary>
    public static string? RedactValue(string? value, IReadOnlyList<string> secrets)
    {
        var result = RedactValue(value);
        if (result is null || secrets.Count == 0)
        {
            return result;
        }

        foreach (var secret in secrets)
        {
            result = result.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return result;
    }

    /// <summary>Parameters with values under secret keys replaced and secret parts of the others masked (including the secret values themselves).</summary>
    public static IReadOnlyDictionary<string, string?>? RedactParameters(IReadOnlyDictionary<string, string?>? parameters)
    {
        if (parameters is null || parameters.Count == 0)
        {
            return null;
        }

        var secrets = SecretValues(parameters);
        var result = new Dictionary<string, string?>(parameters.Count, StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            result[key] = value is null ? null : IsSecretKey(key) ? Mask : RedactValue(value, secrets);
        }

        return result;
    }

    public static IReadOnlyList<string>? RedactList(IReadOnlyList<string>? values) => RedactList(values, []);

    public static IReadOnlyList<string>? RedactList(IReadOnlyList<string>? values, IReadOnlyList<string> secrets) =>
        values is null || values.Count == 0 ? null : values.Select(v => RedactValue(v, secrets) ?? string.Empty).ToList();

    // key=value pairs as in connection strings, command lines and query strings: keep the key, mask up to ; & , or whitespace.
    [GeneratedRegex(@"(?<prefix>(?<![A-Za-z0-9])(?:pass(?:word|wd|phrase)?|pwd|secret|client[_\- ]?secret|token|access[_\- ]?token|refresh[_\- ]?token|api[_\- ]?key|access[_\- ]?key|account[_\- ]?key|shared[_\- ]?access[_\- ]?key|sig|private[_\- ]?key)\s*[=:]\s*)(?:""[^""]*""|'[^']*'|[^;&,\s""']+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyValueSecret();

    // "password": "..." inside JSON text.
    [GeneratedRegex(@"(?<prefix>""[^""]*(?:pass(?:word|wd)?|pwd|secret|token|api[_\-]?key|connection[_\-]?string|private[_\-]?key|credential)[^""]*""\s*:\s*)""(?:[^""\\]|\\.)*""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex JsonSecret();

    [GeneratedRegex(@"(?<prefix>[a-z][a-z0-9+.\-]*://[^/\s:@]+:)[^@\s/]+@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlUserInfo();

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", RegexOptions.CultureInvariant)]
    private static partial Regex PemPrivateKey();

    [GeneratedRegex(@"(?<prefix>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=\-]{8,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuthorizationValue();
}
