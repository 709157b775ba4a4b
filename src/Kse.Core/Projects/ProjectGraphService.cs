namespace Kse.Core.Projects;

/// <summary>The graph with its check: projects, consumer-to-provider edges and every problem the check reports.</summary>
public sealed record GraphView(IReadOnlyList<ProjectNode> Projects, IReadOnlyList<GraphEdge> Edges, GraphCheckReport Check);

/// <summary>The dependents of one project.</summary>
public sealed record DependentsView(string Project, bool Transitive, IReadOnlyList<Dependent> Dependents);

/// <summary>
/// The project graph of <c>.sce/dependencies.yaml</c>, for every face (the <c>graph_*</c> tools, <c>kse graph</c>) and for rollout
/// planning: one place reads, checks and answers about it.
/// </summary>
public sealed class ProjectGraphService(KseWorkspace workspace)
{
    /// <summary>The declared graph and its check; a graph with problems is shown with them, not refused.</summary>
    public GraphView Show()
    {
        var graph = new DependencyGraph(DependencyFile.Load(workspace));
        return new GraphView(graph.Projects, graph.Edges(), graph.Check());
    }

    /// <summary>The graph, refused (<c>graph.invalid</c>, naming the first problem) when the file does not validate.</summary>
    public DependencyGraph LoadValid() => DependencyGraph.LoadValid(workspace);

    /// <summary>The graph when the workspace declares a valid one, else null (classification works without it).</summary>
    public DependencyGraph? TryLoadValid()
    {
        var file = DependencyFile.TryLoad(workspace);
        return file is null || file.Problems.Count > 0 ? null : new DependencyGraph(file);
    }

    public DependentsView Dependents(string project, bool transitive)
    {
        var name = ProjectName.Validate(project);
        return new DependentsView(name, transitive, LoadValid().Dependents(name, transitive));
    }

    /// <summary>
    /// A project's neighbours: the projects it consumes from and those that consume from it; empty when the workspace declares no
    /// graph, the graph cannot be read, or the project is not in it (feedback correlation works without one).
    /// </summary>
    public IReadOnlyList<string> Neighbours(string project)
    {
        try
        {
            var graph = new DependencyGraph(DependencyFile.Load(workspace));
            return graph.Contains(project) ? graph.ProvidersOf(project).Concat(graph.ConsumersOf(project)).Distinct().Where(p => p != project).ToList() : [];
        }
        catch (Exception ex) when (ex is KseException or IOException)
        {
            return [];
        }
    }

    /// <summary>Schema problems with line numbers, unknown projects and resources, unsatisfied version ranges, cycles.</summary>
    public GraphCheckReport Check() => new DependencyGraph(DependencyFile.Load(workspace)).Check();

    /// <summary>The declaration against each project's configuration files: undeclared and stale dependencies.</summary>
    public DiscoveryReport Discover() => DependencyDiscovery.Scan(workspace, LoadValid());
}
