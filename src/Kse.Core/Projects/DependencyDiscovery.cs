using System.Text.RegularExpressions;

namespace Kse.Core.Projects;

/// <summary>The result of scanning project configuration for references to other projects.</summary>
public sealed record DiscoveryReport
{
    public required bool Consistent { get; init; }

    public required IReadOnlyList<GraphProblem> Problems { get; init; }

    /// <summary>How many configuration files were read per project.</summary>
    public required IReadOnlyDictionary<string, int> Scanned { get; init; }

    /// <summary>Projects without a <c>path</c>: nothing to scan.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>
/// Validates the declared graph against configuration files: a host name, URL or connection string of another known project
/// in a project's config without a matching <c>consumes</c> is undeclared; a declared dependency never referenced is stale.
/// Discovery only validates <c>dependencies.yaml</c>; it never writes it.
/// </summary>
public static class DependencyDiscovery
{
    private static readonly HashSet<string> SkipFolders = new(StringComparer.OrdinalIgnoreCase) { "bin", "obj", "node_modules", ".git", "dist", "target", ".venv", "venv", "__pycache__", ".sce", "vendor" };
    private const int MaxFiles = 5000;
    private const long MaxFileBytes = 1_000_000;

    public static bool IsConfigFile(string name)
    {
        var lower = name.ToLowerInvariant();
        var ext = Path.GetExtension(lower);
        return ext is ".yaml" or ".yml" or ".toml" or ".ini" or ".properties" or ".conf" or ".config" or ".env" or ".cfg"
            || lower == ".env" || lower.StartsWith(".env.", StringComparison.Ordinal)
            || (ext == ".json" && (lower.StartsWith("appsettings", StringComparison.Ordinal) || lower.Contains("config", StringComparison.Ordinal) || lower.Contains("settings", StringComparison.Ordinal)));
    }

    public static DiscoveryReport Scan(KseWorkspace workspace, DependencyGraph graph)
    {
        var problems = new List<GraphProblem>();
        var scanned = new Dictionary<string, int>(StringComparer.Ordinal);
        var skipped = new List<string>();
        var patterns = graph.Projects.ToDictionary(p => p.Name, p => HostPattern(p), StringComparer.Ordinal);
        foreach (var project in graph.Projects)
        {
            if (project.Path is null)
            {
                skipped.Add(project.Name);
                continue;
            }

            var dir = Path.Combine(workspace.Root, project.Path);
            if (!Directory.Exists(dir))
            {
                problems.Add(new GraphProblem { Kind = "schema", Message = $"path '{project.Path}' of '{project.Name}' does not exist", File = ".sce/dependencies.yaml", Line = project.Line, Projects = [project.Name] });
                continue;
            }

            var files = ConfigFiles(dir).ToList();
            scanned[project.Name] = files.Count;
            var referenced = new Dictionary<string, (string File, int Line)>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var rel = Path.GetRelativePath(workspace.Root, file).Replace('\\', '/');
                var n = 0;
                foreach (var line in File.ReadLines(file))
                {
                    n++;
                    foreach (var other in graph.Projects)
                    {
                        if (other.Name != project.Name && !referenced.ContainsKey(other.Name) && patterns[other.Name].IsMatch(line))
                        {
                            referenced[other.Name] = (rel, n);
                        }
                    }
                }
            }

            var declared = project.Consumes.Select(c => c.Project).ToHashSet(StringComparer.Ordinal);
            foreach (var (other, at) in referenced.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                if (!declared.Contains(other))
                {
                    problems.Add(new GraphProblem
                    {
                        Kind = "undeclared-dependency",
                        Message = $"'{project.Name}' references '{other}' in its configuration ({at.File}:{at.Line}) but does not declare consuming from it",
                        File = at.File,
                        Line = at.Line,
                        Projects = [project.Name, other],
                    });
                }
            }

            foreach (var c in project.Consumes.Where(c => graph.Contains(c.Project) && !referenced.ContainsKey(c.Project)).GroupBy(c => c.Project).Select(g => g.First()))
            {
                problems.Add(new GraphProblem
                {
                    Kind = "stale-dependency",
                    Message = $"'{project.Name}' declares consuming from '{c.Project}' but none of its {files.Count} configuration file(s) under {project.Path} names '{c.Project}' or its hosts: stale, or configured elsewhere",
                    File = ".sce/dependencies.yaml",
                    Line = c.Line,
                    Projects = [project.Name, c.Project],
                });
            }
        }

        return new DiscoveryReport { Consistent = problems.Count == 0, Problems = problems, Scanned = scanned, Skipped = skipped };
    }

    /// <summary>A host of the project in a URL, a host/server key, an e-mail-like user@host, or followed by a port.</summary>
    private static Regex HostPattern(ProjectNode project)
    {
        var hosts = project.Hosts.Append(project.Name).Distinct(StringComparer.OrdinalIgnoreCase).Select(Regex.Escape);
        var alt = string.Join("|", hosts);
        return new Regex(
            $@"(?:://|@|\b(?:host|hostname|server|address|addr|endpoint|url|uri|data source)\s*[=:]\s*[""']?)(?:{alt})(?![\w-])|(?<![\w.-])(?:{alt}):\d{{2,5}}\b",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    private static IEnumerable<string> ConfigFiles(string dir)
    {
        var count = 0;
        var stack = new Stack<string>();
        stack.Push(dir);
        while (stack.Count > 0 && count < MaxFiles)
        {
            var current = stack.Pop();
            foreach (var sub in Directory.EnumerateDirectories(current).Order(StringComparer.Ordinal))
            {
                if (!SkipFolders.Contains(Path.GetFileName(sub)))
                {
                    stack.Push(sub);
                }
            }

            foreach (var file in Directory.EnumerateFiles(current).Order(StringComparer.Ordinal))
            {
                if (IsConfigFile(Path.GetFileName(file)) && new FileInfo(file).Length <= MaxFileBytes && count++ < MaxFiles)
                {
                    yield return file;
                }
            }
        }
    }
}
