using System.Globalization;
using System.Text.RegularExpressions;

namespace Kse.Core.Projects;

/// <summary>A <c>major.minor.patch[-pre]</c> version; missing parts are 0.</summary>
public readonly partial record struct SemanticVersion(int Major, int Minor, int Patch, string? Pre) : IComparable<SemanticVersion>
{
    [GeneratedRegex(@"^v?(?<maj>\d+)(?:\.(?<min>\d+))?(?:\.(?<pat>\d+))?(?:-(?<pre>[0-9A-Za-z.\-]+))?(?:\+[0-9A-Za-z.\-]+)?$")]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out SemanticVersion version)
    {
        version = default;
        var m = Pattern().Match(text?.Trim() ?? "");
        if (!m.Success)
        {
            return false;
        }

        static int N(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        version = new SemanticVersion(N(m.Groups["maj"]), N(m.Groups["min"]), N(m.Groups["pat"]), m.Groups["pre"].Success ? m.Groups["pre"].Value : null);
        return true;
    }

    public int CompareTo(SemanticVersion other)
    {
        var c = Major.CompareTo(other.Major);
        if (c == 0)
        {
            c = Minor.CompareTo(other.Minor);
        }

        if (c == 0)
        {
            c = Patch.CompareTo(other.Patch);
        }

        if (c == 0)
        {
            c = (Pre, other.Pre) switch
            {
                (null, null) => 0,
                (null, _) => 1,
                (_, null) => -1,
                _ => string.CompareOrdinal(Pre, other.Pre),
            };
        }

        return c;
    }

    public override string ToString() => $"{Major}.{Minor}.{Patch}{(Pre is null ? "" : "-" + Pre)}";
}

/// <summary>
/// A version range: comparators joined by spaces (AND) and <c>||</c> (OR); <c>^1.2</c>, <c>~1.2</c>, <c>1.x</c>, <c>1.2.*</c>, <c>*</c> and exact versions.
/// </summary>
public sealed partial class VersionRange
{
    private readonly List<List<(string Op, SemanticVersion Version)>> _alternatives;

    private VersionRange(string text, List<List<(string Op, SemanticVersion Version)>> alternatives)
    {
        Text = text;
        _alternatives = alternatives;
    }

    public string Text { get; }

    [GeneratedRegex(@"^(?<op>>=|<=|>|<|=|\^|~)?\s*(?<v>v?[\dxX*]+(?:\.[\dxX*]+){0,2}(?:-[0-9A-Za-z.\-]+)?)$")]
    private static partial Regex Comparator();

    public static bool TryParse(string? text, out VersionRange? range, out string? error)
    {
        range = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty version range";
            return false;
        }

        var alternatives = new List<List<(string, SemanticVersion)>>();
        foreach (var alt in text.Split("||", StringSplitOptions.TrimEntries))
        {
            var set = new List<(string, SemanticVersion)>();
            // ">= 1.2" is allowed: join an operator with the version after it.
            var tokens = Regex.Replace(alt, @"(>=|<=|>|<|=|\^|~)\s+", "$1").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var token in tokens)
            {
                if (token is "*" or "x" or "X")
                {
                    continue;
                }

                var m = Comparator().Match(token);
                if (!m.Success)
                {
                    error = $"'{token}' is not a version comparator (use >=1.2.0, <2, ^1.4, ~1.2, 1.x)";
                    return false;
                }

                Expand(m.Groups["op"].Value, m.Groups["v"].Value, set);
            }

            alternatives.Add(set);
        }

        range = new VersionRange(text.Trim(), alternatives);
        return true;
    }

    private static void Expand(string op, string v, List<(string, SemanticVersion)> set)
    {
        var core = v.TrimStart('v');
        var dash = core.IndexOf('-', StringComparison.Ordinal);
        var pre = dash >= 0 ? core[(dash + 1)..] : null;
        var parts = (dash >= 0 ? core[..dash] : core).Split('.');
        var wild = parts.Select(p => p is "x" or "X" or "*").ToArray();
        var nums = parts.Select(p => p is "x" or "X" or "*" ? 0 : int.Parse(p, CultureInfo.InvariantCulture)).ToList();
        var given = Array.FindIndex(wild, w => w);
        var precision = given < 0 ? parts.Length : given;
        while (nums.Count < 3)
        {
            nums.Add(0);
        }

        var low = new SemanticVersion(nums[0], nums[1], nums[2], pre);
        switch (op)
        {
            case "^":
                set.Add((">=", low));
                set.Add(("<", low.Major > 0 || precision == 1 ? new(low.Major + 1, 0, 0, null) : low.Minor > 0 || precision == 2 ? new(0, low.Minor + 1, 0, null) : new(0, 0, low.Patch + 1, null)));
                break;
            case "~":
                set.Add((">=", low));
                set.Add(("<", precision == 1 ? new(low.Major + 1, 0, 0, null) : new(low.Major, low.Minor + 1, 0, null)));
                break;
            case "" or "=" when precision < 3:
                set.Add((">=", low));
                set.Add(("<", precision == 1 ? new(low.Major + 1, 0, 0, null) : new(low.Major, low.Minor + 1, 0, null)));
                break;
            case "" or "=":
                set.Add(("=", low));
                break;
            case "<=" when precision < 3:
                set.Add(("<", precision == 1 ? new(low.Major + 1, 0, 0, null) : new(low.Major, low.Minor + 1, 0, null)));
                break;
            case ">" when precision < 3:
                set.Add((">=", precision == 1 ? new(low.Major + 1, 0, 0, null) : new(low.Major, low.Minor + 1, 0, null)));
                break;
            default:
                set.Add((op, low));
                break;
        }
    }

    public bool IsSatisfiedBy(SemanticVersion version) =>
        _alternatives.Any(set => set.All(c => c.Op switch
        {
            ">=" => version.CompareTo(c.Version) >= 0,
            ">" => version.CompareTo(c.Version) > 0,
            "<=" => version.CompareTo(c.Version) <= 0,
            "<" => version.CompareTo(c.Version) < 0,
            _ => version.CompareTo(c.Version) == 0,
        }));

    public override string ToString() => Text;
}
