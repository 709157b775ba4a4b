using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kse.Core.Projects;

/// <summary>
/// <c>.sce/dependencies.yaml</c>, read and validated against its documented schema. Every problem carries its line and column;
/// a file with problems still yields the projects that could be read, so <c>kse graph check</c> can report everything at once.
/// </summary>
public sealed record DependencyFile(IReadOnlyList<ProjectNode> Projects, IReadOnlyList<GraphProblem> Problems)
{
    public const string FileName = "dependencies.yaml";

    private static readonly string[] TopKeys = ["version", "projects"];
    private static readonly string[] ProjectKeys = ["name", "path", "hosts", "description", "provides", "consumes"];
    private static readonly string[] ProvideKeys = ["api", "database", "queue", "version", "protocol", "contract", "description"];
    private static readonly string[] ConsumeKeys = ["project", "api", "database", "queue", "version", "uses", "description"];
    private static readonly string[] Protocols = ["http", "grpc", "graphql", "library"];

    /// <summary>Loads the workspace's declaration; <c>graph.not_declared</c> (not found) when the file is absent.</summary>
    public static DependencyFile Load(KseWorkspace workspace)
    {
        if (!File.Exists(workspace.DependenciesFile))
        {
            throw KseException.NotFound("graph.not_declared", $"no {KseWorkspace.SceFolder}/{FileName} in '{workspace.Root}': declare the projects and their dependencies there (see docs/changes.md of Kse.Mcp, 'The project graph')");
        }

        return Parse(InputLimits.ReadText(workspace.DependenciesFile, "graph", $"{KseWorkspace.SceFolder}/{FileName}"), $"{KseWorkspace.SceFolder}/{FileName}");
    }

    /// <summary>Like <see cref="Load"/>, but null when the workspace declares no graph.</summary>
    public static DependencyFile? TryLoad(KseWorkspace workspace) =>
        File.Exists(workspace.DependenciesFile) ? Parse(InputLimits.ReadText(workspace.DependenciesFile, "graph", $"{KseWorkspace.SceFolder}/{FileName}"), $"{KseWorkspace.SceFolder}/{FileName}") : null;

    public static DependencyFile Parse(string yaml, string fileName = FileName)
    {
        var problems = new List<GraphProblem>();
        var projects = new List<ProjectNode>();

        void Problem(YamlNode? node, string message) => problems.Add(new GraphProblem
        {
            Kind = "schema",
            Message = message,
            File = fileName,
            Line = node is null ? null : (int)node.Start.Line,
            Column = node is null ? null : (int)node.Start.Column,
        });

        YamlStream stream;
        try
        {
            stream = InputLimits.LoadYaml(yaml, "graph", fileName);
        }
        catch (YamlException ex)
        {
            problems.Add(new GraphProblem { Kind = "schema", Message = ex.InnerException?.Message ?? ex.Message, File = fileName, Line = (int)ex.Start.Line, Column = (int)ex.Start.Column });
            return new DependencyFile(projects, problems);
        }
        catch (KseException ex)
        {
            problems.Add(new GraphProblem { Kind = "schema", Message = $"{ex.Code}: {ex.Message}", File = fileName, Line = 1, Column = 1 });
            return new DependencyFile(projects, problems);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            problems.Add(new GraphProblem { Kind = "schema", Message = "the file must be a mapping with 'version: 1' and 'projects:'", File = fileName, Line = 1, Column = 1 });
            return new DependencyFile(projects, problems);
        }

        CheckKeys(root, TopKeys, "top level", Problem);
        if (Child(root, "version") is { } versionNode && Scalar(versionNode) != "1")
        {
            Problem(versionNode, $"unsupported version '{Scalar(versionNode)}': this Kse reads version 1");
        }

        var projectsNode = Child(root, "projects");
        if (projectsNode is null)
        {
            Problem(root, "'projects' is required: a list of projects");
            return new DependencyFile(projects, problems);
        }

        // Two shapes: a list of projects with 'name', or a mapping from name to project.
        IEnumerable<(YamlNode NameNode, string? Name, YamlNode Body)> entries;
        if (projectsNode is YamlSequenceNode list)
        {
            entries = list.Select(item => item is YamlMappingNode m && Child(m, "name") is { } n ? (n, Scalar(n), (YamlNode)m) : (item, (string?)null, item));
        }
        else if (projectsNode is YamlMappingNode byName)
        {
            entries = byName.Children.Select(kv => (kv.Key, Scalar(kv.Key), kv.Value));
        }
        else
        {
            Problem(projectsNode, "'projects' must be a list (- name: billing ...) or a mapping (billing: ...)");
            return new DependencyFile(projects, problems);
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (nameNode, name, body) in entries)
        {
            var map = body as YamlMappingNode ?? (body is YamlScalarNode { Value: null or "" } ? new YamlMappingNode() : null);
            if (map is null)
            {
                Problem(body, "each project must be a mapping (name, path, hosts, provides, consumes)");
                continue;
            }

            CheckKeys(map, ProjectKeys, "project", Problem);
            if (string.IsNullOrWhiteSpace(name))
            {
                Problem(nameNode, "project 'name' is required");
                continue;
            }

            if (!ProjectName.IsValid(name))
            {
                Problem(nameNode, $"project name '{name}' must match {ProjectName.Pattern}");
                continue;
            }

            if (seen.TryGetValue(name, out var firstLine))
            {
                Problem(nameNode, $"project '{name}' is declared twice (first on line {firstLine})");
                continue;
            }

            seen[name] = (int)nameNode.Start.Line;
            var path = Child(map, "path") is { } pathNode ? ScalarOrProblem(pathNode, "path", Problem) : null;
            if (path is not null && (Path.IsPathRooted(path) || path.Replace('\\', '/').Split('/').Contains("..")))
            {
                Problem(Child(map, "path"), $"path '{path}' must be relative to the workspace root and stay inside it");
                path = null;
            }

            var hosts = Child(map, "hosts") is { } hostsNode ? StringList(hostsNode, "hosts", Problem) : [];
            var provides = new List<ProvidedResource>();
            foreach (var (node, r) in Child(map, "provides") is { } providesNode ? ReadProvides(providesNode, Problem) : [])
            {
                if (provides.Any(x => x.Kind == r.Kind && x.Name == r.Name))
                {
                    Problem(node, $"project '{name}' provides {KindName(r.Kind)} '{r.Name}' twice");
                }
                else
                {
                    provides.Add(r);
                }
            }

            var consumes = new List<Consumption>();
            if (Child(map, "consumes") is { } consumesNode)
            {
                if (consumesNode is not YamlSequenceNode cl)
                {
                    Problem(consumesNode, "'consumes' must be a list (- project: ledger ...)");
                }
                else
                {
                    foreach (var c in cl)
                    {
                        if (ReadConsumption(c, Problem) is { } r)
                        {
                            consumes.Add(r);
                        }
                    }
                }
            }

            projects.Add(new ProjectNode
            {
                Name = name,
                Path = path?.Replace('\\', '/').TrimEnd('/'),
                Hosts = hosts,
                Provides = provides,
                Consumes = consumes,
                Line = (int)nameNode.Start.Line,
            });
        }

        return new DependencyFile(projects, problems);
    }

