using System.ComponentModel;
using Kse.Core;
using Kse.Core.Policy;
using Kse.Core.Projects;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>The project graph of .sce/dependencies.yaml: what each project provides and consumes, and who depends on whom. Read-only.</summary>
[McpServerToolType]
public sealed class ProjectsTools
{
    /// <summary>The graph with its check: projects, consumer-to-provider edges and every problem <c>kse graph check</c> reports.</summary>
    public sealed record GraphView(IReadOnlyList<ProjectNode> Projects, IReadOnlyList<GraphEdge> Edges, GraphCheckReport Check);

    /// <summary>The dependents of one project.</summary>
    public sealed record DependentsView(string Project, bool Transitive, IReadOnlyList<Dependent> Dependents);

    [McpServerTool(Name = "graph_show", Title = "Show the project graph", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("The declared project graph (.sce/dependencies.yaml): each project's provided APIs, databases and queues with versions, what it consumes from whom with version ranges, and the graph check (schema problems with line numbers, unknown projects, unsatisfied versions, cycles).")]
    [OperationRisk(RiskClass.Read)]
    public static GraphView Show(KseWorkspace workspace) => Run(() =>
    {
        var graph = new DependencyGraph(DependencyFile.Load(workspace));
        return new GraphView(graph.Projects, graph.Edges(), graph.Check());
    });

    [McpServerTool(Name = "graph_dependents", Title = "List dependents of a project", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("The projects that consume from a project, with what they consume; with transitive=true also the dependents of dependents, each with its path from the provider.")]
    [OperationRisk(RiskClass.Read)]
    public static DependentsView Dependents(
        KseWorkspace workspace,
        [Description("The provider project")] string project,
        [Description("Also list dependents of dependents")] bool transitive = false) => Run(() =>
    {
        var name = ProjectName.Validate(project);
        return new DependentsView(name, transitive, DependencyGraph.LoadValid(workspace).Dependents(name, transitive));
    });

    /// <summary>Runs the body; a <see cref="KseException"/> reaches the client through the error filter with its stable code.</summary>
    private static T Run<T>(Func<T> body) => body();
}
