using System.Text.RegularExpressions;

namespace Kse.Core;

/// <summary>Project names are slugs; anything else is rejected before it touches a path.</summary>
public static partial class ProjectName
{
    public const string Pattern = "[a-z0-9][a-z0-9-]{0,62}";

    [GeneratedRegex("^" + Pattern + "$", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();

    public static bool IsValid(string? name) => name is not null && Slug().IsMatch(name);

    /// <summary>Returns the name, or throws <c>spec.project_invalid</c>.</summary>
    public static string Validate(string? name)
    {
        if (!IsValid(name))
        {
            throw KseException.BadInput("spec.project_invalid", $"project name '{name}' must match {Pattern}");
        }

        return name!;
    }
}
