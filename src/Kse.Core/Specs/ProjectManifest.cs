using Kse.Core.Policy;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kse.Core.Specs;

/// <summary>One deployed copy of a project: where it runs and which version.</summary>
public sealed record ProjectInstance
{
    public required string Id { get; init; }

    public required EnvironmentKind Environment { get; init; }

    /// <summary><c>local</c>, or an SSH destination such as <c>deploy@db-1.internal</c> or <c>ssh://deploy@10.0.0.5:2222</c>.</summary>
    public required string Host { get; init; }

    public string? Version { get; init; }

    public bool IsLocal => string.Equals(Host, "local", StringComparison.OrdinalIgnoreCase);
}

/// <summary><c>.sce/specs/&lt;project&gt;/project.yaml</c>: system type, environments, deployed instances.</summary>
public sealed record ProjectManifest
{
    public required string Name { get; init; }

    public SystemType SystemType { get; init; } = SystemType.Kse;

    public string? Description { get; init; }

    public string? Version { get; init; }

    public IReadOnlyList<EnvironmentKind> Environments { get; init; } = PolicyNames.AllEnvironments;

    public IReadOnlyList<ProjectInstance> Instances { get; init; } = [];

    public static SystemType ParseSystemType(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "kse" => SystemType.Kse,
        "existing" => SystemType.Existing,
        _ => throw KseException.BadInput("spec.system_type_unknown", $"unknown system type '{text}': use kse or existing"),
    };

    public static string SystemTypeName(SystemType type) => type == SystemType.Kse ? "kse" : "existing";

    /// <summary>Reads <c>project.yaml</c> of <paramref name="project"/>; <c>spec.project_not_found</c> when the project folder is absent.</summary>
    public static ProjectManifest Load(KseWorkspace workspace, string project)
    {
        var dir = workspace.ProjectDir(project);
        if (!Directory.Exists(dir))
        {
            throw KseException.NotFound("spec.project_not_found", $"project '{project}' has no folder {Path.GetRelativePath(workspace.Root, dir)}: run 'kse ops init {project}'");
        }

        var file = workspace.ProjectFile(project);
        if (!File.Exists(file))
        {
            return new ProjectManifest { Name = project };
        }

        // Parsed once and reused until the file changes (size or modification time): the records are immutable.
        var stamp = FileStamp.Of([file], []);
        if (Parsed.TryGetValue(file, out var cached) && cached.Stamp == stamp && cached.Manifest.Name == project)
        {
            return cached.Manifest;
        }

        var manifest = Parse(project, InputLimits.ReadText(file, "spec.project_yaml", Path.GetRelativePath(workspace.Root, file)), Path.GetRelativePath(workspace.Root, file));
        Parsed[file] = (stamp, manifest);
        return manifest;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Stamp, ProjectManifest Manifest)> Parsed = new(StringComparer.Ordinal);

    private static readonly string[] TopLevelKeys = ["name", "systemType", "description", "version", "environments", "instances"];

    private static readonly string[] InstanceKeys = ["id", "environment", "host", "version"];

