using System.Globalization;
using System.Text.RegularExpressions;

namespace Kse.Core.Execution;

/// <summary>Checks caller-given values against an operation's declared parameters before anything is substituted.</summary>
public static class ParameterValues
{
    /// <summary>Largest accepted value, in characters: a parameter is a word, not a document.</summary>
    public const int MaxLength = 1024;

    /// <summary>Why <paramref name="value"/> is not acceptable for <paramref name="parameter"/>, or null when it is.</summary>
    public static string? Check(OperationParameter parameter, string value)
    {
        if (value.Length > MaxLength)
        {
            return $"is longer than {MaxLength} characters";
        }

        if (value.Any(c => c == '\0' || (char.IsControl(c) && c != '\t')))
        {
            return "contains control characters";
        }

        switch (parameter.Type)
        {
            case ParameterType.Int:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                {
                    return $"'{value}' is not a whole number";
                }

                if (parameter.Min is { } min && n < min)
                {
                    return $"{n} is below the minimum {min}";
                }

                if (parameter.Max is { } max && n > max)
                {
                    return $"{n} is above the maximum {max}";
                }

                return parameter.Pattern is null ? null : MatchPattern(parameter, value);
            case ParameterType.Bool:
                return OperationBlockParser.TryParseBool(value, out _) ? null : $"'{value}' is not true or false";
            case ParameterType.Enum:
                return parameter.Values?.Contains(value, StringComparer.Ordinal) == true
                    ? null
                    : $"'{value}' is not one of {string.Join(", ", parameter.Values ?? [])}";
            default:
                return MatchPattern(parameter, value);
        }
    }

    private static string? MatchPattern(OperationParameter parameter, string value)
    {
        if (parameter.Pattern is null)
        {
            return "has no pattern to be checked against";
        }

        var regex = parameter.CompiledPattern
            ?? new Regex("^(?:" + parameter.Pattern + ")$", RegexOptions.CultureInvariant, OperationBlockParser.PatternMatchTimeout);
        try
        {
            return regex.IsMatch(value) ? null : $"'{value}' does not match the pattern {parameter.Pattern}";
        }
        catch (RegexMatchTimeoutException)
        {
            return $"could not be checked against the pattern {parameter.Pattern} in time";
        }
    }

    /// <summary>The canonical text of an accepted value (<c>yes</c> → <c>true</c>, <c>+5</c> → <c>5</c>).</summary>
    public static string Normalize(OperationParameter parameter, string value) => parameter.Type switch
    {
        ParameterType.Int => long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        ParameterType.Bool => OperationBlockParser.TryParseBool(value, out var b) && b ? "true" : "false",
        _ => value,
    };

    /// <summary>
    /// Every declared parameter's value (given, else default), checked and normalized. Unknown names, missing
    /// required values and bad values are reported together as <c>ops.parameter_invalid</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Resolve(OperationDefinition operation, IReadOnlyDictionary<string, string?>? given)
    {
        given ??= new Dictionary<string, string?>();
        var problems = new List<string>();
        var declared = operation.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var name in given.Keys.Where(k => !declared.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            problems.Add($"'{name}' is not a parameter of '{operation.Name}'" + (declared.Count > 0 ? $" (parameters: {string.Join(", ", declared.Keys)})" : " (it takes none)"));
        }

        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in operation.Parameters)
        {
            var value = given.TryGetValue(p.Name, out var v) && v is not null ? v : p.Default;
            if (value is null)
            {
                problems.Add($"'{p.Name}' is required ({Describe(p)})");
                continue;
            }

            var problem = Check(p, value);
            if (problem is not null)
            {
                problems.Add($"{p.Name}: {problem}");
                continue;
            }

            values[p.Name] = Normalize(p, value);
        }

        if (problems.Count > 0)
        {
            throw KseException.BadInput("ops.parameter_invalid", $"operation '{operation.Name}': {string.Join("; ", problems)}");
        }

        return values;
    }

    public static string Describe(OperationParameter p) => p.Type switch
    {
        ParameterType.String => $"string matching {p.Pattern}",
        ParameterType.Enum => $"one of {string.Join(", ", p.Values ?? [])}",
        ParameterType.Int => "whole number" + (p.Min is { } min ? $" ≥ {min}" : "") + (p.Max is { } max ? $" ≤ {max}" : ""),
        _ => "true or false",
    };
}
