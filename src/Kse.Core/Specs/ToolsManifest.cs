using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kse.Core.Specs;

/// <summary>A tool the project is operated with, as declared in <c>tools.yaml</c>.</summary>
public sealed record ToolDeclaration
{
    public required string Name { get; init; }

    public required string Purpose { get; init; }

    public required string Command { get; init; }

    public bool Native { get; init; }

    public string? VersionRequirement { get; init; }

    public IReadOnlyList<string> VersionProbe { get; init; } = [];

    public IReadOnlyDictionary<string, bool> AiFriendliness { get; init; } = new Dictionary<string, bool>();

    public bool NeedsRoot { get; init; }

    public int? TimeoutSeconds { get; init; }

    public string? SideEffects { get; init; }
}

/// <summary>Which tools to use for an operation, in order of preference.</summary>
public sealed record ToolStrategy(string Operation, IReadOnlyList<string> Preferred, IReadOnlyList<string> Fallback);

/// <summary>
/// <c>tools.yaml</c>, validated against its schema (docs/specs.md, "tools.yaml schema"). Every problem names its line and column.
/// </summary>
public sealed record ToolsManifest(IReadOnlyList<ToolDeclaration> Tools, IReadOnlyList<ToolStrategy> Strategies, IReadOnlyList<string> Errors, bool HasPlaceholder)
{
    private static readonly HashSet<string> TopKeys = ["version", "tools", "strategies"];
    private static readonly HashSet<string> ToolKeys = ["name", "purpose", "command", "native", "version", "aiFriendliness", "execution"];
    private static readonly HashSet<string> VersionKeys = ["requirement", "probe"];
    private static readonly HashSet<string> AiKeys = ["structuredOutput", "nonInteractive", "idempotent", "dryRun"];
    private static readonly HashSet<string> ExecutionKeys = ["needsRoot", "timeoutSeconds", "sideEffects"];
    private static readonly HashSet<string> StrategyKeys = ["preferred", "fallback"];

    /// <summary>The marker a template leaves in a comment line until the file is made the project's own.</summary>
    public const string PlaceholderMarker = "kse:fill";

    public bool IsValid => Errors.Count == 0;

    public static ToolsManifest Parse(string yaml, string fileName = SpecDocuments.ToolsYaml)
    {
        var errors = new List<string>();
        var tools = new List<ToolDeclaration>();
        var strategies = new List<ToolStrategy>();
        var placeholder = yaml.Split('\n').Any(l => l.TrimStart().StartsWith('#') && l.Contains(PlaceholderMarker, StringComparison.Ordinal));

        void Error(YamlNode node, string message) => errors.Add($"{fileName}:{node.Start.Line}:{node.Start.Column}: {message}");

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            errors.Add($"{fileName}:{ex.Start.Line}:{ex.Start.Column}: malformed YAML: {ex.InnerException?.Message ?? ex.Message}");
            return new ToolsManifest(tools, strategies, errors, placeholder);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add($"{fileName}:1:1: expected a mapping with 'tools' (a list) and optional 'version' and 'strategies'");
            return new ToolsManifest(tools, strategies, errors, placeholder);
        }

        CheckKeys(root, TopKeys, "top level", Error);
        if (Child(root, "version") is { } version && (version is not YamlScalarNode vs || vs.Value != "1"))
        {
            Error(version, "version must be 1");
        }

        var toolsNode = Child(root, "tools");
        if (toolsNode is null)
        {
            Error(root, "missing required key 'tools' (a list of tools)");
        }
        else if (toolsNode is not YamlSequenceNode toolList)
        {
            Error(toolsNode, "'tools' must be a list");
        }
        else
        {
            foreach (var item in toolList)
            {
                if (item is not YamlMappingNode t)
                {
                    Error(item, "each tool is a mapping with name, purpose and command");
                    continue;
                }

                var tool = ParseTool(t, Error);
                if (tool is null)
                {
                    continue;
                }

                if (tools.Any(x => x.Name == tool.Name))
                {
                    Error(t, $"tool '{tool.Name}' is declared twice");
                }

                tools.Add(tool);
            }
        }

        if (Child(root, "strategies") is { } strategiesNode)
        {
            if (strategiesNode is not YamlMappingNode strategyMap)
            {
                Error(strategiesNode, "'strategies' must map operation names to { preferred: [...], fallback: [...] }");
            }
            else
            {
                foreach (var (key, value) in strategyMap.Children)
                {
                    var op = (key as YamlScalarNode)?.Value ?? string.Empty;
                    if (value is not YamlMappingNode s)
                    {
                        Error(value, $"strategy '{op}' must be a mapping with 'preferred' and optional 'fallback'");
                        continue;
                    }

                    CheckKeys(s, StrategyKeys, $"strategy '{op}'", Error);
                    var preferred = StringList(s, "preferred", required: true, Error);
                    var fallback = StringList(s, "fallback", required: false, Error);
                    foreach (var (name, node) in preferred.Concat(fallback))
                    {
                        if (tools.All(x => x.Name != name))
                        {
                            Error(node, $"strategy '{op}' names tool '{name}', which is not declared under 'tools'");
                        }
                    }

                    strategies.Add(new ToolStrategy(op, preferred.Select(p => p.Value).ToList(), fallback.Select(p => p.Value).ToList()));
                }
            }
        }

