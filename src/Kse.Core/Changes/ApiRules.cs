using System.Text.RegularExpressions;

namespace Kse.Core.Changes;

/// <summary>L3 rules: OpenAPI, protobuf, GraphQL, ASP.NET routes and shipped public API listings. Removals and incompatible edits are breaking; additions are not.</summary>
internal static partial class ApiRules
{
    // ---------- OpenAPI ----------
    [GeneratedRegex("""^\s*"?(?<key>/[^"\s:]*)"?\s*:""")]
    private static partial Regex OpenApiPath();

    [GeneratedRegex("""^\s*"?(?<m>get|put|post|delete|patch|head|options|trace)"?\s*:""", RegexOptions.IgnoreCase)]
    private static partial Regex OpenApiMethod();

    [GeneratedRegex("""^\s*(?:-\s*)?"?name"?\s*:\s*"?(?<n>[\w.\-\[\]]+)"?""")]
    private static partial Regex OpenApiName();

    [GeneratedRegex("""^\s*"?required"?\s*:\s*true\b""")]
    private static partial Regex OpenApiRequiredTrue();

    [GeneratedRegex("""^\s*"?required"?\s*:\s*(?<inline>\[.*)?$""")]
    private static partial Regex OpenApiRequiredList();

    [GeneratedRegex("""^\s*(?:-\s*"?(?<f>[\w.\-]+)"?|"(?<f>[\w.\-]+)")\s*,?\s*$""")]
    private static partial Regex YamlListItem();

    [GeneratedRegex("""["']?(?<f>[\w.\-]+)["']?""")]
    private static partial Regex InlineItem();

    [GeneratedRegex("""^\s*"?(?<k>type|format|\$ref)"?\s*:\s*(?:(?<list>\[[^\]]*\]?)|"?(?<v>[^",\s\[]+)"?)""")]
    private static partial Regex OpenApiType();

    [GeneratedRegex("""^\s*-?\s*"?(?<t>[\w]+)"?\s*,?\s*$""")]
    private static partial Regex TypeListItem();

    /// <summary>A type value as a set: <c>integer</c>, inline <c>["integer", "null"]</c>, or a list that continues on the next lines.</summary>
    private static SortedSet<string> TypeValue(Match m, IReadOnlyList<DiffLine> lines, int index, DiffLineKind side)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        if (m.Groups["v"].Success)
        {
            set.Add(m.Groups["v"].Value);
            return set;
        }

        var list = m.Groups["list"].Value;
        foreach (Match item in InlineItem().Matches(list.Trim('[', ']')))
        {
            set.Add(item.Groups["f"].Value);
        }

        if (!list.EndsWith(']'))
        {
            for (var k = index + 1; k < lines.Count && k <= index + 8; k++)
            {
                if (lines[k].Kind != side && lines[k].Kind != DiffLineKind.Context)
                {
                    continue;
                }

                if (lines[k].Text.Trim().StartsWith(']'))
                {
                    break;
                }

                if (TypeListItem().Match(lines[k].Text) is { Success: true } t)
                {
                    set.Add(t.Groups["t"].Value);
                }
            }
        }

