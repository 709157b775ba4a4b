using System.Globalization;
using System.Text.RegularExpressions;
using Semver;

namespace Kse.Core.Projects;

/// <summary>
/// A <c>major.minor.patch[-pre]</c> version; missing parts are 0. Parsing and ordering follow semantic versioning 2.0 through the
/// Semver package: prerelease identifiers compare numerically when numeric (<c>1.0.0-alpha.2 &lt; 1.0.0-alpha.10</c>).
/// </summary>
public readonly record struct SemanticVersion(int Major, int Minor, int Patch, string? Pre) : IComparable<SemanticVersion>
{
    private const SemVersionStyles Styles = SemVersionStyles.AllowV | SemVersionStyles.AllowWhitespace | SemVersionStyles.OptionalMinorPatch | SemVersionStyles.AllowLeadingZeros;

    public static bool TryParse(string? text, out SemanticVersion version)
    {
        version = default;
        if (text is null || text.Length > 256 || !SemVersion.TryParse(text, Styles, out var v) || v.Major > int.MaxValue || v.Minor > int.MaxValue || v.Patch > int.MaxValue)
        {
            return false;
        }

        version = new SemanticVersion((int)v.Major, (int)v.Minor, (int)v.Patch, v.IsPrerelease ? v.Prerelease : null);
        return true;
    }

    /// <summary>The version, or <c>versions.version_invalid</c> naming what was given.</summary>
    public static SemanticVersion Parse(string? text) =>
        TryParse(text, out var v) ? v : throw KseException.BadInput("versions.version_invalid", $"'{text}' is not a semantic version (major.minor.patch[-prerelease], e.g. 2.4.0 or 2.4.0-rc.1)");

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
                _ => SemVersion.ComparePrecedence(Prerelease(Pre), Prerelease(other.Pre)),
            };
        }

        return c;
    }

    public static bool operator <(SemanticVersion a, SemanticVersion b) => a.CompareTo(b) < 0;

    public static bool operator >(SemanticVersion a, SemanticVersion b) => a.CompareTo(b) > 0;

    public static bool operator <=(SemanticVersion a, SemanticVersion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(SemanticVersion a, SemanticVersion b) => a.CompareTo(b) >= 0;

    private static SemVersion Prerelease(string pre) => SemVersion.ParsedFrom(0, 0, 0, pre, "", allowLeadingZeros: true);

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
