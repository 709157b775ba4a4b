using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kse.Core.Changes;

/// <summary>
/// When a diff from git carries the full old and new OpenAPI documents, compares them as documents (paths, operations,
/// parameters, required inputs, schema types), the way oasdiff does, instead of reading hunks. Returns false when the
/// documents are not available or do not parse, and the hunk rules run instead.
/// </summary>
internal static class OpenApiStructuralDiff
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    public static bool TryDiff(DiffFile f, FindingSink s)
    {
        if (f.Content is not { } content || f.Status is DiffFileStatus.Added or DiffFileStatus.Deleted || content.Old is null || content.New is null)
        {
            return false;
        }

        var old = Load(content.Old);
        var neu = Load(content.New);
        if (old is null || neu is null || Child(old, "paths") is not YamlMappingNode oldPaths || Child(neu, "paths") is not YamlMappingNode newPaths)
        {
            return false;
        }

        var before = s.CountFor(f.Path);
        ComparePaths(f, s, oldPaths, newPaths);
        if (Child(old, "components") is YamlMappingNode oc && Child(oc, "schemas") is YamlMappingNode os
            && Child(neu, "components") is YamlMappingNode nc && Child(nc, "schemas") is YamlMappingNode ns)
        {
            CompareSchemas(f, s, os, ns);
        }

        if (s.CountFor(f.Path) == before)
        {
            s.Add("api.openapi.changed", f, f.FirstChangedLine, "OpenAPI document edited without a contract change (descriptions, examples, metadata)");
        }

        return true;
    }

    private static YamlMappingNode? Load(IReadOnlyList<string> lines)
    {
        try
        {
            // Nested past the limit or too large: not compared structurally (the hunk rules still see it).
            var stream = InputLimits.LoadYaml(string.Join('\n', lines), "change", "an OpenAPI document in the diff");
            return stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
        }
        catch (Exception ex) when (ex is YamlException or KseException)
        {
            return null;
        }
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;

    private static string? Scalar(YamlNode? node) => (node as YamlScalarNode)?.Value;

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private static IEnumerable<(string Key, YamlNode Value, YamlNode KeyNode)> Entries(YamlMappingNode map) =>
        map.Children.Where(kv => kv.Key is YamlScalarNode { Value: not null }).Select(kv => (((YamlScalarNode)kv.Key).Value!, kv.Value, kv.Key));

    private static void ComparePaths(DiffFile f, FindingSink s, YamlMappingNode oldPaths, YamlMappingNode newPaths)
    {
        var oldByShape = Entries(oldPaths).GroupBy(e => ApiRules.Template(e.Key)).ToDictionary(g => g.Key, g => g.First());
        var newByShape = Entries(newPaths).GroupBy(e => ApiRules.Template(e.Key)).ToDictionary(g => g.Key, g => g.First());
        foreach (var (shape, (key, _, keyNode)) in oldByShape.Where(o => !newByShape.ContainsKey(o.Key)))
        {
            _ = shape;
            s.Add("api.openapi.path-removed", f, Line(keyNode), $"path {key} removed: its clients get 404", subject: key);
        }

        foreach (var (_, (key, _, keyNode)) in newByShape.Where(n => !oldByShape.ContainsKey(n.Key)))
        {
            s.Add("api.openapi.added", f, Line(keyNode), $"path {key} added", subject: key);
        }

        foreach (var (shape, (oldKey, oldItem, _)) in oldByShape.Where(o => newByShape.ContainsKey(o.Key)))
        {
            var (key, newItem, newKeyNode) = newByShape[shape];
            if (oldItem is not YamlMappingNode oi || newItem is not YamlMappingNode ni)
            {
                continue;
            }

            var pathParams = Parameters(Child(oi, "parameters"));
            var newPathParams = Parameters(Child(ni, "parameters"));
            foreach (var method in Methods)
            {
                var op = $"{method.ToUpperInvariant()} {key}";
                var oldOp = Child(oi, method) as YamlMappingNode;
                var newOp = Child(ni, method) as YamlMappingNode;
                if (oldOp is not null && newOp is null)
                {
                    s.Add("api.openapi.operation-removed", f, Line(newKeyNode), $"operation {method.ToUpperInvariant()} {oldKey} removed", subject: op);
                }
                else if (oldOp is null && newOp is not null)
                {
                    s.Add("api.openapi.added", f, Line(newOp), $"operation {op} added", subject: op);
                }
                else if (oldOp is not null && newOp is not null)
                {
                    CompareOperation(f, s, op, Merge(pathParams, Parameters(Child(oldOp, "parameters"))), Merge(newPathParams, Parameters(Child(newOp, "parameters"))), oldOp, newOp);
                }
            }
        }
    }

    private static Dictionary<string, YamlMappingNode> Parameters(YamlNode? node)
    {
        var result = new Dictionary<string, YamlMappingNode>(StringComparer.Ordinal);
        foreach (var p in (node as YamlSequenceNode)?.OfType<YamlMappingNode>() ?? [])
        {
            var id = Scalar(Child(p, "$ref")) ?? $"{Scalar(Child(p, "in"))}:{Scalar(Child(p, "name"))}";
            result.TryAdd(id, p);
        }

        return result;
    }

    private static Dictionary<string, YamlMappingNode> Merge(Dictionary<string, YamlMappingNode> path, Dictionary<string, YamlMappingNode> op)
    {
        var merged = new Dictionary<string, YamlMappingNode>(path, StringComparer.Ordinal);
        foreach (var (k, v) in op)
        {
            merged[k] = v;
        }

        return merged;
    }

    private static bool IsTrue(YamlNode? node) => string.Equals(Scalar(node), "true", StringComparison.OrdinalIgnoreCase);

    private static void CompareOperation(DiffFile f, FindingSink s, string op, Dictionary<string, YamlMappingNode> oldParams, Dictionary<string, YamlMappingNode> newParams, YamlMappingNode oldOp, YamlMappingNode newOp)
    {
        foreach (var (id, p) in oldParams.Where(o => !newParams.ContainsKey(o.Key)))
        {
            var name = Scalar(Child(p, "name")) ?? id;
            s.Add("api.openapi.parameter-removed", f, Line(newOp), $"parameter '{name}' removed from {op}: clients that send it are rejected or ignored", subject: $"{op} {name}");
        }

        foreach (var (id, p) in newParams)
        {
            var name = Scalar(Child(p, "name")) ?? id;
            if (!oldParams.TryGetValue(id, out var before))
            {
                s.Add(IsTrue(Child(p, "required")) ? "api.openapi.required-added" : "api.openapi.added", f, Line(p),
                    IsTrue(Child(p, "required")) ? $"required parameter '{name}' added to {op}: existing requests without it are rejected" : $"optional parameter '{name}' added to {op}", subject: $"{op} {name}");
                continue;
            }

            if (IsTrue(Child(p, "required")) && !IsTrue(Child(before, "required")))
            {
                s.Add("api.openapi.required-added", f, Line(p), $"parameter '{name}' of {op} became required", subject: $"{op} {name}");
            }

            CompareType(f, s, $"{op} {name}", Child(before, "schema") as YamlMappingNode, Child(p, "schema") as YamlMappingNode);
        }

        if (Child(newOp, "requestBody") is YamlMappingNode nb && IsTrue(Child(nb, "required")) && !(Child(oldOp, "requestBody") is YamlMappingNode ob && IsTrue(Child(ob, "required"))))
        {
            s.Add("api.openapi.required-added", f, Line(nb), $"the request body of {op} became required", subject: op);
        }
    }

    private static SortedSet<string> TypeOf(YamlMappingNode? schema)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        if (schema is null)
        {
            return set;
        }

        switch (Child(schema, "type"))
        {
            case YamlScalarNode t when t.Value is not null:
                set.Add(t.Value);
                break;
            case YamlSequenceNode list:
                foreach (var item in list.OfType<YamlScalarNode>())
                {
                    set.Add(item.Value ?? "");
                }

                break;
        }

        if (Scalar(Child(schema, "$ref")) is { } r)
        {
            set.Add(r);
        }

        if (Scalar(Child(schema, "format")) is { } format)
        {
            set.Add("format:" + format);
        }

        if (IsTrue(Child(schema, "nullable")))
        {
            set.Add("null");
        }

        foreach (var combinator in new[] { "oneOf", "anyOf" })
        {
            foreach (var option in (Child(schema, combinator) as YamlSequenceNode)?.OfType<YamlMappingNode>() ?? [])
            {
                set.UnionWith(TypeOf(option));
            }
        }

        return set;
    }

    private static void CompareType(DiffFile f, FindingSink s, string subject, YamlMappingNode? before, YamlMappingNode? after)
    {
        var (old, neu) = (TypeOf(before), TypeOf(after));
        if (old.Count == 0 || neu.Count == 0 || old.SetEquals(neu))
        {
            return;
        }

        var line = Line(after!);
        var (from, to) = (string.Join("|", old), string.Join("|", neu));
        if (neu.IsSupersetOf(old))
        {
            s.Add("api.openapi.added", f, line, $"type of {subject} widened from {from} to {to}", subject: subject);
        }
        else
        {
            s.Add("api.openapi.type-changed", f, line, $"type of {subject} changed from {from} to {to}: clients deserialize the old shape", subject: subject);
        }
    }

    private static void CompareSchemas(DiffFile f, FindingSink s, YamlMappingNode oldSchemas, YamlMappingNode newSchemas)
    {
        var olds = Entries(oldSchemas).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        foreach (var (name, value, keyNode) in Entries(newSchemas))
        {
            if (!olds.TryGetValue(name, out var before))
            {
                s.Add("api.openapi.added", f, Line(keyNode), $"schema {name} added", subject: name);
                continue;
            }

            if (before is not YamlMappingNode ob || value is not YamlMappingNode nb)
            {
                continue;
            }

            var oldRequired = ((Child(ob, "required") as YamlSequenceNode)?.OfType<YamlScalarNode>() ?? []).Select(x => x.Value).ToHashSet(StringComparer.Ordinal);
            foreach (var r in (Child(nb, "required") as YamlSequenceNode)?.OfType<YamlScalarNode>() ?? [])
            {
                if (!oldRequired.Contains(r.Value))
                {
                    s.Add("api.openapi.required-added", f, Line(r), $"field '{r.Value}' of {name} became required: existing requests without it are rejected", subject: $"{name}.{r.Value}");
                }
            }

            var oldProps = Child(ob, "properties") as YamlMappingNode;
            var newProps = Child(nb, "properties") as YamlMappingNode;
            if (oldProps is null || newProps is null)
            {
                continue;
            }

            var newByName = Entries(newProps).ToDictionary(e => e.Key, e => e, StringComparer.Ordinal);
            foreach (var (prop, oldProp, _) in Entries(oldProps))
            {
                if (!newByName.TryGetValue(prop, out var now))
                {
                    s.Add("api.openapi.type-changed", f, Line(keyNode), $"schema {name} lost property '{prop}': clients that read it break", subject: $"{name}.{prop}");
                    continue;
                }

                CompareType(f, s, $"{name}.{prop}", oldProp as YamlMappingNode, now.Value as YamlMappingNode);
            }

            foreach (var (prop, _, propKey) in Entries(newProps).Where(p => Child(oldProps, p.Key) is null))
            {
                s.Add("api.openapi.added", f, Line(propKey), $"property '{prop}' added to schema {name}", subject: $"{name}.{prop}");
            }
        }

        foreach (var (name, _, _) in Entries(oldSchemas).Where(e => Child(newSchemas, e.Key) is null))
        {
            s.Add("api.openapi.type-changed", f, f.FirstChangedLine, $"schema {name} removed: payloads that use it change shape", subject: name);
        }
    }
}
