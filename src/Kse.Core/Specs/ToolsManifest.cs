using System.Globalization;
using System.Text.RegularExpressions;
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

    /// <summary>A version range; <c>{target}</c>, <c>{target.major}</c> and <c>{target.minor}</c> stand for the target's version.</summary>
    public string? VersionRequirement { get; init; }

    /// <summary>The argument vector that prints the version (the versionCommand).</summary>
    public IReadOnlyList<string> VersionProbe { get; init; } = [];

    /// <summary>A regular expression that finds the version in the probe's output (group <c>version</c>, else group 1, else the match).</summary>
    public string? VersionPattern { get; init; }

    public IReadOnlyDictionary<string, bool> AiFriendliness { get; init; } = new Dictionary<string, bool>();

    public bool NeedsRoot { get; init; }

    public int? TimeoutSeconds { get; init; }

    public string? SideEffects { get; init; }

    /// <summary>Package name per package manager (apt, dnf, apk, brew, winget).</summary>
    public IReadOnlyDictionary<string, string> Install { get; init; } = new Dictionary<string, string>();

    public ToolPerformance Performance { get; init; } = new();

    /// <summary>1-based line of the tool's entry.</summary>
    public int Line { get; init; }
}

/// <summary>What a network link a tool needs to its data.</summary>
public enum NetworkNeed
{
    /// <summary>Works offline (a local snapshot).</summary>
    None,
    /// <summary>Works over a slow link.</summary>
    Slow,
    /// <summary>Needs a fast link to be practical.</summary>
    Fast,
}

/// <summary>How a tool performs: the data-size band it suits, its throughput, whether it resumes, what it needs.</summary>
public sealed record ToolPerformance
{
    /// <summary>Inclusive lower edge of the data-size band, in bytes.</summary>
    public long? DataSizeMin { get; init; }

    /// <summary>Exclusive upper edge of the data-size band, in bytes.</summary>
    public long? DataSizeMax { get; init; }

    public double? ThroughputBytesPerSecond { get; init; }

    /// <summary>Continues where it stopped after an interruption.</summary>
    public bool? Resumable { get; init; }

    public NetworkNeed? Network { get; init; }

    /// <summary>Free disk needed on the instance as a multiple of the data size (0.3 for a compressed dump, 0 for a snapshot).</summary>
    public double? DiskSpace { get; init; }

    public long? MinMemoryBytes { get; init; }

    /// <summary>Throughput grows with CPU cores (up to 8).</summary>
    public bool Parallel { get; init; }
}

/// <summary>One tool a strategy may use, with the command it runs for an operation that names the strategy.</summary>
public sealed record StrategyCandidate(string Tool, IReadOnlyList<string> Command);

/// <summary>Which tools can do an operation: the candidates the selection ranks (<c>preferred</c>, <c>fallback</c> and <c>candidates</c>, in that order).</summary>
public sealed record ToolStrategy(string Operation, IReadOnlyList<string> Preferred, IReadOnlyList<string> Fallback)
{
    public string? Description { get; init; }

    /// <summary>Every candidate, each tool once, in declaration order.</summary>
    public IReadOnlyList<StrategyCandidate> Candidates { get; init; } = [];

    public int Line { get; init; }
}

/// <summary>The weights of the selection score; defaults 0.4 AI-friendliness, 0.3 native, 0.3 efficiency in context.</summary>
public sealed record SelectionWeights(double AiFriendliness = 0.4, double Native = 0.3, double Efficiency = 0.3)
{
    public static SelectionWeights Default { get; } = new();
}

/// <summary>How to read the target's own version on an instance (e.g. the PostgreSQL server's), for requirements that reference it.</summary>
public sealed record TargetVersionProbe(IReadOnlyList<string> Command, string? Pattern);

/// <summary>
/// <c>tools.yaml</c>, validated against its schema (docs/specs.md, "tools.yaml schema"). Every problem names its line and column.
/// </summary>
public sealed record ToolsManifest(IReadOnlyList<ToolDeclaration> Tools, IReadOnlyList<ToolStrategy> Strategies, IReadOnlyList<string> Errors, bool HasPlaceholder)
{
    private static readonly HashSet<string> TopKeys = ["version", "tools", "strategies", "weights", "target"];
    private static readonly HashSet<string> ToolKeys = ["name", "purpose", "command", "native", "version", "aiFriendliness", "execution", "install", "performance"];
    private static readonly HashSet<string> VersionKeys = ["requirement", "command", "probe", "pattern"];
    private static readonly HashSet<string> AiKeys = ["cliOnly", "structuredOutput", "clearExitCodes", "nonInteractive", "idempotent", "dryRun"];
    private static readonly HashSet<string> ExecutionKeys = ["needsRoot", "timeoutSeconds", "sideEffects"];
    private static readonly HashSet<string> StrategyKeys = ["description", "preferred", "fallback", "candidates"];
    private static readonly HashSet<string> CandidateKeys = ["tool", "command"];
    private static readonly HashSet<string> PerformanceKeys = ["dataSize", "throughput", "resumable", "network", "diskSpace", "minMemory", "parallel"];
    private static readonly HashSet<string> BandKeys = ["min", "max"];
    private static readonly HashSet<string> WeightKeys = ["aiFriendliness", "native", "efficiency"];
    private static readonly HashSet<string> TargetKeys = ["command", "pattern"];