        return set;
    }

    public static void OpenApi(DiffFile f, FindingSink s)
    {
        if (OpenApiStructuralDiff.TryDiff(f, s))
        {
            return;
        }

        if (f.Status == DiffFileStatus.Added)
        {
            s.Add("api.openapi.added", f, 1, "new OpenAPI document: every path is an addition", subject: f.Path);
            return;
        }

        foreach (var hunk in f.Hunks)
        {
            var lines = hunk.Lines;
            var removedPaths = new List<(string Key, int Index)>();
            var addedPaths = new List<(string Key, int Index)>();
            for (var i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                if (l.Kind == DiffLineKind.Context)
                {
                    continue;
                }

                var pm = OpenApiPath().Match(l.Text);
                if (pm.Success)
                {
                    (l.Kind == DiffLineKind.Removed ? removedPaths : addedPaths).Add((pm.Groups["key"].Value, i));
                }
            }

            var addedKeys = addedPaths.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            var removedKeys = removedPaths.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            var addedShapes = addedPaths.Select(p => Template(p.Key)).ToHashSet(StringComparer.Ordinal);
            var removedShapes = removedPaths.Select(p => Template(p.Key)).ToHashSet(StringComparer.Ordinal);
            var renameTargets = new Queue<string>(addedPaths.Where(p => !removedShapes.Contains(Template(p.Key))).Select(p => p.Key));
            foreach (var (key, index) in removedPaths.Where(p => !addedShapes.Contains(Template(p.Key))))
            {
                var reason = renameTargets.Count > 0 ? $"path {key} removed (renamed to {renameTargets.Dequeue()}?): its clients get 404" : $"path {key} removed: its clients get 404";
                s.Add("api.openapi.path-removed", f, lines[index].Line, reason, subject: key);
            }

            foreach (var (key, index) in addedPaths.Where(p => !removedShapes.Contains(Template(p.Key))))
            {
                s.Add("api.openapi.added", f, lines[index].Line, $"path {key} added", subject: key);
            }

            var removedOps = new List<(string Op, int Index)>();
            var addedOps = new HashSet<string>(StringComparer.Ordinal);
            var addedOpList = new List<(string Op, int Index)>();
            var newBlockStarts = new List<(int Index, int Indent)>();
            for (var i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                if (l.Kind == DiffLineKind.Context)
                {
                    continue;
                }

                var mm = OpenApiMethod().Match(l.Text);
                if (!mm.Success)
                {
                    continue;
                }

                var path = HunkScan.Enclosing(hunk, i, OpenApiPath())?.Groups["key"].Value ?? "?";
                var op = $"{mm.Groups["m"].Value.ToUpperInvariant()} {path}";
                if (l.Kind == DiffLineKind.Removed)
                {
                    removedOps.Add((op, i));
                }
                else
                {
                    addedOps.Add(Template(op));
                    addedOpList.Add((op, i));
                    newBlockStarts.Add((i, HunkScan.Indent(l.Text)));
                }
            }

            foreach (var (_, index) in addedPaths.Where(p => !removedKeys.Contains(p.Key)))
            {
                newBlockStarts.Add((index, HunkScan.Indent(lines[index].Text)));
            }

            var removedOpNames = removedOps.Select(o => Template(o.Op)).ToHashSet(StringComparer.Ordinal);
            foreach (var (op, index) in removedOps.Where(o => !addedOps.Contains(Template(o.Op))))
            {
                if (!removedKeys.Contains(op[(op.IndexOf(' ', StringComparison.Ordinal) + 1)..]) || addedKeys.Contains(op[(op.IndexOf(' ', StringComparison.Ordinal) + 1)..]))
                {
                    s.Add("api.openapi.operation-removed", f, lines[index].Line, $"operation {op} removed", subject: op);
                }
            }

            foreach (var (op, index) in addedOpList.Where(o => !removedOpNames.Contains(Template(o.Op))))
            {
                s.Add("api.openapi.added", f, lines[index].Line, $"operation {op} added", subject: op);
            }

            bool InsideNewBlock(int index)
            {
                var indent = HunkScan.Indent(lines[index].Text);
                foreach (var (start, startIndent) in newBlockStarts)
                {
                    if (start >= index || startIndent >= indent)
                    {
                        continue;
                    }

                    var contiguous = true;
                    for (var k = start; k <= index; k++)
                    {
                        if (lines[k].Kind != DiffLineKind.Added)
                        {
                            contiguous = false;
                            break;
                        }
                    }

                    if (contiguous)
                    {
                        return true;
                    }
                }

                return false;
            }

            // Parameters removed (by name) that are not re-added in the hunk.
            var removedNames = new List<(string Name, int Index)>();
            var addedNames = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                if (l.Kind == DiffLineKind.Context)
                {
                    continue;
                }

                var nm = OpenApiName().Match(l.Text);
                if (nm.Success)
                {
                    if (l.Kind == DiffLineKind.Removed)
                    {
                        removedNames.Add((nm.Groups["n"].Value, i));
                    }
                    else
                    {
                        addedNames.Add(nm.Groups["n"].Value);
                    }
                }
            }

            foreach (var (name, index) in removedNames.Where(n => !addedNames.Contains(n.Name)))
            {
                var path = HunkScan.Enclosing(hunk, index, OpenApiPath())?.Groups["key"].Value;
                s.Add("api.openapi.parameter-removed", f, lines[index].Line, $"parameter '{name}' removed{(path is null ? "" : " from " + path)}: clients that send it are rejected or ignored", subject: path is null ? name : $"{path} {name}");
            }

            // Required: new `required: true`, or new entries in a `required:` list (block or inline), outside newly added blocks.
            var removedInline = lines.Where(l => l.Kind == DiffLineKind.Removed)
                .Select(l => OpenApiRequiredList().Match(l.Text)).Where(m => m.Success && m.Groups["inline"].Success)
                .SelectMany(m => InlineItem().Matches(m.Groups["inline"].Value).Select(x => x.Groups["f"].Value)).ToHashSet(StringComparer.Ordinal);
            var inRequired = -1;
            for (var i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                if (l.Kind == DiffLineKind.Removed)
                {
                    continue;
                }

                var indent = HunkScan.Indent(l.Text);
                if (OpenApiRequiredList().Match(l.Text) is { Success: true } rl && !OpenApiRequiredTrue().IsMatch(l.Text))
                {
                    if (rl.Groups["inline"].Success && l.Kind == DiffLineKind.Added && !InsideNewBlock(i) && removedInline.Count > 0)
                    {
                        foreach (var field in InlineItem().Matches(rl.Groups["inline"].Value).Select(x => x.Groups["f"].Value).Where(f => !removedInline.Contains(f)))
                        {
                            s.Add("api.openapi.required-added", f, l.Line, $"field '{field}' became required: existing requests without it are rejected", subject: field);
                        }
                    }

                    inRequired = rl.Groups["inline"].Success && rl.Groups["inline"].Value.Contains(']', StringComparison.Ordinal) ? -1 : indent;
                    continue;
                }

                var item = YamlListItem().Match(l.Text);
                if (inRequired >= 0 && item.Success && indent >= inRequired)
                {
                    if (l.Kind == DiffLineKind.Added && !InsideNewBlock(i))
                    {
                        var field = item.Groups["f"].Value;
                        s.Add("api.openapi.required-added", f, l.Line, $"field '{field}' became required: existing requests without it are rejected", subject: field);
                    }

                    continue;
                }

                inRequired = -1;
                if (l.Kind == DiffLineKind.Added && OpenApiRequiredTrue().IsMatch(l.Text) && !InsideNewBlock(i))
                {
                    var name = NearestName(hunk, i) ?? "?";
                    s.Add("api.openapi.required-added", f, l.Line, $"parameter or field '{name}' became required", subject: name);
                }
            }

            // Types: a removed type/format/$ref pairs with the added one of the same name (else the next unused one).
            // A value that reappears anywhere in the hunk (oneOf reshuffles) is not a change; widening is additive.
            var removedTypes = new List<(string Key, SortedSet<string> Value, string? Name)>();
            var addedTypes = new List<(string Key, SortedSet<string> Value, string? Name, int Index)>();
            for (var i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                if (l.Kind != DiffLineKind.Context && OpenApiType().Match(l.Text) is { Success: true } tm)
                {
                    var value = TypeValue(tm, lines, i, l.Kind);
                    if (l.Kind == DiffLineKind.Removed)
                    {
                        removedTypes.Add((tm.Groups["k"].Value, value, NearestName(hunk, i)));
                    }
                    else
                    {
                        addedTypes.Add((tm.Groups["k"].Value, value, NearestName(hunk, i), i));
                    }
                }
            }

            var used = new HashSet<int>();
            foreach (var (k, old, oldName) in removedTypes)
            {
                var candidates = addedTypes.Where(x => x.Key == k && !used.Contains(x.Index)).ToList();
                var partner = candidates.FirstOrDefault(x => x.Name is not null && x.Name == oldName);
                if (partner.Value is null)
                {
                    partner = candidates.FirstOrDefault();
                }

                if (partner.Value is null)
                {
                    continue;
                }

                used.Add(partner.Index);
                if (old.SetEquals(partner.Value) || (partner.Name != oldName && addedTypes.Any(x => x.Key == k && x.Value.SetEquals(old))))
                {
                    continue;
                }

                var name = partner.Name;
                var (from, to) = (string.Join("|", old), string.Join("|", partner.Value));
                var line = lines[partner.Index].Line;
                if (k == "type" && partner.Value.IsSupersetOf(old))
                {
                    s.Add("api.openapi.added", f, line, $"type widened from {from} to {to}{(name is null ? "" : " for " + name)}", subject: name ?? $"{k}:{from}");
                }
                else
                {
                    s.Add("api.openapi.type-changed", f, line, $"{k} changed from {from} to {to}{(name is null ? "" : " for " + name)}: clients deserialize the old shape", subject: name ?? $"{k}:{from}");
                }
            }
        }

        if (s.CountFor(f.Path) == 0 && HunkScan.HasChanges(f))
        {
            s.Add("api.openapi.changed", f, f.FirstChangedLine, "OpenAPI document edited without a contract change the rules recognise (descriptions, examples, metadata)");
        }
    }

    [GeneratedRegex("""^\s*"?(?<n>[\w.\-]+)"?\s*:\s*(\{\s*)?$""")]
    private static partial Regex YamlKeyOnly();

    private static string? NearestName(DiffHunk hunk, int index)
    {
        var name = HunkScan.Enclosing(hunk, index, OpenApiName(), requireSmallerIndent: false);
        var key = HunkScan.Enclosing(hunk, index, YamlKeyOnly());
        if (name is not null)
        {
            return name.Groups["n"].Value;
        }

        return key?.Groups["n"].Value;
    }

    [GeneratedRegex(@"\{[^}:=?*]+")]
    private static partial Regex TemplateParameterName();

    /// <summary>A route or path template without its parameter names: <c>/items/{id:int}</c> and <c>/items/{itemId:int}</c> are the same URL to a client.</summary>
    internal static string Template(string route) => TemplateParameterName().Replace(route.TrimEnd('/'), "{");

    // ---------- protobuf ----------
    [GeneratedRegex("""^\s*(?:(?<label>optional|repeated|required)\s+)?(?<type>(?:map\s*<[^>]*>)|[A-Za-z_][\w.]*)\s+(?<name>[A-Za-z_]\w*)\s*=\s*(?<num>\d+)""")]
    internal static partial Regex ProtoField();

    [GeneratedRegex("""^\s*(?<name>[A-Z][A-Z0-9_]*)\s*=\s*(?<num>-?\d+)\s*[;\[]""")]
    internal static partial Regex ProtoEnumValue();

    [GeneratedRegex("""^\s*(?<kind>message|enum|service)\s+(?<name>\w+)""")]
    private static partial Regex ProtoBlock();

    [GeneratedRegex("""^\s*rpc\s+(?<name>\w+)\s*\((?<sig>.*)""")]
    internal static partial Regex ProtoRpc();

    /// <summary>An RPC's request and response part, whitespace collapsed: <c>(GetRequest) returns (Invoice)</c>.</summary>
    internal static string RpcSignature(Match rpc) => Regex.Replace(rpc.Groups["sig"].Value, @"\s+", " ").Trim().TrimEnd('{', ';').Trim();

    /// <summary>A field's label and type, whitespace removed from map types: <c>repeated string</c>, <c>map&lt;string,int32&gt;</c>.</summary>
    internal static string FieldType(Match field) => (field.Groups["label"].Success ? field.Groups["label"].Value + " " : "") + Regex.Replace(field.Groups["type"].Value, @"\s+", "");

    public static void Proto(DiffFile f, FindingSink s)
    {
        if (f.Status == DiffFileStatus.Added)
        {
            s.Add("api.proto.added", f, 1, "new protobuf file", subject: f.Path);
            return;
        }

        if (ProtoStructuralDiff.TryDiff(f, s))
        {
            return;
        }

        foreach (var hunk in f.Hunks)
        {
            var lines = hunk.Lines;
            var removed = new List<(string Block, string Name, string Type, string Num, int Index)>();
            var added = new List<(string Block, string Name, string Type, string Num, int Index)>();
            var removedBlocks = new List<(string Kind, string Name, int Index)>();
            var addedBlocks = new HashSet<string>(StringComparer.Ordinal);
            var removedRpcs = new List<(string Name, string Sig, int Index)>();
            var addedRpcs = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                if (l.Kind == DiffLineKind.Context || l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                var isRemoved = l.Kind == DiffLineKind.Removed;
                if (ProtoRpc().Match(l.Text) is { Success: true } rm)
                {
                    var sig = RpcSignature(rm);
                    if (isRemoved)
                    {
                        removedRpcs.Add((rm.Groups["name"].Value, sig, i));
                    }
                    else
                    {
                        addedRpcs[rm.Groups["name"].Value] = sig;
                    }

                    continue;
                }

                if (ProtoBlock().Match(l.Text) is { Success: true } bm)
                {
                    if (isRemoved)
                    {
                        removedBlocks.Add((bm.Groups["kind"].Value, bm.Groups["name"].Value, i));
                    }
                    else
                    {
                        addedBlocks.Add(bm.Groups["name"].Value);
                    }

                    continue;
                }

                var block = HunkScan.Enclosing(hunk, i, ProtoBlock())?.Groups["name"].Value ?? "?";
                if (ProtoField().Match(l.Text) is { Success: true } fm && fm.Groups["type"].Value is not "option" and not "reserved")
                {
                    var type = FieldType(fm);
                    (isRemoved ? removed : added).Add((block, fm.Groups["name"].Value, type, fm.Groups["num"].Value, i));
                }
                else if (ProtoEnumValue().Match(l.Text) is { Success: true } em)
                {
                    (isRemoved ? removed : added).Add((block, em.Groups["name"].Value, "enum", em.Groups["num"].Value, i));
                }
            }

            var goneBlocks = removedBlocks.Where(b => !addedBlocks.Contains(b.Name)).Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var r in removed.Where(r => !goneBlocks.Contains(r.Block)))
            {
                var subject = $"{r.Block}.{r.Name}";
                var same = added.FirstOrDefault(a => a.Block == r.Block && a.Name == r.Name);
                if (same.Name is not null)
                {
                    if (same.Num != r.Num)
                    {
                        s.Add("api.proto.field-number-changed", f, lines[same.Index].Line, $"field {subject} moved from number {r.Num} to {same.Num}: old readers decode it as a different field", subject: subject);
                    }

                    if (same.Type != r.Type)
                    {
                        s.Add("api.proto.field-type-changed", f, lines[same.Index].Line, $"field {subject} changed type from '{r.Type}' to '{same.Type}': wire or generated-code incompatible", subject: subject);
                    }

                    continue;
                }

                var renamed = added.FirstOrDefault(a => a.Block == r.Block && a.Num == r.Num);
                var reason = renamed.Name is not null
                    ? $"field {subject} (number {r.Num}) renamed to {renamed.Name}: JSON and generated code break"
                    : $"field {subject} (number {r.Num}) removed{(r.Type == "enum" ? " (enum value)" : "")}; reserve the number and keep readers working";
                s.Add("api.proto.field-removed", f, lines[r.Index].Line, reason, subject: subject);
            }

            foreach (var a in added.Where(a => !removed.Any(r => r.Block == a.Block && (r.Name == a.Name || r.Num == a.Num))))
            {
                s.Add("api.proto.added", f, lines[a.Index].Line, $"field {a.Block}.{a.Name} = {a.Num} added", subject: $"{a.Block}.{a.Name}");
            }

            foreach (var b in removedBlocks.Where(b => !addedBlocks.Contains(b.Name)))
            {
                var rule = b.Kind == "service" ? "api.proto.rpc-removed" : "api.proto.message-removed";
                s.Add(rule, f, lines[b.Index].Line, $"{b.Kind} {b.Name} removed", subject: b.Name);
            }

            foreach (var r in removedRpcs)
            {
                if (!addedRpcs.TryGetValue(r.Name, out var sig))
                {
                    s.Add("api.proto.rpc-removed", f, lines[r.Index].Line, $"rpc {r.Name} removed: callers get UNIMPLEMENTED", subject: r.Name);
                }
                else if (sig != r.Sig)
                {
                    s.Add("api.proto.rpc-removed", f, lines[r.Index].Line, $"rpc {r.Name} changed its request or response type ({r.Sig} → {sig})", subject: r.Name);
                }
            }

            foreach (var name in addedRpcs.Keys.Where(n => removedRpcs.All(r => r.Name != n)))
            {
                s.Add("api.proto.added", f, f.FirstChangedLine, $"rpc {name} added", subject: name);
            }
        }

        if (s.CountFor(f.Path) == 0 && HunkScan.HasChanges(f))
        {
            s.Add("api.proto.changed", f, f.FirstChangedLine, "protobuf file edited without a field, message or RPC change (comments, options)");
        }
    }

    // ---------- GraphQL ----------
    [GeneratedRegex("""^\s*(?:extend\s+)?(?<kind>type|input|interface|enum|union|scalar)\s+(?<name>\w+)""")]
    private static partial Regex GqlType();

    [GeneratedRegex("""^\s*(?<name>\w+)\s*(?:\((?<args>[^)]*)\))?\s*:\s*(?<type>[\w!\[\]]+)(?<default>\s*=)?""")]
    internal static partial Regex GqlField();

    [GeneratedRegex("""(?<name>\w+)\s*:\s*(?<type>[\w!\[\]]+)(?<default>\s*=)?""")]
    internal static partial Regex GqlArg();

    public static void GraphQL(DiffFile f, FindingSink s)
    {
        if (f.Status == DiffFileStatus.Added)
        {
            s.Add("api.graphql.added", f, 1, "new GraphQL schema file", subject: f.Path);
            return;
        }

        if (GraphQLStructuralDiff.TryDiff(f, s))
        {
            return;
        }

        foreach (var hunk in f.Hunks)
        {
            var lines = hunk.Lines;
            var removedTypes = new List<(string Name, int Index)>();
            var addedTypes = new HashSet<string>(StringComparer.Ordinal);
            var removed = new List<(string Type, string Name, string FieldType, string Args, int Index)>();
            var added = new List<(string Type, string Kind, string Name, string FieldType, string Args, bool HasDefault, int Index)>();
            for (var i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                if (l.Kind == DiffLineKind.Context || l.Text.TrimStart().StartsWith('#') || l.Text.TrimStart().StartsWith('"'))
                {
                    continue;
                }

                if (GqlType().Match(l.Text) is { Success: true } tm)
                {
                    if (l.Kind == DiffLineKind.Removed)
                    {
                        removedTypes.Add((tm.Groups["name"].Value, i));
                    }
                    else
                    {
                        addedTypes.Add(tm.Groups["name"].Value);
                    }

                    continue;
                }

                if (GqlField().Match(l.Text) is not { Success: true } fm)
                {
                    continue;
                }

                // An argument on its own line inside a field's open parenthesis belongs to that field.
                if (OpenArgumentList(hunk, i) is { } owner)
                {
                    var ownerType = HunkScan.Enclosing(hunk, i, GqlType())?.Groups["name"].Value ?? "?";
                    var subject = $"{ownerType}.{owner}({fm.Groups["name"].Value})";
                    if (l.Kind == DiffLineKind.Added && fm.Groups["type"].Value.EndsWith('!') && !fm.Groups["default"].Success
                        && !hunk.Lines.Any(x => x.Kind == DiffLineKind.Removed && GqlField().Match(x.Text) is { Success: true } r && r.Groups["name"].Value == fm.Groups["name"].Value))
                    {
                        s.Add("api.graphql.required-argument-added", f, l.Line, $"required argument {fm.Groups["name"].Value}: {fm.Groups["type"].Value} added to {ownerType}.{owner}: existing queries fail", subject: subject);
                    }
                    else if (l.Kind == DiffLineKind.Removed && !hunk.Lines.Any(x => x.Kind == DiffLineKind.Added && GqlField().Match(x.Text) is { Success: true } a && a.Groups["name"].Value == fm.Groups["name"].Value))
                    {
                        s.Add("api.graphql.field-removed", f, l.Line, $"argument {fm.Groups["name"].Value} removed from {ownerType}.{owner}: queries that pass it fail", subject: subject);
                    }
                    else if (l.Kind == DiffLineKind.Added)
                    {
                        s.Add("api.graphql.added", f, l.Line, $"argument {fm.Groups["name"].Value} added to {ownerType}.{owner}", subject: subject);
                    }

                    continue;
                }

                var enclosing = HunkScan.Enclosing(hunk, i, GqlType());
                var typeName = enclosing?.Groups["name"].Value ?? "?";
                if (l.Kind == DiffLineKind.Removed)
                {
                    removed.Add((typeName, fm.Groups["name"].Value, fm.Groups["type"].Value, fm.Groups["args"].Value, i));
                }
                else
                {
                    added.Add((typeName, enclosing?.Groups["kind"].Value ?? "type", fm.Groups["name"].Value, fm.Groups["type"].Value, fm.Groups["args"].Value, fm.Groups["default"].Success, i));
                }
            }

            foreach (var t in removedTypes.Where(t => !addedTypes.Contains(t.Name)))
            {
                s.Add("api.graphql.type-removed", f, lines[t.Index].Line, $"type {t.Name} removed: queries that select it fail validation", subject: t.Name);
            }

            foreach (var r in removed)
            {
                var subject = $"{r.Type}.{r.Name}";
                var same = added.FirstOrDefault(a => a.Type == r.Type && a.Name == r.Name);
                if (same.Name is null)
                {
                    if (!removedTypes.Any(t => t.Name == r.Type && !addedTypes.Contains(t.Name)))
                    {
                        s.Add("api.graphql.field-removed", f, lines[r.Index].Line, $"field {subject} removed: queries that select it fail validation", subject: subject);
                    }

                    continue;
                }

                if (same.FieldType != r.FieldType)
                {
                    s.Add("api.graphql.type-changed", f, lines[same.Index].Line, $"field {subject} changed type from {r.FieldType} to {same.FieldType}", subject: subject);
                }

                var oldArgs = GqlArg().Matches(r.Args).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["type"].Value, StringComparer.Ordinal);
                foreach (Match arg in GqlArg().Matches(same.Args))
                {
                    var name = arg.Groups["name"].Value;
                    var type = arg.Groups["type"].Value;
                    if (!oldArgs.TryGetValue(name, out var oldType))
                    {
                        if (type.EndsWith('!') && !arg.Groups["default"].Success)
                        {
                            s.Add("api.graphql.required-argument-added", f, lines[same.Index].Line, $"required argument {name}: {type} added to {subject}: existing queries fail", subject: $"{subject}({name})");
                        }
                    }
                    else if (oldType != type)
                    {
                        s.Add("api.graphql.type-changed", f, lines[same.Index].Line, $"argument {name} of {subject} changed type from {oldType} to {type}", subject: $"{subject}({name})");
                    }
                }

                foreach (var name in oldArgs.Keys.Where(n => !GqlArg().Matches(same.Args).Any(m => m.Groups["name"].Value == n)))
                {
                    s.Add("api.graphql.field-removed", f, lines[same.Index].Line, $"argument {name} removed from {subject}: queries that pass it fail", subject: $"{subject}({name})");
                }
            }

            foreach (var a in added.Where(a => !removed.Any(r => r.Type == a.Type && r.Name == a.Name)))
            {
                var subject = $"{a.Type}.{a.Name}";
                if (a.Kind == "input" && a.FieldType.EndsWith('!') && !a.HasDefault && !addedTypes.Contains(a.Type))
                {
                    s.Add("api.graphql.required-argument-added", f, lines[a.Index].Line, $"required input field {subject}: {a.FieldType} added: existing mutations fail", subject: subject);
                }
                else
                {
                    s.Add("api.graphql.added", f, lines[a.Index].Line, $"field {subject} added", subject: subject);
                }
            }

            foreach (var t in addedTypes.Where(t => removedTypes.All(r => r.Name != t)))
            {
                s.Add("api.graphql.added", f, f.FirstChangedLine, $"type {t} added", subject: t);
            }
        }

        if (s.CountFor(f.Path) == 0 && HunkScan.HasChanges(f))
        {
            s.Add("api.graphql.added", f, f.FirstChangedLine, "GraphQL schema edited without a type or field change (descriptions, directives)");
        }
    }

    [GeneratedRegex(@"^\s*(?<name>\w+)\s*\(")]
    private static partial Regex GqlFieldOpen();

    /// <summary>The field whose argument list is still open above line <paramref name="index"/> (same side of the diff), if any.</summary>
    private static string? OpenArgumentList(DiffHunk hunk, int index)
    {
        var oldSide = hunk.Lines[index].Kind == DiffLineKind.Removed;
        var depth = 0;
        for (var i = index - 1; i >= 0; i--)
        {
            var l = hunk.Lines[i];
            if ((oldSide && l.Kind == DiffLineKind.Added) || (!oldSide && l.Kind == DiffLineKind.Removed))
            {
                continue;
            }

            depth += l.Text.Count(c => c == ')') - l.Text.Count(c => c == '(');
            if (depth < 0)
            {
                return GqlFieldOpen().Match(l.Text) is { Success: true } m ? m.Groups["name"].Value : null;
            }

            if (l.Text.Contains('{', StringComparison.Ordinal) || l.Text.Contains('}', StringComparison.Ordinal))
            {
                return null;
            }
        }

        var text = oldSide ? hunk.Content?.Old : hunk.Content?.New;
        var start = Math.Min(text?.Count ?? 0, (oldSide ? hunk.OldStart : hunk.NewStart) - 1) - 1;
        for (var i = start; text is not null && i >= 0 && i >= start - 50; i--)
        {
            depth += text[i].Count(c => c == ')') - text[i].Count(c => c == '(');
            if (depth < 0)
            {
                return GqlFieldOpen().Match(text[i]) is { Success: true } m ? m.Groups["name"].Value : null;
            }

            if (text[i].Contains('{', StringComparison.Ordinal) || text[i].Contains('}', StringComparison.Ordinal))
            {
                return null;
            }
        }

        return null;
    }

    // ---------- ASP.NET ----------
    [GeneratedRegex("""\[\s*(?<attr>Http(?:Get|Post|Put|Delete|Patch|Head|Options)|Route|AcceptVerbs)(?:Attribute)?\s*(?:\(\s*@?"(?<tpl>[^"]*)")?""")]
    private static partial Regex AspNetRouteAttribute();

    [GeneratedRegex("""\.Map(?<verb>Get|Post|Put|Delete|Patch|Methods|Group|Fallback|ControllerRoute)\s*\(\s*(?:name\s*:\s*"[^"]*"\s*,\s*(?:pattern\s*:\s*)?)?@?"(?<tpl>[^"]*)""")]
    private static partial Regex AspNetMinimalRoute();

    [GeneratedRegex("""^\s*public\s+(?:async\s+|virtual\s+|override\s+|static\s+)*(?<ret>[\w<>\[\],.?\s]+?)\s+(?<name>[A-Z]\w*)\s*\((?<params>[^)]*)\)?""")]
    private static partial Regex ControllerAction();

    [GeneratedRegex(@"(:\s*(Controller|ControllerBase)\b|\[ApiController\]|Controller\s*$)")]
    private static partial Regex ControllerMarker();

    [GeneratedRegex(@"\.(QueueDeclare|ExchangeDeclare|QueueBind|ExchangeBind|QueueDelete|ExchangeDelete|CreateTopicsAsync|DeleteTopicsAsync|CreateQueueAsync|DeleteQueueAsync|CreateTopicAsync|DeleteTopicAsync|CreateSubscriptionAsync|ReceiveEndpoint)(?:Async)?\s*(?:<[^>]*>)?\s*\(")]
    private static partial Regex BrokerDeclaration();

    /// <summary>Source files: routes and controller actions for .cs, broker declarations for any language; else <c>code.source</c>.</summary>
    public static void SourceCode(DiffFile f, FindingSink s, bool isTest)
    {
        if (!isTest && f.Path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
        {
            AspNet(f, s);
        }

        if (!isTest)
        {
            foreach (var l in HunkScan.Changed(f))
            {
                if (l.Text.Contains("Declare", StringComparison.Ordinal) || l.Text.Contains("Async", StringComparison.Ordinal) || l.Text.Contains("ReceiveEndpoint", StringComparison.Ordinal))
                {
                    var m = BrokerDeclaration().Match(l.Text);
                    if (m.Success)
                    {
                        s.Add("arch.broker-topology", f, l.Line, $"{(l.Kind == DiffLineKind.Added ? "adds" : "removes")} a broker declaration ({m.Groups[1].Value}) in code: the queue/topic topology changes", subject: m.Groups[1].Value);
                    }
                }
            }
        }

        if (s.CountFor(f.Path) == 0)
        {
            s.Add(isTest ? "code.test" : "code.source", f, f.FirstChangedLine, isTest ? "test code changed" : "source code changed without a route, contract or topology change");
        }
    }

    private static void AspNet(DiffFile f, FindingSink s)
    {
        var isController = f.Path.EndsWith("Controller.cs", StringComparison.Ordinal) || f.AllLines.Any(l => ControllerMarker().IsMatch(l.Text));
        foreach (var hunk in f.Hunks)
        {
            var removedRoutes = new List<(string Route, DiffLine Line)>();
            var addedRoutes = new List<(string Route, DiffLine Line)>();
            var removedActions = new List<(string Name, string Sig, DiffLine Line)>();
            var addedActions = new List<(string Name, string Sig, DiffLine Line)>();
            foreach (var l in hunk.Lines)
            {
                if (l.Kind == DiffLineKind.Context)
                {
                    continue;
                }

                string? route = null;
                if (l.Text.Contains('[', StringComparison.Ordinal) && AspNetRouteAttribute().Match(l.Text) is { Success: true } am)
                {
                    route = $"{am.Groups["attr"].Value.Replace("Http", "", StringComparison.Ordinal).ToUpperInvariant()} {am.Groups["tpl"].Value}".Trim();
                }
                else if (l.Text.Contains(".Map", StringComparison.Ordinal) && AspNetMinimalRoute().Match(l.Text) is { Success: true } mm)
                {
                    route = $"{mm.Groups["verb"].Value.ToUpperInvariant()} {mm.Groups["tpl"].Value}";
                }

                if (route is not null)
                {
                    (l.Kind == DiffLineKind.Removed ? removedRoutes : addedRoutes).Add((route, l));
                    continue;
                }

                if (isController && ControllerAction().Match(l.Text) is { Success: true } cm && !cm.Groups["ret"].Value.Contains("class", StringComparison.Ordinal))
                {
                    var sig = $"{Regex.Replace(cm.Groups["ret"].Value, @"\s+", " ")} {cm.Groups["name"].Value}({Regex.Replace(cm.Groups["params"].Value, @"\s+", " ").Trim()})";
                    (l.Kind == DiffLineKind.Removed ? removedActions : addedActions).Add((cm.Groups["name"].Value, sig, l));
                }
            }

            var unmatchedAdded = addedRoutes.Where(a => removedRoutes.All(r => Template(r.Route) != Template(a.Route))).ToList();
            foreach (var r in removedRoutes.Where(r => addedRoutes.All(a => Template(a.Route) != Template(r.Route))))
            {
                if (unmatchedAdded.Count > 0)
                {
                    var to = unmatchedAdded[0];
                    unmatchedAdded.RemoveAt(0);
                    s.Add("api.aspnet.route-changed", f, to.Line.Line, $"route '{r.Route}' changed to '{to.Route}': clients of the old route get 404/405", subject: r.Route);
                }
                else
                {
                    s.Add("api.aspnet.route-removed", f, r.Line.Line, $"route '{r.Route}' removed: its clients get 404", subject: r.Route);
                }
            }

            foreach (var a in unmatchedAdded)
            {
                s.Add("api.aspnet.route-added", f, a.Line.Line, $"route '{a.Route}' added", subject: a.Route);
            }

            foreach (var r in removedActions)
            {
                var same = addedActions.FirstOrDefault(a => a.Name == r.Name);
                if (same.Name is null)
                {
                    s.Add("api.aspnet.route-removed", f, r.Line.Line, $"controller action {r.Name} removed: its endpoint disappears", subject: r.Name);
                }
                else if (same.Sig != r.Sig)
                {
                    s.Add("api.aspnet.signature-changed", f, same.Line.Line, $"action {r.Name} changed from '{r.Sig}' to '{same.Sig}': binding of existing requests may fail", subject: r.Name);
                }
            }

            foreach (var a in addedActions.Where(a => removedActions.All(r => r.Name != a.Name)))
            {
                s.Add("api.aspnet.route-added", f, a.Line.Line, $"controller action {a.Name} added", subject: a.Name);
            }
        }
    }

    // ---------- shipped public API listings ----------
    /// <summary>PublicAPI.Shipped/Unshipped.txt across the whole diff: an entry moved between the two files is release bookkeeping, not a change.</summary>
    public static void PublicApiListings(IReadOnlyList<DiffFile> listings, FindingSink s)
    {
        static bool Meaningful(DiffLine l) => l.Text.Trim().Length > 0 && !l.Text.TrimStart().StartsWith('#');
        var addedEverywhere = listings.SelectMany(f => f.AllLines.Where(l => l.Kind == DiffLineKind.Added && Meaningful(l)).Select(l => l.Text.Trim())).ToHashSet(StringComparer.Ordinal);
        var removedEverywhere = listings.SelectMany(f => f.AllLines.Where(l => l.Kind == DiffLineKind.Removed && Meaningful(l)).Select(l => l.Text.Trim())).ToHashSet(StringComparer.Ordinal);
        foreach (var f in listings)
        {
            var unshipped = f.Path.Contains("Unshipped", StringComparison.OrdinalIgnoreCase);
            foreach (var l in f.AllLines.Where(Meaningful))
            {
                var entry = l.Text.Trim();
                if (l.Kind == DiffLineKind.Added && entry.StartsWith("*REMOVED*", StringComparison.Ordinal))
                {
                    s.Add("api.public.removed", f, l.Line, $"shipped API removed: {entry["*REMOVED*".Length..]}", subject: entry["*REMOVED*".Length..]);
                }
                else if (l.Kind == DiffLineKind.Removed && !addedEverywhere.Contains(entry) && !unshipped)
                {
                    s.Add("api.public.removed", f, l.Line, $"shipped API removed or changed: {entry}", subject: entry);
                }
                else if (l.Kind == DiffLineKind.Added && !removedEverywhere.Contains(entry))
                {
                    s.Add("api.public.added", f, l.Line, $"public API added: {entry}", subject: entry);
                }
            }

            if (s.CountFor(f.Path) == 0)
            {
                s.Add("api.public.added", f, f.FirstChangedLine, "public API listing reorganised (entries moved between shipped and unshipped)");
            }
        }
    }
}