        return new ToolsManifest(tools, strategies, errors, placeholder);
    }

    private static ToolDeclaration? ParseTool(YamlMappingNode t, Action<YamlNode, string> error)
    {
        CheckKeys(t, ToolKeys, "tool", error);
        var name = RequiredString(t, "name", "tool", error);
        var label = name is null ? "tool" : $"tool '{name}'";
        var purpose = RequiredString(t, "purpose", label, error);
        var command = RequiredString(t, "command", label, error);
        var native = Bool(t, "native", label, error) ?? false;
        string? requirement = null;
        IReadOnlyList<string> probe = [];
        if (Child(t, "version") is { } versionNode)
        {
            if (versionNode is YamlMappingNode v)
            {
                CheckKeys(v, VersionKeys, $"{label} version", error);
                requirement = (Child(v, "requirement") as YamlScalarNode)?.Value;
                probe = StringList(v, "probe", required: false, error).Select(p => p.Value).ToList();
            }
            else
            {
                error(versionNode, $"{label}: 'version' must be a mapping with 'requirement' and 'probe' (an argument list)");
            }
        }

        var ai = new Dictionary<string, bool>();
        if (Child(t, "aiFriendliness") is { } aiNode)
        {
            if (aiNode is YamlMappingNode a)
            {
                CheckKeys(a, AiKeys, $"{label} aiFriendliness", error);
                foreach (var key in AiKeys)
                {
                    if (Bool(a, key, $"{label} aiFriendliness", error) is { } b)
                    {
                        ai[key] = b;
                    }
                }
            }
            else
            {
                error(aiNode, $"{label}: 'aiFriendliness' must be a mapping of {string.Join(", ", AiKeys)} to true/false");
            }
        }

        bool needsRoot = false;
        int? timeout = null;
        string? sideEffects = null;
        if (Child(t, "execution") is { } execNode)
        {
            if (execNode is YamlMappingNode e)
            {
                CheckKeys(e, ExecutionKeys, $"{label} execution", error);
                needsRoot = Bool(e, "needsRoot", $"{label} execution", error) ?? false;
                if (Child(e, "timeoutSeconds") is { } to)
                {
                    if (to is YamlScalarNode ts && int.TryParse(ts.Value, out var seconds) && seconds > 0)
                    {
                        timeout = seconds;
                    }
                    else
                    {
                        error(to, $"{label}: execution.timeoutSeconds must be a positive whole number");
                    }
                }

                sideEffects = (Child(e, "sideEffects") as YamlScalarNode)?.Value;
            }
            else
            {
                error(execNode, $"{label}: 'execution' must be a mapping of needsRoot, timeoutSeconds, sideEffects");
            }
        }

        if (name is null || purpose is null || command is null)
        {
            return null;
        }

        return new ToolDeclaration
        {
            Name = name,
            Purpose = purpose,
            Command = command,
            Native = native,
            VersionRequirement = requirement,
            VersionProbe = probe,
            AiFriendliness = ai,
            NeedsRoot = needsRoot,
            TimeoutSeconds = timeout,
            SideEffects = sideEffects,
        };
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static void CheckKeys(YamlMappingNode map, HashSet<string> allowed, string where, Action<YamlNode, string> error)
    {
        foreach (var key in map.Children.Keys)
        {
            var k = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (!allowed.Contains(k))
            {
                error(key, $"unknown key '{k}' in {where}; allowed: {string.Join(", ", allowed)}");
            }
        }
    }

    private static string? RequiredString(YamlMappingNode map, string key, string where, Action<YamlNode, string> error)
    {
        var node = Child(map, key);
        if (node is null)
        {
            error(map, $"{where}: missing required key '{key}'");
            return null;
        }

        if (node is not YamlScalarNode s || string.IsNullOrWhiteSpace(s.Value))
        {
            error(node, $"{where}: '{key}' must be a non-empty string");
            return null;
        }

        return s.Value;
    }

    private static bool? Bool(YamlMappingNode map, string key, string where, Action<YamlNode, string> error)
    {
        var node = Child(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode s && bool.TryParse(s.Value, out var b))
        {
            return b;
        }

        error(node, $"{where}: '{key}' must be true or false");
        return null;
    }

    private static List<(string Value, YamlNode Node)> StringList(YamlMappingNode map, string key, bool required, Action<YamlNode, string> error)
    {
        var node = Child(map, key);
        if (node is null)
        {
            if (required)
            {
                error(map, $"missing required key '{key}' (a list)");
            }

            return [];
        }

        if (node is not YamlSequenceNode seq)
        {
            error(node, $"'{key}' must be a list of strings");
            return [];
        }

        var result = new List<(string, YamlNode)>();
        foreach (var item in seq)
        {
            if (item is YamlScalarNode s && !string.IsNullOrEmpty(s.Value))
            {
                result.Add((s.Value, item));
            }
            else
            {
                error(item, $"'{key}' entries must be strings");
            }
        }

        return result;
    }
}