    /// <summary>Parses project.yaml text; errors name the file, line and column.</summary>
    public static ProjectManifest Parse(string project, string yaml, string fileName = "project.yaml")
    {
        YamlStream stream;
        try
        {
            stream = InputLimits.LoadYaml(yaml, "spec.project_yaml", fileName);
        }
        catch (YamlException ex)
        {
            throw KseException.BadInput("spec.project_yaml_invalid", $"{fileName}:{ex.Start.Line}:{ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return new ProjectManifest { Name = project };
        }

        string? Scalar(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlScalarNode s ? s.Value : null;

        KseException Error(YamlNode node, string message) =>
            KseException.BadInput("spec.project_yaml_invalid", $"{fileName}:{node.Start.Line}:{node.Start.Column}: {message}");

        // Unknown keys are refused, not ignored: a command that rewrites the file (kse instances add) would drop them.
        void RefuseUnknownKeys(YamlMappingNode map, string[] known, string where)
        {
            foreach (var key in map.Children.Keys)
            {
                if (key is not YamlScalarNode { Value: { } name } || !known.Contains(name, StringComparer.Ordinal))
                {
                    throw Error(key, $"unknown key '{(key as YamlScalarNode)?.Value}' {where} (keys: {string.Join(", ", known)})");
                }
            }
        }

        RefuseUnknownKeys(root, TopLevelKeys, "in project.yaml");
        var systemType = SystemType.Kse;
        if (Scalar(root, "systemType") is { } st)
        {
            try
            {
                systemType = ParseSystemType(st);
            }
            catch (KseException ex)
            {
                throw Error(root.Children[new YamlScalarNode("systemType")], ex.Message);
            }
        }

        var environments = new List<EnvironmentKind>();
        if (root.Children.TryGetValue(new YamlScalarNode("environments"), out var envNode))
        {
            if (envNode is not YamlSequenceNode envs)
            {
                throw Error(envNode, "environments must be a list");
            }

            foreach (var e in envs)
            {
                try
                {
                    environments.Add(PolicyNames.ParseEnvironment((e as YamlScalarNode)?.Value));
                }
                catch (KseException ex)
                {
                    throw Error(e, ex.Message);
                }
            }
        }

        var instances = new List<ProjectInstance>();
        if (root.Children.TryGetValue(new YamlScalarNode("instances"), out var instNode) && instNode is not YamlScalarNode { Value: null or "" })
        {
            if (instNode is not YamlSequenceNode list)
            {
                throw Error(instNode, "instances must be a list");
            }

            foreach (var item in list)
            {
                if (item is not YamlMappingNode m)
                {
                    throw Error(item, "each instance is a mapping with id, environment, host and version");
                }

                RefuseUnknownKeys(m, InstanceKeys, "in an instance");
                var id = Scalar(m, "id");
                if (!ProjectName.IsValid(id))
                {
                    throw Error(item, $"instance id '{id}' must match {ProjectName.Pattern}");
                }

                EnvironmentKind env;
                try
                {
                    env = PolicyNames.ParseEnvironment(Scalar(m, "environment"));
                }
                catch (KseException ex)
                {
                    throw Error(item, ex.Message);
                }

                var host = Scalar(m, "host");
                if (string.IsNullOrWhiteSpace(host))
                {
                    throw Error(item, $"instance '{id}' has no host (use 'local' or an SSH destination)");
                }

                instances.Add(new ProjectInstance { Id = id!, Environment = env, Host = host, Version = Scalar(m, "version") });
            }
        }

        return new ProjectManifest
        {
            Name = project,
            SystemType = systemType,
            Description = Scalar(root, "description"),
            Version = Scalar(root, "version"),
            Environments = environments.Count > 0 ? environments : PolicyNames.AllEnvironments,
            Instances = instances,
        };
    }

    /// <summary>The YAML form written to <c>project.yaml</c>.</summary>
    public string ToYaml()
    {
        var w = new StringWriter();
        w.WriteLine("# Kse project manifest: how this project is operated. See docs/specs.md of Kse.Mcp.");
        w.WriteLine($"name: {Name}");
        w.WriteLine($"systemType: {SystemTypeName(SystemType)}   # kse (developed with Kse, starts at L3) | existing (adopted, starts at L1)");
        if (Description is not null)
        {
            w.WriteLine($"description: \"{Description.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        if (Version is not null)
        {
            w.WriteLine($"version: \"{Version}\"");
        }

        w.WriteLine("environments:");
        foreach (var e in Environments)
        {
            w.WriteLine($"  - {e.Name()}");
        }

        if (Instances.Count == 0)
        {
            w.WriteLine("instances: []   # add with 'kse instances add'");
        }
        else
        {
            w.WriteLine("instances:");
            foreach (var i in Instances)
            {
                w.WriteLine($"  - id: {i.Id}");
                w.WriteLine($"    environment: {i.Environment.Name()}");
                w.WriteLine($"    host: \"{i.Host}\"");
                if (i.Version is not null)
                {
                    w.WriteLine($"    version: \"{i.Version}\"");
                }
            }
        }

        return w.ToString();
    }

    public void Save(KseWorkspace workspace)
    {
        var file = workspace.ProjectFile(Name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var tmp = file + ".tmp";
        File.WriteAllText(tmp, ToYaml());
        File.Move(tmp, file, overwrite: true);
    }
}
