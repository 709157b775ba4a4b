using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server;

/// <summary>
/// The one rule every tool's advertised output schema follows, so that clients that validate
/// <c>structuredContent</c> against it (every client built on the TypeScript SDK does) accept every result:
/// a property whose value may be null is left out of the JSON when it is null (<see cref="Kse.Core.KseJson"/>),
/// and therefore it is never <c>required</c>. The schema generator cannot see nullable type arguments, so a
/// map of strings (audit <c>parameters</c>, whose values may be null) declares its values as string or null.
/// </summary>
internal static class ToolContract
{
    /// <summary>Rewrites a tool's advertised schemas to the rules here (applied as <see cref="ToolCatalog"/> builds each tool).</summary>
    public static void Apply(Tool tool)
    {
        if (tool.OutputSchema is { } schema)
        {
            tool.OutputSchema = NullablesOptional(schema);
        }

        tool.InputSchema = ScalarMaps(tool.InputSchema);
    }

    /// <summary>
    /// The tool list never changes while the server runs, so <c>tools.listChanged</c> is not advertised (the SDK sets it
    /// whenever tools come from a collection): taken out of the initialize (and server/discover) answer on its way to the client.
    /// </summary>
    public static McpMessageHandler AdvertiseHonestly(McpMessageHandler next) => (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcResponse { Result: JsonObject result }
            && (result["serverInfo"] is not null || result["supportedVersions"] is not null)
            && result["capabilities"]?["tools"] is JsonObject tools)
        {
            tools.Remove("listChanged");
        }

        return next(context, cancellationToken);
    };

    /// <summary>
    /// Inputs: a map argument (a dictionary of JSON values, such as <c>ops_run</c>'s <c>parameters</c>) takes strings,
    /// numbers and booleans, and says so, so that a client can build it and the interception point names a wrong value.
    /// </summary>
    public static JsonElement ScalarMaps(JsonElement inputSchema)
    {
        var node = JsonNode.Parse(inputSchema.GetRawText())!;
        if (node["properties"] is JsonObject properties)
        {
            foreach (var (_, property) in properties)
            {
                if (property is JsonObject p && TypeIncludes(p["type"], "object") && p["properties"] is null && p["additionalProperties"] is null)
                {
                    p["additionalProperties"] = new JsonObject { ["type"] = new JsonArray("string", "number", "boolean") };
                }
            }
        }

        return JsonSerializer.SerializeToElement(node);
    }

    private static bool TypeIncludes(JsonNode? type, string name) => type switch
    {
        JsonValue v => v.TryGetValue<string>(out var s) && s == name,
        JsonArray a => a.Any(t => t is JsonValue v && v.TryGetValue<string>(out var s) && s == name),
        _ => false,
    };

    /// <summary>The schema with every property that admits null removed from its object's <c>required</c> list.</summary>
    public static JsonElement NullablesOptional(JsonElement schema)
    {
        var node = JsonNode.Parse(schema.GetRawText())!;
        Rewrite(node);
        return JsonSerializer.SerializeToElement(node);
    }

    /// <summary>True when the schema lets a value be JSON null.</summary>
    public static bool AdmitsNull(JsonNode? schema) => schema switch
    {
        JsonObject o => TypeAdmitsNull(o["type"])
            || (o["enum"] is JsonArray values && values.Any(v => v is null))
            || (o["anyOf"] is JsonArray any && any.Any(AdmitsNull))
            || (o["oneOf"] is JsonArray one && one.Any(AdmitsNull)),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => false,
    };

    private static bool TypeAdmitsNull(JsonNode? type) => type switch
    {
        JsonValue v => v.TryGetValue<string>(out var s) && s == "null",
        JsonArray a => a.Any(t => t is JsonValue v && v.TryGetValue<string>(out var s) && s == "null"),
        _ => false,
    };

    /// <summary>Keywords whose value maps names to subschemas.</summary>
    private static readonly string[] SchemaMaps = ["properties", "$defs", "definitions"];

    /// <summary>Keywords whose value is a subschema or an array of them.</summary>
    private static readonly string[] SchemaValues = ["items", "additionalProperties", "prefixItems", "anyOf", "oneOf", "allOf", "not"];

    private static void Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["properties"] is JsonObject properties && o["required"] is JsonArray required)
                {
                    var kept = required
                        .Select(r => r?.GetValue<string>())
                        .Where(name => name is not null && !AdmitsNull(properties[name]))
                        .Select(name => (JsonNode)JsonValue.Create(name!))
                        .ToArray();
                    if (kept.Length == 0)
                    {
                        o.Remove("required");
                    }
                    else
                    {
                        o["required"] = new JsonArray(kept);
                    }
                }

                if (o["additionalProperties"] is JsonObject values && values["type"] is JsonValue t && t.TryGetValue<string>(out var single) && single == "string")
                {
                    values["type"] = new JsonArray("string", "null");
                }

                foreach (var keyword in SchemaMaps)
                {
                    if (o[keyword] is JsonObject map)
                    {
                        foreach (var (_, child) in map)
                        {
                            Rewrite(child);
                        }
                    }
                }

                foreach (var keyword in SchemaValues)
                {
                    Rewrite(o[keyword]);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Rewrite(child);
                }

                break;
        }
    }
}
