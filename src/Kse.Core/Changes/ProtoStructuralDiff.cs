using System.Text.RegularExpressions;

namespace Kse.Core.Changes;

/// <summary>
/// When a diff from git carries the full old and new .proto files, compares their messages, fields, enum values and RPCs
/// the way buf breaking (FILE/WIRE) does, instead of reading hunks. Returns false without both texts.
/// </summary>
internal static partial class ProtoStructuralDiff
{
    private sealed record Field(string Type, string Number, int Line);

    private sealed record Block(string Kind, string Name, int Line)
    {
        public Dictionary<string, Field> Fields { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (string Signature, int Line)> Rpcs { get; } = new(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^\s*(?<kind>message|enum|service|oneof)\s+(?<name>\w+)\s*\{?")]
    private static partial Regex BlockStart();

    public static bool TryDiff(DiffFile f, FindingSink s)
    {
        if (f.Content is not { Old: { } oldText, New: { } newText } || f.Status != DiffFileStatus.Modified && f.Status != DiffFileStatus.Renamed)
        {
            return false;
        }

        var old = Parse(oldText);
        var neu = Parse(newText);
        var before = s.CountFor(f.Path);
        foreach (var (name, ob) in old)
        {
            if (!neu.TryGetValue(name, out var nb))
            {
                var rule = ob.Kind == "service" ? "api.proto.rpc-removed" : "api.proto.message-removed";
                if (ob.Kind != "oneof")
                {
                    s.Add(rule, f, f.FirstChangedLine, $"{ob.Kind} {name} removed", subject: name);
                }

                continue;
            }

            foreach (var (field, of) in ob.Fields)
            {
                var subject = $"{name}.{field}";
                if (nb.Fields.TryGetValue(field, out var nf))
                {
                    if (nf.Number != of.Number)
                    {
                        s.Add("api.proto.field-number-changed", f, nf.Line, $"field {subject} moved from number {of.Number} to {nf.Number}: old readers decode it as a different field", subject: subject);
                    }

                    if (nf.Type != of.Type)
                    {
                        s.Add("api.proto.field-type-changed", f, nf.Line, $"field {subject} changed type from '{of.Type}' to '{nf.Type}': wire or generated-code incompatible", subject: subject);
                    }

                    continue;
                }

                var renamed = nb.Fields.FirstOrDefault(x => x.Value.Number == of.Number && !ob.Fields.ContainsKey(x.Key));
                s.Add("api.proto.field-removed", f, renamed.Value?.Line ?? nb.Line,
                    renamed.Key is not null ? $"field {subject} (number {of.Number}) renamed to {renamed.Key}: JSON and generated code break" : $"field {subject} (number {of.Number}) removed{(ob.Kind == "enum" ? " (enum value)" : "")}; reserve the number and keep readers working",
                    subject: subject);
            }

            foreach (var (field, nf) in nb.Fields.Where(x => !ob.Fields.ContainsKey(x.Key) && ob.Fields.Values.All(o => o.Number != x.Value.Number)))
            {
                s.Add("api.proto.added", f, nf.Line, $"field {name}.{field} = {nf.Number} added", subject: $"{name}.{field}");
            }

            foreach (var (rpc, (sig, _)) in ob.Rpcs)
            {
                if (!nb.Rpcs.TryGetValue(rpc, out var now))
                {
                    s.Add("api.proto.rpc-removed", f, nb.Line, $"rpc {name}.{rpc} removed: callers get UNIMPLEMENTED", subject: $"{name}.{rpc}");
                }
                else if (now.Signature != sig)
                {
                    s.Add("api.proto.rpc-removed", f, now.Line, $"rpc {name}.{rpc} changed its request or response type ({sig} → {now.Signature})", subject: $"{name}.{rpc}");
                }
            }

            foreach (var (rpc, (_, line)) in nb.Rpcs.Where(x => !ob.Rpcs.ContainsKey(x.Key)))
            {
                s.Add("api.proto.added", f, line, $"rpc {name}.{rpc} added", subject: $"{name}.{rpc}");
            }
        }

        foreach (var (name, nb) in neu.Where(x => !old.ContainsKey(x.Key) && x.Value.Kind != "oneof"))
        {
            s.Add("api.proto.added", f, nb.Line, $"{nb.Kind} {name} added", subject: name);
        }

        if (s.CountFor(f.Path) == before)
        {
            s.Add("api.proto.changed", f, f.FirstChangedLine, "protobuf file edited without a field, message or RPC change (comments, options)");
        }

        return true;
    }

    /// <summary>Blocks by qualified name (<c>Outer.Inner</c>); a oneof's fields belong to its message.</summary>
    private static Dictionary<string, Block> Parse(IReadOnlyList<string> lines)
    {
        var blocks = new Dictionary<string, Block>(StringComparer.Ordinal);
        var stack = new Stack<(Block? Block, string Path)>();
        for (var i = 0; i < lines.Count; i++)
        {
            var text = lines[i];
            var comment = text.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0)
            {
                text = text[..comment];
            }

            var opens = text.Count(c => c == '{');
            var closes = text.Count(c => c == '}');
            var owner = stack.FirstOrDefault(x => x.Block is { Kind: not "oneof" }).Block;
            if (BlockStart().Match(text) is { Success: true } bm)
            {
                var parentPath = stack.Count > 0 ? stack.Peek().Path : "";
                var kind = bm.Groups["kind"].Value;
                var path = kind == "oneof" ? parentPath : (parentPath.Length == 0 ? bm.Groups["name"].Value : $"{parentPath}.{bm.Groups["name"].Value}");
                var block = kind == "oneof" ? owner : new Block(kind, path, i + 1);
                if (block is not null && kind != "oneof")
                {
                    blocks.TryAdd(path, block);
                }

                stack.Push((block, path));
                opens--;
            }
            else if (owner is not null)
            {
                if (owner.Kind == "service" && ApiRules.ProtoRpc().Match(text) is { Success: true } rm)
                {
                    owner.Rpcs.TryAdd(rm.Groups["name"].Value, (ApiRules.RpcSignature(rm), i + 1));
                }
                else if (owner.Kind == "enum" && ApiRules.ProtoEnumValue().Match(text) is { Success: true } em)
                {
                    owner.Fields.TryAdd(em.Groups["name"].Value, new Field("enum", em.Groups["num"].Value, i + 1));
                }
                else if (owner.Kind == "message" && ApiRules.ProtoField().Match(text) is { Success: true } fm && fm.Groups["type"].Value is not "option" and not "reserved" and not "extensions")
                {
                    owner.Fields.TryAdd(fm.Groups["name"].Value, new Field(ApiRules.FieldType(fm), fm.Groups["num"].Value, i + 1));
                }
            }

            for (var k = 0; k < opens; k++)
            {
                stack.Push((stack.Count > 0 ? stack.Peek().Block : null, stack.Count > 0 ? stack.Peek().Path : ""));
            }

            for (var k = 0; k < closes && stack.Count > 0; k++)
            {
                stack.Pop();
            }
        }

        return blocks;
    }
}