    public static string KindName(ResourceKind kind) => kind switch
    {
        ResourceKind.Api => "api",
        ResourceKind.Database => "database",
        _ => "queue",
    };

    private static readonly (string Key, ResourceKind Kind)[] Groups = [("apis", ResourceKind.Api), ("databases", ResourceKind.Database), ("queues", ResourceKind.Queue)];

    /// <summary>'provides' as a list of entries (- api: x), or grouped (apis: [x, {name: y, version: 1.0}], databases: [...], queues: [...]).</summary>
    private static IEnumerable<(YamlNode Node, ProvidedResource Resource)> ReadProvides(YamlNode node, Action<YamlNode?, string> problem)
    {
        if (node is YamlSequenceNode list)
        {
            foreach (var p in list)
            {
                if (ReadProvided(p, problem) is { } r)
                {
                    yield return (p, r);
                }
            }

            yield break;
        }

        if (node is not YamlMappingNode groups)
        {
            problem(node, "'provides' must be a list (- api: billing-api ...) or grouped (apis: [...], databases: [...], queues: [...])");
            yield break;
        }

        CheckKeys(groups, Groups.Select(g => g.Key).ToArray(), "'provides'", problem);
        foreach (var (key, kind) in Groups)
        {
            if (Child(groups, key) is not { } groupNode)
            {
                continue;
            }

            if (groupNode is not YamlSequenceNode items)
            {
                problem(groupNode, $"'{key}' must be a list of names or of mappings with 'name'");
                continue;
            }

            foreach (var item in items)
            {
                if (item is YamlScalarNode)
                {
                    if (ScalarOrProblem(item, key, problem) is { } n)
                    {
                        yield return (item, new ProvidedResource { Kind = kind, Name = n, Line = (int)item.Start.Line });
                    }

                    continue;
                }

                if (item is not YamlMappingNode entry)
                {
                    problem(item, $"each entry of '{key}' must be a name or a mapping with 'name'");
                    continue;
                }

                CheckKeys(entry, ["name", "version", "protocol", "contract", "description"], $"'{key}' entry", problem);
                var nameNode = Child(entry, "name");
                var name = nameNode is null ? null : ScalarOrProblem(nameNode, "name", problem);
                if (name is null)
                {
                    problem(entry, $"each entry of '{key}' needs 'name'");
                    continue;
                }

                if (Details(entry, kind, name, problem) is { } r)
                {
                    yield return (item, r);
                }
            }
        }
    }