    /// <summary>The package managers install hints may name.</summary>
    public static readonly IReadOnlyList<string> PackageManagers = ["apt", "dnf", "apk", "brew", "winget"];

    private static readonly Regex PackageName = new(@"^[A-Za-z0-9][A-Za-z0-9.+_:@/-]{0,127}$", RegexOptions.CultureInvariant);

    /// <summary>The marker a template leaves in a comment line until the file is made the project's own.</summary>
    public const string PlaceholderMarker = "kse:fill";

    public bool IsValid => Errors.Count == 0;

    public SelectionWeights Weights { get; init; } = SelectionWeights.Default;

    public TargetVersionProbe? Target { get; init; }

    public ToolDeclaration? FindTool(string name) => Tools.FirstOrDefault(t => t.Name == name);

    public ToolStrategy? FindStrategy(string operation) => Strategies.FirstOrDefault(s => s.Operation == operation);

    public static ToolsManifest Parse(string yaml, string fileName = SpecDocuments.ToolsYaml)
    {
        var errors = new List<string>();
        var tools = new List<ToolDeclaration>();
        var strategies = new List<ToolStrategy>();
        var placeholder = yaml.Split('\n').Any(l => l.TrimStart().StartsWith('#') && l.Contains(PlaceholderMarker, StringComparison.Ordinal));

        void Error(YamlNode node, string message) => errors.Add($"{fileName}:{node.Start.Line}:{node.Start.Column}: {message}");

        YamlStream stream;
        try
        {
            stream = InputLimits.LoadYaml(yaml, "spec.tools", fileName);
        }
        catch (YamlException ex)
        {
            errors.Add($"{fileName}:{ex.Start.Line}:{ex.Start.Column}: malformed YAML: {ex.InnerException?.Message ?? ex.Message}");
            return new ToolsManifest(tools, strategies, errors, placeholder);
        }
        catch (KseException ex)
        {
            errors.Add($"{ex.Code}: {ex.Message}");
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
                Error(strategiesNode, "'strategies' must map operation names to { preferred: [...], fallback: [...], candidates: [...] }");
            }
            else
            {
                foreach (var (key, value) in strategyMap.Children)
                {
                    var op = (key as YamlScalarNode)?.Value ?? string.Empty;
                    if (value is not YamlMappingNode s)
                    {
                        Error(value, $"strategy '{op}' must be a mapping with 'preferred', 'fallback' or 'candidates'");
                        continue;
                    }

                    if (ParseStrategy(op, s, tools, Error) is { } strategy)
                    {
                        strategies.Add(strategy with { Line = (int)key.Start.Line });
                    }
                }
            }
        }

        var weights = Child(root, "weights") is { } weightsNode ? ParseWeights(weightsNode, Error) : SelectionWeights.Default;
        TargetVersionProbe? target = null;
        if (Child(root, "target") is { } targetNode)
        {
            if (targetNode is YamlMappingNode tm)
            {
                CheckKeys(tm, TargetKeys, "target", Error);
                var command = StringList(tm, "command", required: true, Error).Select(p => p.Value).ToList();
                var pattern = Pattern(tm, "target", Error);
                target = command.Count > 0 ? new TargetVersionProbe(command, pattern) : null;
            }
            else
            {
                Error(targetNode, "'target' must be a mapping with 'command' (an argument list that prints the target's version) and optional 'pattern'");
            }
        }

