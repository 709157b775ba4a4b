using System.Text.RegularExpressions;

namespace Kse.Core.Execution;

/// <summary>POSIX shell quoting, for the one place a shell is unavoidable: the command line ssh hands the remote login shell.</summary>
public static partial class ShellWords
{
    [GeneratedRegex("^[A-Za-z0-9_./:=@%+,-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Plain();

    /// <summary>The word as the shell must see it to read it back as exactly one word with the same bytes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && Plain().IsMatch(word) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));
}
