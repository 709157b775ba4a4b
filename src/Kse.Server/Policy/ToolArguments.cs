using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Policy;

/// <summary>
/// Checks a tools/call's arguments against the tool's input schema: a missing required argument or a value of the
/// wrong type is named, rather than failing as a binding error deep in the SDK (which reaches the client only as
/// "An error occurred invoking ..."). The gate denies such a call before deciding it, so it is never queued or run.
/// </summary>
internal static class ToolArguments
{
    /// <summary>The first thing wrong with <paramref name="arguments"/> for <paramref name="tool"/>, or null.</summary>
    /// <param name="exceptScope">Do not report a missing <c>project</c> or <c>environment</c> (the gate denies those with its own rule).</param>
    internal static (string Code, string Message)? Problem(Tool tool, IDictionary<string, JsonElement>? arguments, bool exceptScope = false)
    {
        var schema = tool.InputSchema;
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var given = arguments ?? new Dictionary<string, JsonElement>();
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()).OfType<string>().Where(n => !exceptScope || n is not ("project" or "environment")))
            {
                if (!given.TryGetValue(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                {
                    return ("input.argument_missing", $"tool '{tool.Name}' needs the argument '{name}' ({Describe(properties, name)})");
                }
            }
        }

        foreach (var (name, value) in given)
        {
            if (!properties.TryGetProperty(name, out var property))
            {
                continue;
            }

            if (Mismatch(property, value) is { } expected)
            {
                return ("input.argument_invalid", $"tool '{tool.Name}': argument '{name}' must be {expected}");
            }
        }

        return null;
    }

    /// <summary>What the value should have been and what it was, when it does not fit the property's schema.</summary>
    private static string? Mismatch(JsonElement property, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        var types = Types(property);
        if (types.Count > 0 && !types.Any(t => Fits(t, value)))
        {
            var wanted = string.Join(" or ", types.Where(t => t != "null").Select(Article)) is { Length: > 0 } text ? text : "null";
            return $"{wanted}, not {Shown(value)}";
        }

        if (value.ValueKind == JsonValueKind.String && property.TryGetProperty("format", out var format) && format.GetString() == "date-time")
        {
            try
            {
                value.Deserialize<DateTimeOffset>();
            }
            catch (JsonException)
            {
                return $"a date and time in ISO 8601 such as 2026-11-25T14:00:00Z, not '{Clip(value.GetString() ?? "")}'";
            }
        }

        if (value.ValueKind == JsonValueKind.Object && property.TryGetProperty("additionalProperties", out var each) && each.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in value.EnumerateObject())
            {
                if (Mismatch(each, entry.Value) is { } inner)
                {
                    return $"an object whose values are each {inner} (at '{Clip(entry.Name)}')";
                }
            }
        }

        return null;
    }

    private static List<string> Types(JsonElement property) =>
        !property.TryGetProperty("type", out var type) ? []
        : type.ValueKind == JsonValueKind.String ? [type.GetString()!]
        : type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()).OfType<string>().ToList()
        : [];

    private static bool Fits(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Article(string type) => type switch
    {
        "integer" => "a whole number",
        "object" => "an object",
        "array" => "an array",
        _ => "a " + type,
    };

    private static string Shown(JsonElement value) => value.ValueKind switch
    {
        // A string is not echoed: it might be a secret given under the wrong name.
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {Clip(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static string Describe(JsonElement properties, string name) =>
        properties.TryGetProperty(name, out var p) && p.TryGetProperty("description", out var d) && d.GetString() is { Length: > 0 } text ? text : string.Join(" or ", Types(p));
}