        return new ToolsManifest(tools, strategies, errors, placeholder) { Weights = weights, Target = target };
    }

    private static ToolStrategy? ParseStrategy(string op, YamlMappingNode s, List<ToolDeclaration> tools, Action<YamlNode, string> error)
    {
        CheckKeys(s, StrategyKeys, $"strategy '{op}'", error);
        var hasCandidates = Child(s, "candidates") is not null;
        var preferred = StringList(s, "preferred", required: !hasCandidates, error);
        var fallback = StringList(s, "fallback", required: false, error);
        var candidates = new List<StrategyCandidate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        void Add(string name, IReadOnlyList<string> command, YamlNode node)
        {
            if (tools.All(x => x.Name != name))
            {
                error(node, $"strategy '{op}' names tool '{name}', which is not declared under 'tools'");
            }

            if (!seen.Add(name))
            {
                error(node, $"strategy '{op}' names tool '{name}' twice");
                return;
            }

            candidates.Add(new StrategyCandidate(name, command));
        }

        foreach (var (name, node) in preferred.Concat(fallback))
        {
            Add(name, [], node);
        }

        if (Child(s, "candidates") is { } candNode)
        {
            if (candNode is not YamlSequenceNode seq)
            {
                error(candNode, $"strategy '{op}': 'candidates' must be a list of tool names or {{ tool, command }} mappings");
            }
            else
            {
                foreach (var item in seq)
                {
                    switch (item)
                    {
                        case YamlScalarNode { Value: { Length: > 0 } name }:
                            Add(name, [], item);
                            break;
                        case YamlMappingNode m:
                            CheckKeys(m, CandidateKeys, $"strategy '{op}' candidate", error);
                            var tool = RequiredString(m, "tool", $"strategy '{op}' candidate", error);
                            var command = StringList(m, "command", required: false, error);
                            if (command.Count > 0 && command[0].Value.Contains('{', StringComparison.Ordinal))
                            {
                                error(command[0].Node, $"strategy '{op}': the program (first argument) of a command must be literal");
                            }

                            if (tool is not null)
                            {
                                Add(tool, command.Select(c => c.Value).ToList(), m);
                            }

                            break;
                        default:
                            error(item, $"strategy '{op}': each candidate is a tool name or a {{ tool, command }} mapping");
                            break;
                    }
                }
            }
        }

        if (candidates.Count == 0 && (preferred.Count > 0 || hasCandidates))
        {
            error(s, $"strategy '{op}' has no candidate tool");
        }

        return new ToolStrategy(op, preferred.Select(p => p.Value).ToList(), fallback.Select(p => p.Value).ToList())
        {
            Description = (Child(s, "description") as YamlScalarNode)?.Value,
            Candidates = candidates,
        };
    }

    private static SelectionWeights ParseWeights(YamlNode node, Action<YamlNode, string> error)
    {
        if (node is not YamlMappingNode w)
        {
            error(node, "'weights' must be a mapping of aiFriendliness, native and efficiency to numbers");
            return SelectionWeights.Default;
        }

        CheckKeys(w, WeightKeys, "weights", error);
        var d = SelectionWeights.Default;
        var ai = Number(w, "aiFriendliness", "weights", 0, 1, error) ?? d.AiFriendliness;
        var native = Number(w, "native", "weights", 0, 1, error) ?? d.Native;
        var eff = Number(w, "efficiency", "weights", 0, 1, error) ?? d.Efficiency;
        var sum = ai + native + eff;
        if (Math.Abs(sum - 1) > 0.001)
        {
            error(w, $"weights must add up to 1 (they add up to {sum.ToString("0.###", CultureInfo.InvariantCulture)})");
            return d;
        }

        return new SelectionWeights(ai, native, eff);
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
        string? pattern = null;
        IReadOnlyList<string> probe = [];
        if (Child(t, "version") is { } versionNode)
        {
            if (versionNode is YamlMappingNode v)
            {
                CheckKeys(v, VersionKeys, $"{label} version", error);
                if (Child(v, "requirement") is { } reqNode)
                {
                    requirement = (reqNode as YamlScalarNode)?.Value;
                    string? why = "must be a string";
                    if (requirement is null || !VersionRequirement.TryParse(requirement, out _, out why))
                    {
                        error(reqNode, $"{label}: version requirement '{requirement}' is not a version range ({why})");
                    }
                }

                if (Child(v, "command") is not null && Child(v, "probe") is not null)
                {
                    error(v, $"{label}: give the version command once, as 'command' ('probe' is its older name)");
                }

                probe = StringList(v, Child(v, "command") is not null ? "command" : "probe", required: false, error).Select(p => p.Value).ToList();
                pattern = Pattern(v, $"{label} version", error);
            }
            else
            {
                error(versionNode, $"{label}: 'version' must be a mapping with 'command' (an argument list that prints the version), 'pattern' and 'requirement'");
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

        var install = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Child(t, "install") is { } installNode)
        {
            if (installNode is YamlMappingNode im)
            {
                CheckKeys(im, [.. PackageManagers], $"{label} install", error);
                foreach (var (k, val) in im.Children)
                {
                    var manager = (k as YamlScalarNode)?.Value ?? "";
                    if (!PackageManagers.Contains(manager))
                    {
                        continue;
                    }

                    if (val is YamlScalarNode { Value: { } pkg } && PackageName.IsMatch(pkg))
                    {
                        install[manager] = pkg;
                    }
                    else
                    {
                        error(val, $"{label}: install.{manager} must be one package name (letters, digits and . + _ : @ / -)");
                    }
                }
            }
            else
            {
                error(installNode, $"{label}: 'install' must map package managers ({string.Join(", ", PackageManagers)}) to package names");
            }
        }

        var performance = Child(t, "performance") is { } perfNode ? ParsePerformance(perfNode, label, error) : new ToolPerformance();

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
            VersionPattern = pattern,
            AiFriendliness = ai,
            NeedsRoot = needsRoot,
            TimeoutSeconds = timeout,
            SideEffects = sideEffects,
            Install = install,
            Performance = performance,
            Line = (int)t.Start.Line,
        };
    }

    private static ToolPerformance ParsePerformance(YamlNode node, string label, Action<YamlNode, string> error)
    {
        if (node is not YamlMappingNode p)
        {
            error(node, $"{label}: 'performance' must be a mapping of {string.Join(", ", PerformanceKeys)}");
            return new ToolPerformance();
        }

        var where = $"{label} performance";
        CheckKeys(p, PerformanceKeys, where, error);
        long? min = null, max = null;
        if (Child(p, "dataSize") is { } band)
        {
            if (band is YamlMappingNode b)
            {
                CheckKeys(b, BandKeys, $"{where} dataSize", error);
                min = Size(b, "min", $"{where} dataSize", error);
                max = Size(b, "max", $"{where} dataSize", error);
                if (min is null && max is null)
                {
                    error(b, $"{where}: dataSize needs 'min', 'max' or both (e.g. {{ max: 10GB }})");
                }
                else if (min is { } lo && max is { } hi && hi <= lo)
                {
                    error(b, $"{where}: dataSize max must be above min");
                }
            }
            else
            {
                error(band, $"{where}: 'dataSize' must be a mapping like {{ min: 10GB, max: 100GB }}");
            }
        }

        double? throughput = null;
        if (Child(p, "throughput") is { } tn)
        {
            if (tn is YamlScalarNode ts && Quantities.TryParseThroughput(ts.Value, out var bps))
            {
                throughput = bps;
            }
            else
            {
                error(tn, $"{where}: throughput must be a rate like 40MB/s");
            }
        }

        NetworkNeed? network = null;
        if (Child(p, "network") is { } nn)
        {
            network = (nn as YamlScalarNode)?.Value switch
            {
                "none" => NetworkNeed.None,
                "slow" => NetworkNeed.Slow,
                "fast" => NetworkNeed.Fast,
                _ => null,
            };
            if (network is null)
            {
                error(nn, $"{where}: network must be none (works offline), slow (works over a slow link) or fast (needs a fast link)");
            }
        }

        return new ToolPerformance
        {
            DataSizeMin = min,
            DataSizeMax = max,
            ThroughputBytesPerSecond = throughput,
            Resumable = Bool(p, "resumable", where, error),
            Network = network,
            DiskSpace = Number(p, "diskSpace", where, 0, 100, error),
            MinMemoryBytes = Size(p, "minMemory", where, error),
            Parallel = Bool(p, "parallel", where, error) ?? false,
        };
    }

    private static long? Size(YamlMappingNode map, string key, string where, Action<YamlNode, string> error)
    {
        var node = Child(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode s && Quantities.TryParseSize(s.Value, out var bytes))
        {
            return bytes;
        }

        error(node, $"{where}: '{key}' must be a size like 10GB, 512MB or 2TiB");
        return null;
    }

    private static double? Number(YamlMappingNode map, string key, string where, double min, double max, Action<YamlNode, string> error)
    {
        var node = Child(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        error(node, $"{where}: '{key}' must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        return null;
    }

    private static string? Pattern(YamlMappingNode map, string where, Action<YamlNode, string> error)
    {
        var node = Child(map, "pattern");
        if (node is null)
        {
            return null;
        }

        var text = (node as YamlScalarNode)?.Value;
        try
        {
            if (string.IsNullOrEmpty(text))
            {
                throw new ArgumentException("empty");
            }

            _ = new Regex(text, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return text;
        }
        catch (ArgumentException ex)
        {
            error(node, $"{where}: pattern is not a regular expression ({ex.Message})");
            return null;
        }
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
