using System.Text;

namespace Kse.Core.Execution;

/// <summary>
/// One argument of an operation's command: literal text with <c>{name}</c> placeholders (<c>{{</c> and <c>}}</c> are
/// literal braces). Substitution always yields exactly one argument, whatever the values contain.
/// </summary>
internal sealed record ArgumentTemplate(IReadOnlyList<ArgumentTemplate.Segment> Segments)
{
    internal sealed record Segment(string Text, bool IsPlaceholder);

    public IEnumerable<string> Placeholders => Segments.Where(s => s.IsPlaceholder).Select(s => s.Text);

    /// <summary>Splits <paramref name="arg"/> into literals and placeholders; <paramref name="error"/> names the first problem.</summary>
    public static ArgumentTemplate? TryParse(string arg, out string? error)
    {
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        for (var i = 0; i < arg.Length; i++)
        {
            var c = arg[i];
            if (c == '{' && i + 1 < arg.Length && arg[i + 1] == '{')
            {
                literal.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < arg.Length && arg[i + 1] == '}')
            {
                literal.Append('}');
                i++;
            }
            else if (c == '{')
            {
                var end = arg.IndexOf('}', i + 1);
                if (end < 0)
                {
                    error = $"argument '{arg}' has an unclosed '{{' (write '{{{{' for a literal brace)";
                    return null;
                }

                var name = arg[(i + 1)..end];
                if (!OperationBlockParser.IsIdentifier(name))
                {
                    error = $"argument '{arg}' has an invalid placeholder '{{{name}}}'";
                    return null;
                }

                if (literal.Length > 0)
                {
                    segments.Add(new Segment(literal.ToString(), false));
                    literal.Clear();
                }

                segments.Add(new Segment(name, true));
                i = end;
            }
            else if (c == '}')
            {
                error = $"argument '{arg}' has an unmatched '}}' (write '}}}}' for a literal brace)";
                return null;
            }
            else
            {
                literal.Append(c);
            }
        }

        if (literal.Length > 0 || segments.Count == 0)
        {
            segments.Add(new Segment(literal.ToString(), false));
        }

        error = null;
        return new ArgumentTemplate(segments);
    }

    public string Render(IReadOnlyDictionary<string, string> values)
    {
        var sb = new StringBuilder();
        foreach (var s in Segments)
        {
            sb.Append(s.IsPlaceholder ? values[s.Text] : s.Text);
        }

        return sb.ToString();
    }
}
