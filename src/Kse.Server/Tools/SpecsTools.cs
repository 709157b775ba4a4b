using System.ComponentModel;
using Kse.Core.Policy;
using Kse.Core.Specs;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>Read-only tools over the operations specs: thin adapters over <see cref="SpecService"/>.</summary>
[McpServerToolType]
public sealed class SpecsTools
{
    [McpServerTool(Name = "ops_list_projects", Title = "List projects", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("List the workspace's projects with their system type and whether their operations specs are valid.")]
    [OperationRisk(RiskClass.Read)]
    public static ProjectList ListProjects(SpecService specs) => specs.ListProjects();

    [McpServerTool(Name = "ops_validate", Title = "Validate an operations spec", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Validate a project's operations spec: for each of the nine documents, whether it is present, which required sections are missing or still only placeholders, and schema errors. 'valid' is true only when everything is complete.")]
    [OperationRisk(RiskClass.Read)]
    public static ValidationReport Validate(SpecService specs, [Description("The project name, e.g. billing")] string project) => specs.Validate(project);

    [McpServerTool(Name = "ops_status", Title = "Development specs needing operations specs", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("List kse development specs and those whose tasks are all done but that have no operations spec yet, with the command that creates one.")]
    [OperationRisk(RiskClass.Read)]
    public static OpsStatus Status(SpecService specs) => specs.Status();
}