    private static ProvidedResource? ReadProvided(YamlNode node, Action<YamlNode?, string> problem)
    {
        if (node is not YamlMappingNode map)
        {
            problem(node, "each 'provides' entry must be a mapping with one of api, database, queue");
            return null;
        }

        CheckKeys(map, ProvideKeys, "'provides' entry", problem);
        var (kind, name) = KindAndName(map, problem, "'provides' entry");
        if (kind is null || name is null)
        {
            return null;
        }

        return Details(map, kind.Value, name, problem);
    }

    private static ProvidedResource? Details(YamlMappingNode map, ResourceKind kind, string name, Action<YamlNode?, string> problem)
    {
        var version = Child(map, "version") is { } vn ? ScalarOrProblem(vn, "version", problem) : null;
        if (version is not null && !SemanticVersion.TryParse(version, out _))
        {
            problem(Child(map, "version"), $"version '{version}' is not a version (use 1.4.0)");
            version = null;
        }

        var protocol = Child(map, "protocol") is { } pn ? ScalarOrProblem(pn, "protocol", problem)?.ToLowerInvariant() : null;
        if (protocol is not null && !Protocols.Contains(protocol))
        {
            problem(Child(map, "protocol"), $"unknown protocol '{protocol}': use {string.Join(", ", Protocols)}");
            protocol = null;
        }

        if (protocol is not null && kind != ResourceKind.Api)
        {
            problem(Child(map, "protocol"), "'protocol' applies to an api only");
        }

        var contract = Child(map, "contract") is { } cn ? ScalarOrProblem(cn, "contract", problem)?.Replace('\\', '/') : null;
        return new ProvidedResource { Kind = kind, Name = name, Version = version, Protocol = protocol, Contract = contract, Line = (int)map.Start.Line };
    }

    private static Consumption? ReadConsumption(YamlNode node, Action<YamlNode?, string> problem)
    {
        if (node is not YamlMappingNode map)
        {
            problem(node, "each 'consumes' entry must be a mapping with 'project' and one of api, database, queue");
            return null;
        }

        CheckKeys(map, ConsumeKeys, "'consumes' entry", problem);
        var projectNode = Child(map, "project");
        var project = projectNode is null ? null : ScalarOrProblem(projectNode, "project", problem);
        if (project is null)
        {
            problem(map, "'consumes' entry needs 'project' (the provider)");
            return null;
        }

        if (!ProjectName.IsValid(project))
        {
            problem(projectNode, $"project name '{project}' must match {ProjectName.Pattern}");
            return null;
        }

        var (kind, name) = KindAndName(map, problem, "'consumes' entry");
        if (kind is null || name is null)
        {
            return null;
        }

        var version = Child(map, "version") is { } vn ? ScalarOrProblem(vn, "version", problem) : null;
        if (version is not null && !VersionRange.TryParse(version, out _, out var error))
        {
            problem(Child(map, "version"), $"version range '{version}': {error}");
            version = null;
        }

        var uses = Child(map, "uses") is { } un ? StringList(un, "uses", problem) : [];
        return new Consumption { Project = project, Kind = kind.Value, Name = name, Version = version, Uses = uses, Line = (int)map.Start.Line };
    }

    private static (ResourceKind? Kind, string? Name) KindAndName(YamlMappingNode map, Action<YamlNode?, string> problem, string what)
    {
        var found = new List<(ResourceKind Kind, YamlNode Node)>();
        foreach (var (key, kind) in new[] { ("api", ResourceKind.Api), ("database", ResourceKind.Database), ("queue", ResourceKind.Queue) })
        {
            if (Child(map, key) is { } n)
            {
                found.Add((kind, n));
            }
        }

        if (found.Count != 1)
        {
            problem(map, $"{what} needs exactly one of api, database, queue (found {found.Count})");
            return (null, null);
        }

        var name = ScalarOrProblem(found[0].Node, KindName(found[0].Kind), problem);
        return name is null ? (null, null) : (found[0].Kind, name);
    }

    private static void CheckKeys(YamlMappingNode map, string[] allowed, string where, Action<YamlNode?, string> problem)
    {
        foreach (var key in map.Children.Keys)
        {
            var k = Scalar(key);
            if (k is null || !allowed.Contains(k))
            {
                problem(key, $"unknown key '{k}' in {where}: allowed are {string.Join(", ", allowed)}");
            }
        }
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;

    private static string? Scalar(YamlNode node) => (node as YamlScalarNode)?.Value;

    private static string? ScalarOrProblem(YamlNode node, string key, Action<YamlNode?, string> problem)
    {
        if (node is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value))
        {
            return s.Value.Trim();
        }

        problem(node, $"'{key}' must be a non-empty text value");
        return null;
    }

    private static List<string> StringList(YamlNode node, string key, Action<YamlNode?, string> problem)
    {
        if (node is not YamlSequenceNode seq)
        {
            problem(node, $"'{key}' must be a list of text values");
            return [];
        }

        var result = new List<string>();
        foreach (var item in seq)
        {
            if (ScalarOrProblem(item, key, problem) is { } v)
            {
                result.Add(v);
            }
        }

        return result;
    }
}
