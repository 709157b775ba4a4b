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
    [McpServerTool(Name = "graph_show", Title = "Show the project graph", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("The declared project graph (.sce/dependencies.yaml): each project's provided APIs, databases and queues with versions, what it consumes from whom with version ranges, and the graph check (schema problems with line numbers, unknown projects, unsatisfied versions, cycles).")]
    [OperationRisk(RiskClass.Read)]
    public static GraphView Show(ProjectGraphService graph) => graph.Show();

    [McpServerTool(Name = "graph_dependents", Title = "List dependents of a project", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("The projects that consume from a project, with what they consume; with transitive=true also the dependents of dependents, each with its path from the provider.")]
    [OperationRisk(RiskClass.Read)]
    public static DependentsView Dependents(
        ProjectGraphService graph,
        [Description("The provider project")] string project,
        [Description("Also list dependents of dependents")] bool transitive = false) =>
        graph.Dependents(project, transitive);
}
