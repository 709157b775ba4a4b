using System.Text.RegularExpressions;

namespace Kse.Core.Changes;

/// <summary>
/// When a diff from git carries the full old and new GraphQL schemas, compares types, fields, arguments and input fields as
/// declarations instead of reading hunks. Returns false without both texts.
/// </summary>
internal static partial class GraphQLStructuralDiff
{
    private sealed record Field(string Type, Dictionary<string, (string Type, bool HasDefault)> Args, bool HasDefault, int Line);

    private sealed record TypeDef(string Kind, int Line)
    {
        public Dictionary<string, Field> Fields { get; } = new(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^\s*(?:extend\s+)?(?<kind>type|input|interface|enum|union|scalar|schema)\b\s*(?<name>\w+)?")]
    private static partial Regex TypeStart();

    [GeneratedRegex(@"^\s*(?<name>[A-Z_][A-Z0-9_]*)\s*(?:@.*)?$")]
    private static partial Regex EnumValue();

    public static bool TryDiff(DiffFile f, FindingSink s)
    {
        if (f.Content is not { Old: { } oldText, New: { } newText } || f.Status is not (DiffFileStatus.Modified or DiffFileStatus.Renamed))
        {
            return false;
        }

        var old = Parse(oldText);
        var neu = Parse(newText);
        var before = s.CountFor(f.Path);
        foreach (var (name, ot) in old)
        {
            if (!neu.TryGetValue(name, out var nt))
            {
                s.Add("api.graphql.type-removed", f, f.FirstChangedLine, $"{ot.Kind} {name} removed: queries that use it fail validation", subject: name);
                continue;
            }

            foreach (var (field, of) in ot.Fields)
            {
                var subject = $"{name}.{field}";
                if (!nt.Fields.TryGetValue(field, out var nf))
                {
                    s.Add("api.graphql.field-removed", f, nt.Line, $"{(ot.Kind == "enum" ? "enum value" : "field")} {subject} removed: queries that select it fail validation", subject: subject);
                    continue;
                }

                if (nf.Type != of.Type)
                {
                    s.Add("api.graphql.type-changed", f, nf.Line, $"field {subject} changed type from {of.Type} to {nf.Type}", subject: subject);
                }

                foreach (var (arg, (type, hasDefault)) in nf.Args)
                {
                    if (!of.Args.TryGetValue(arg, out var oldArg))
                    {
                        if (type.EndsWith('!') && !hasDefault)
                        {
                            s.Add("api.graphql.required-argument-added", f, nf.Line, $"required argument {arg}: {type} added to {subject}: existing queries fail", subject: $"{subject}({arg})");
                        }
                        else
                        {
                            s.Add("api.graphql.added", f, nf.Line, $"optional argument {arg} added to {subject}", subject: $"{subject}({arg})");
                        }
                    }
                    else if (oldArg.Type != type)
                    {
                        s.Add("api.graphql.type-changed", f, nf.Line, $"argument {arg} of {subject} changed type from {oldArg.Type} to {type}", subject: $"{subject}({arg})");
                    }
                }

                foreach (var arg in of.Args.Keys.Where(a => !nf.Args.ContainsKey(a)))
                {
                    s.Add("api.graphql.field-removed", f, nf.Line, $"argument {arg} removed from {subject}: queries that pass it fail", subject: $"{subject}({arg})");
                }
            }

            foreach (var (field, nf) in nt.Fields.Where(x => !ot.Fields.ContainsKey(x.Key)))
            {
                var required = nt.Kind == "input" && nf.Type.EndsWith('!') && !nf.HasDefault;
                s.Add(required ? "api.graphql.required-argument-added" : "api.graphql.added", f, nf.Line,
                    required ? $"required input field {name}.{field}: {nf.Type} added: existing mutations fail" : $"field {name}.{field} added", subject: $"{name}.{field}");
            }
        }

        foreach (var (name, nt) in neu.Where(x => !old.ContainsKey(x.Key)))
        {
            s.Add("api.graphql.added", f, nt.Line, $"{nt.Kind} {name} added", subject: name);
        }

        if (s.CountFor(f.Path) == before)
        {
            s.Add("api.graphql.added", f, f.FirstChangedLine, "GraphQL schema edited without a type or field change (descriptions, directives)");
        }

        return true;
    }

    private static Dictionary<string, TypeDef> Parse(IReadOnlyList<string> lines)
    {
        var types = new Dictionary<string, TypeDef>(StringComparer.Ordinal);
        TypeDef? current = null;
        var inDescription = false;
        var pending = "";
        var pendingLine = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var text = lines[i];
            if (pending.Length > 0)
            {
                // A field whose arguments span several lines is read once its parentheses close.
                text = pending + " " + text;
                if (text.Count(c => c == '(') > text.Count(c => c == ')'))
                {
                    pending = text;
                    continue;
                }

                pending = "";
            }
            else
            {
                pendingLine = i;
            }

            var hash = text.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                text = text[..hash];
            }

            // Block descriptions ("""...""") are documentation, not schema.
            var quotes = Regex.Matches(text, "\"\"\"").Count;
            if (inDescription || quotes > 0)
            {
                if (quotes % 2 == 1)
                {
                    inDescription = !inDescription;
                }

                continue;
            }

            if (current is null)
            {
                if (TypeStart().Match(text) is { Success: true } tm && tm.Groups["name"].Success && text.Contains('{', StringComparison.Ordinal))
                {
                    var def = new TypeDef(tm.Groups["kind"].Value, i + 1);
                    types.TryAdd(tm.Groups["name"].Value, def);
                    current = types[tm.Groups["name"].Value];
                }
                else if (TypeStart().Match(text) is { Success: true } simple && simple.Groups["name"].Success)
                {
                    types.TryAdd(simple.Groups["name"].Value, new TypeDef(simple.Groups["kind"].Value, i + 1));
                }

                continue;
            }

            if (text.Contains('}', StringComparison.Ordinal) && !text.Contains(':', StringComparison.Ordinal))
            {
                current = null;
                continue;
            }

            if (text.Count(c => c == '(') > text.Count(c => c == ')'))
            {
                pending = text;
                continue;
            }

            if (current.Kind == "enum" && EnumValue().Match(text) is { Success: true } em)
            {
                current.Fields.TryAdd(em.Groups["name"].Value, new Field("enum", [], false, pendingLine + 1));
            }
            else if (ApiRules.GqlField().Match(text) is { Success: true } fm)
            {
                var args = ApiRules.GqlArg().Matches(fm.Groups["args"].Value).ToDictionary(m => m.Groups["name"].Value, m => (m.Groups["type"].Value, m.Groups["default"].Success), StringComparer.Ordinal);
                current.Fields.TryAdd(fm.Groups["name"].Value, new Field(fm.Groups["type"].Value, args, fm.Groups["default"].Success, pendingLine + 1));
            }
        }

        return types;
    }
}
