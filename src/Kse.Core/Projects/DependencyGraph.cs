namespace Kse.Core.Projects;

/// <summary>The project graph of <c>.sce/dependencies.yaml</c>: an edge runs from a consumer to the provider it consumes from.</summary>
public sealed class DependencyGraph
{
    private readonly Dictionary<string, ProjectNode> _nodes;
    private readonly Dictionary<string, List<string>> _consumersOf = new(StringComparer.Ordinal);

    public DependencyGraph(DependencyFile file)
    {
        File = file;
        _nodes = file.Projects.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var p in file.Projects)
        {
            foreach (var provider in p.Consumes.Select(c => c.Project).Distinct(StringComparer.Ordinal))
            {
                if (!_consumersOf.TryGetValue(provider, out var list))
                {
                    _consumersOf[provider] = list = [];
                }

                list.Add(p.Name);
            }
        }
    }

    public DependencyFile File { get; }

    /// <summary>
    /// The workspace's graph for commands that act on it: <c>graph.not_declared</c> (not found) without the file,
    /// <c>graph.invalid</c> (bad input, the first problem with its position) when it has schema problems.
    /// </summary>
    public static DependencyGraph LoadValid(KseWorkspace workspace)
    {
        var file = DependencyFile.Load(workspace);
        if (file.Problems.Count > 0)
        {
            var p = file.Problems[0];
            throw KseException.BadInput("graph.invalid", $"{p.File}:{p.Line}:{p.Column}: {p.Message}{(file.Problems.Count > 1 ? $" (and {file.Problems.Count - 1} more; run 'kse graph check')" : "")}");
        }

        return new DependencyGraph(file);
    }

    /// <summary>Every declared consumption as an edge from consumer to provider.</summary>
    public IReadOnlyList<GraphEdge> Edges() =>
        File.Projects.SelectMany(p => p.Consumes.Select(c => new GraphEdge(p.Name, c.Project, $"{DependencyFile.KindName(c.Kind)}:{c.Name}", c.Version))).ToList();

    public IReadOnlyList<ProjectNode> Projects => File.Projects;

    public bool Contains(string project) => _nodes.ContainsKey(project);

    public ProjectNode Get(string project) =>
        _nodes.TryGetValue(project, out var node) ? node : throw KseException.NotFound("graph.project_unknown", $"project '{project}' is not declared in .sce/dependencies.yaml (declared: {string.Join(", ", _nodes.Keys.Order(StringComparer.Ordinal))})");

    /// <summary>Projects <paramref name="project"/> consumes from (declared ones only).</summary>
    public IEnumerable<string> ProvidersOf(string project) =>
        _nodes.TryGetValue(project, out var n) ? n.Consumes.Select(c => c.Project).Where(_nodes.ContainsKey).Distinct(StringComparer.Ordinal) : [];

    public IEnumerable<string> ConsumersOf(string project) =>
        _consumersOf.TryGetValue(project, out var list) ? list.Where(_nodes.ContainsKey) : [];

    /// <summary>Who depends on <paramref name="project"/>: direct consumers, and with <paramref name="transitive"/> their consumers too (breadth first, each once).</summary>
    public IReadOnlyList<Dependent> Dependents(string project, bool transitive)
    {
        Get(project);
        var result = new List<Dependent>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { project };
        var queue = new Queue<(string Name, List<string> Path)>();
        queue.Enqueue((project, [project]));
        while (queue.Count > 0)
        {
            var (current, path) = queue.Dequeue();
            foreach (var consumer in ConsumersOf(current).Order(StringComparer.Ordinal))
            {
                if (!seen.Add(consumer))
                {
                    continue;
                }

                var consumes = _nodes[consumer].Consumes.Where(c => c.Project == current)
                    .Select(c => $"{DependencyFile.KindName(c.Kind)}:{c.Name}{(c.Version is null ? "" : " " + c.Version)}").ToList();
                var p = new List<string>(path) { consumer };
                result.Add(new Dependent { Project = consumer, Direct = path.Count == 1, Path = p, Consumes = consumes });
                if (transitive)
                {
                    queue.Enqueue((consumer, p));
                }
            }
        }

        return result;
    }

    /// <summary>Every dependency cycle, each as the chain of consumers that closes on itself (first name repeated at the end).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = 0;
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var indices = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var components = new List<List<string>>();

        // Tarjan's strongly connected components, iterative so deep graphs cannot overflow the stack.
        foreach (var start in _nodes.Keys.Order(StringComparer.Ordinal))
        {
            if (indices.ContainsKey(start))
            {
                continue;
            }

            var work = new Stack<(string Node, IEnumerator<string> Next)>();
            indices[start] = low[start] = index++;
            stack.Push(start);
            onStack.Add(start);
            work.Push((start, ProvidersOf(start).Order(StringComparer.Ordinal).ToList().GetEnumerator()));
            while (work.Count > 0)
            {
                var (node, next) = work.Peek();
                if (next.MoveNext())
                {
                    var w = next.Current;
                    if (!indices.ContainsKey(w))
                    {
                        indices[w] = low[w] = index++;
                        stack.Push(w);
                        onStack.Add(w);
                        work.Push((w, ProvidersOf(w).Order(StringComparer.Ordinal).ToList().GetEnumerator()));
                    }
                    else if (onStack.Contains(w))
                    {
                        low[node] = Math.Min(low[node], indices[w]);
                    }

                    continue;
                }

                work.Pop();
                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[node]);
                }

                if (low[node] == indices[node])
                {
                    var component = new List<string>();
                    string w;
                    do
                    {
                        w = stack.Pop();
                        onStack.Remove(w);
                        component.Add(w);
                    }
                    while (w != node);

                    if (component.Count > 1 || ProvidersOf(node).Contains(node))
                    {
                        components.Add(component);
                    }
                }
            }
        }

        return components.Select(CycleThrough).ToList();
    }

    /// <summary>A concrete closed path through one strongly connected component, starting at its smallest name.</summary>
    private List<string> CycleThrough(List<string> component)
    {
        var members = component.ToHashSet(StringComparer.Ordinal);
        var start = component.Order(StringComparer.Ordinal).First();
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var n = queue.Dequeue();
            foreach (var w in ProvidersOf(n).Where(members.Contains).Order(StringComparer.Ordinal))
            {
                if (w == start)
                {
                    var path = new List<string> { start };
                    for (var c = n; c != start; c = previous[c])
                    {
                        path.Insert(1, c);
                    }

                    path.Add(start);
                    return path;
                }

                if (previous.TryAdd(w, n))
                {
                    queue.Enqueue(w);
                }
            }
        }

        return [.. component, component[0]];
    }

    /// <summary>
    /// Orders <paramref name="subset"/> so that providers come before their consumers, as layers that may run together.
    /// Projects in a cycle share one layer and the cycle is returned; nothing is looped over.
    /// </summary>
    public (IReadOnlyList<IReadOnlyList<string>> Layers, IReadOnlyList<IReadOnlyList<string>> Cycles) ProviderFirstLayers(IEnumerable<string> subset)
    {
        var set = subset.Where(_nodes.ContainsKey).ToHashSet(StringComparer.Ordinal);
        var cycles = Cycles().Where(c => c.Any(set.Contains)).ToList();

        // Collapse every cycle into one group so the remaining graph is acyclic.
        var groupOf = set.ToDictionary(p => p, p => p, StringComparer.Ordinal);
        foreach (var cycle in cycles)
        {
            var key = cycle[0];
            foreach (var p in cycle.Where(set.Contains))
            {
                groupOf[p] = key;
            }
        }

        var groups = set.GroupBy(p => groupOf[p], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var dependsOn = groups.Keys.ToDictionary(
            g => g,
            g => groups[g].SelectMany(ProvidersOf).Where(set.Contains).Select(p => groupOf[p]).Where(x => x != g).ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
        var layers = new List<IReadOnlyList<string>>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        while (placed.Count < groups.Count)
        {
            var ready = groups.Keys.Where(g => !placed.Contains(g) && dependsOn[g].All(placed.Contains)).Order(StringComparer.Ordinal).ToList();
            if (ready.Count == 0)
            {
                // Cannot happen once cycles are collapsed; guard against looping regardless.
                ready = groups.Keys.Where(g => !placed.Contains(g)).ToList();
            }

            layers.Add(ready.SelectMany(g => groups[g]).Order(StringComparer.Ordinal).ToList());
            placed.UnionWith(ready);
        }

        return (layers, cycles);
    }

    /// <summary>The declared project whose <c>path</c> holds <paramref name="file"/> (longest match), or whose <c>.sce/specs/&lt;p&gt;/</c> folder does.</summary>
    public string? ProjectOf(string file)
    {
        var f = file.Replace('\\', '/');
        const string specs = ".sce/specs/";
        if (f.StartsWith(specs, StringComparison.Ordinal))
        {
            var name = f[specs.Length..].Split('/')[0];
            if (_nodes.ContainsKey(name))
            {
                return name;
            }
        }

        ProjectNode? best = null;
        foreach (var p in File.Projects)
        {
            if (p.Path is { Length: > 0 } path && (f == path || f.StartsWith(path + "/", StringComparison.Ordinal)) && (best is null || path.Length > best.Path!.Length))
            {
                best = p;
            }
        }

        return best?.Name;
    }

    /// <summary>Schema problems, unknown projects and resources, versions nobody satisfies, and cycles.</summary>
    public GraphCheckReport Check()
    {
        var problems = new List<GraphProblem>(File.Problems);
        const string file = ".sce/dependencies.yaml";
        foreach (var p in File.Projects)
        {
            foreach (var c in p.Consumes)
            {
                if (!_nodes.TryGetValue(c.Project, out var provider))
                {
                    problems.Add(new GraphProblem { Kind = "unknown-project", Message = $"'{p.Name}' consumes from '{c.Project}', which is not declared", File = file, Line = c.Line, Projects = [p.Name, c.Project] });
                    continue;
                }

                if (c.Project == p.Name)
                {
                    continue;
                }

                var resource = provider.Provides.FirstOrDefault(r => r.Kind == c.Kind && r.Name == c.Name);
                if (resource is null)
                {
                    problems.Add(new GraphProblem { Kind = "unknown-resource", Message = $"'{p.Name}' consumes {DependencyFile.KindName(c.Kind)} '{c.Name}' from '{c.Project}', which does not provide it (it provides: {Describe(provider)})", File = file, Line = c.Line, Projects = [p.Name, c.Project] });
                    continue;
                }

                if (c.Version is not null && VersionRange.TryParse(c.Version, out var range, out _))
                {
                    if (resource.Version is null || !SemanticVersion.TryParse(resource.Version, out var v))
                    {
                        problems.Add(new GraphProblem { Kind = "version-unsatisfied", Message = $"'{p.Name}' needs {c.Name} {c.Version}, but '{c.Project}' declares no version for it", File = file, Line = c.Line, Projects = [p.Name, c.Project] });
                    }
                    else if (!range!.IsSatisfiedBy(v))
                    {
                        problems.Add(new GraphProblem { Kind = "version-unsatisfied", Message = $"'{p.Name}' needs {c.Name} {c.Version}, but '{c.Project}' provides {resource.Version}", File = file, Line = c.Line, Projects = [p.Name, c.Project] });
                    }
                }
            }
        }

        foreach (var cycle in Cycles())
        {
            var node = _nodes[cycle[0]];
            problems.Add(new GraphProblem { Kind = "cycle", Message = $"dependency cycle: {string.Join(" -> ", cycle)} (each consumes from the next)", File = file, Line = node.Line, Projects = cycle.Distinct(StringComparer.Ordinal).ToList() });
        }

        return new GraphCheckReport(problems.Count == 0, File.Projects.Count, problems);
    }

    private static string Describe(ProjectNode provider) =>
        provider.Provides.Count == 0 ? "nothing" : string.Join(", ", provider.Provides.Select(r => $"{DependencyFile.KindName(r.Kind)} {r.Name}"));
}
