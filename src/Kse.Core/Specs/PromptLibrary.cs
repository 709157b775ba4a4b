using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kse.Core.Specs;

/// <summary>An argument a prompt takes.</summary>
public sealed record PromptArgumentInfo(string Name, string? Description, bool Required);

/// <summary>A prompt file from <c>prompts/</c>: YAML front matter (name, title, description, arguments) and a body with <c>{{placeholders}}</c>.</summary>
public sealed record PromptFile(string Name, string? Title, string? Description, IReadOnlyList<PromptArgumentInfo> Arguments, string Body);

/// <summary>
/// The prompts of <c>prompts/</c>, embedded in Kse.Core (a folder configured as <c>Kse:PromptsDir</c> replaces them),
/// rendered with the workspace's facts: required sections, the current validation, the dev-spec hand-off.
/// </summary>
public sealed partial class PromptLibrary
{
    private const string ResourcePrefix = "kse.prompts.";
    private readonly IReadOnlyList<PromptFile> _prompts;
    private readonly SpecService _specs;

    public PromptLibrary(SpecService specs, string? promptsDir = null)
    {
        _specs = specs;
        _prompts = Load(promptsDir);
    }

    public IReadOnlyList<PromptFile> Prompts => _prompts;

    [GeneratedRegex(@"\{\{\s*([a-z_]+)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    /// <summary>Renders prompt <paramref name="name"/>; unknown prompts, missing required arguments and invalid project names are errors.</summary>
    public string Render(string name, IReadOnlyDictionary<string, string?> arguments) => Render(name, arguments, null);

    /// <summary>Renders with extra placeholder values from a capability (<see cref="IPromptContext"/>); inserted text is not expanded again.</summary>
    public string Render(string name, IReadOnlyDictionary<string, string?> arguments, IReadOnlyDictionary<string, string>? context)
    {
        var prompt = _prompts.FirstOrDefault(p => p.Name == name)
            ?? throw KseException.NotFound("prompt.not_found", $"no prompt named '{name}': available are {string.Join(", ", _prompts.Select(p => p.Name))}");
        foreach (var arg in prompt.Arguments.Where(a => a.Required))
        {
            if (!arguments.TryGetValue(arg.Name, out var v) || string.IsNullOrWhiteSpace(v))
            {
                throw KseException.BadInput("prompt.argument_missing", $"prompt '{name}' needs the argument '{arg.Name}'");
            }
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in arguments)
        {
            values[k] = v ?? string.Empty;
        }

        var project = arguments.TryGetValue("project", out var p) ? p : null;
        values["required_sections"] = RequiredSections();
        values["validation"] = project is null ? "{}" : KseJson.Serialize(_specs.Validate(project), indented: true);
        var document = arguments.TryGetValue("document", out var d) && !string.IsNullOrWhiteSpace(d) ? SpecDocuments.Find(d).Name : null;
        values["document_scope"] = document is null ? "(all nine documents)" : $"(only {document})";
        values["handoff"] = Handoff();
        foreach (var (k, v) in context ?? new Dictionary<string, string>())
        {
            values[k] = v;
        }

        return Placeholder().Replace(prompt.Body, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);
    }

    private static string RequiredSections()
    {
        var sb = new StringBuilder();
        foreach (var doc in SpecDocuments.All.Where(d => !d.IsYaml))
        {
            sb.Append("- ").Append(doc.Name).Append(": ").AppendJoin(", ", doc.RequiredSections).Append('\n');
        }

        return sb.ToString().TrimEnd();
    }

    private string Handoff()
    {
        var status = _specs.Status();
        if (status.NeedOperationsSpec.Count == 0)
        {
            return "(none: every finished development spec has an operations spec)";
        }

        return string.Join('\n', status.Specs.Where(s => s.NeedsOperationsSpec).Select(s => $"- {s.Name} ({s.TasksDone}/{s.TasksTotal} tasks done): `{s.Action}`"));
    }

    private static List<PromptFile> Load(string? dir)
    {
        var files = new List<(string Name, string Text)>();
        if (dir is not null && Directory.Exists(dir))
        {
            files.AddRange(Directory.GetFiles(dir, "*.md").Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), InputLimits.ReadText(f, "prompt", f))));
        }
        else
        {
            var assembly = typeof(PromptLibrary).Assembly;
            foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
                files.Add((resource[ResourcePrefix.Length..], reader.ReadToEnd()));
            }
        }

        return files.Select(f => Parse(f.Name, f.Text)).ToList();
    }

    /// <summary>Parses one prompt file; a file without front matter or a name is an error that names the file.</summary>
    public static PromptFile Parse(string fileName, string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!normalized.StartsWith("---\n", StringComparison.Ordinal))
        {
            throw KseException.BadInput("prompt.invalid", $"{fileName}: a prompt file starts with '---' YAML front matter");
        }

        var end = normalized.IndexOf("\n---\n", 4, StringComparison.Ordinal);
        if (end < 0)
        {
            throw KseException.BadInput("prompt.invalid", $"{fileName}: the front matter is not closed with '---'");
        }

        YamlStream stream;
        try
        {
            stream = InputLimits.LoadYaml(normalized[4..end], "prompt", fileName);
        }
        catch (YamlException ex)
        {
            throw KseException.BadInput("prompt.invalid", $"{fileName}:{ex.Start.Line + 1}:{ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw KseException.BadInput("prompt.invalid", $"{fileName}: the front matter must be a mapping");
        }

        string? S(YamlMappingNode m, string k) => m.Children.TryGetValue(new YamlScalarNode(k), out var n) && n is YamlScalarNode s ? s.Value : null;
        var name = S(root, "name");
        if (string.IsNullOrWhiteSpace(name))
        {
            throw KseException.BadInput("prompt.invalid", $"{fileName}: the front matter has no 'name'");
        }

        var args = new List<PromptArgumentInfo>();
        if (root.Children.TryGetValue(new YamlScalarNode("arguments"), out var a) && a is YamlSequenceNode list)
        {
            foreach (var item in list.OfType<YamlMappingNode>())
            {
                var argName = S(item, "name") ?? throw KseException.BadInput("prompt.invalid", $"{fileName}:{item.Start.Line + 1}: an argument has no name");
                args.Add(new PromptArgumentInfo(argName, S(item, "description"), bool.TryParse(S(item, "required"), out var r) && r));
            }
        }

        return new PromptFile(name, S(root, "title"), S(root, "description"), args, normalized[(end + 5)..]);
    }
}
