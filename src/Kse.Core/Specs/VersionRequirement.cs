using System.Text.RegularExpressions;
using Kse.Core.Projects;

namespace Kse.Core.Specs;

/// <summary>
/// A tool's version requirement from <c>tools.yaml</c>: a version range (<c>&gt;=13</c>, <c>15.x</c>, <c>^2.30</c>, <c>&gt;=1 &lt;3 || 5.x</c>)
/// that may reference the target's version as <c>{target}</c>, <c>{target.major}</c> or <c>{target.minor}</c> (major.minor),
/// e.g. <c>&gt;={target.major}</c>: pg_dump's major at least the server's.
/// </summary>
public sealed partial class VersionRequirement
{
    [GeneratedRegex(@"\{target(?:\.(?<part>major|minor))?\}", RegexOptions.CultureInvariant)]
    private static partial Regex TargetPlaceholder();

    [GeneratedRegex(@"\{[^}]*\}", RegexOptions.CultureInvariant)]
    private static partial Regex AnyPlaceholder();

    [GeneratedRegex(@"(?<!\d)(?<v>\d+(?:\.\d+){0,2})", RegexOptions.CultureInvariant)]
    private static partial Regex Numeric();

    private VersionRequirement(string text) => Text = text;

    public string Text { get; }

    public bool ReferencesTarget => TargetPlaceholder().IsMatch(Text);

    public static bool TryParse(string? text, out VersionRequirement? requirement, out string? error)
    {
        requirement = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty";
            return false;
        }

        var probe = TargetPlaceholder().Replace(text, m => m.Groups["part"].Value switch { "major" => "1", "minor" => "1.0", _ => "1.0.0" });
        if (AnyPlaceholder().Match(probe) is { Success: true } unknown)
        {
            error = $"'{unknown.Value}' is not a placeholder (use {{target}}, {{target.major}} or {{target.minor}})";
            return false;
        }

        if (!VersionRange.TryParse(probe, out _, out error))
        {
            return false;
        }

        requirement = new VersionRequirement(text.Trim());
        return true;
    }

    /// <summary>The numeric part of a version text: <c>9.2p1</c> → 9.2.0, <c>252</c> → 252.0.0; null when there is no number.</summary>
    public static SemanticVersion? Normalize(string? text)
    {
        var m = Numeric().Match(text ?? "");
        return m.Success && SemanticVersion.TryParse(m.Groups["v"].Value, out var v) ? v : null;
    }

    /// <summary>The requirement with the target's version put in; null when it references the target and the target's version is unknown.</summary>
    public string? Resolve(SemanticVersion? target)
    {
        if (!ReferencesTarget)
        {
            return Text;
        }

        if (target is not { } t)
        {
            return null;
        }

        return TargetPlaceholder().Replace(Text, m => m.Groups["part"].Value switch
        {
            "major" => $"{t.Major}",
            "minor" => $"{t.Major}.{t.Minor}",
            _ => $"{t.Major}.{t.Minor}.{t.Patch}",
        });
    }

    /// <summary>
    /// Whether <paramref name="version"/> satisfies the requirement; null when it references the target's version and that is unknown.
    /// <paramref name="resolved"/> is the range that was checked.
    /// </summary>
    public bool? IsSatisfiedBy(SemanticVersion version, SemanticVersion? target, out string? resolved)
    {
        resolved = Resolve(target);
        if (resolved is null || !VersionRange.TryParse(resolved, out var range, out _) || range is null)
        {
            return null;
        }

        return range.IsSatisfiedBy(version);
    }

    public override string ToString() => Text;
}
