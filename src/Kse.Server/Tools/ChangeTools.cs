using System.ComponentModel;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Changes;
using Kse.Core.Policy;
using Kse.Core.Projects;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>Change impact and coordination: classify a diff, gate it on its migration plan, plan rollout waves. All read-only.</summary>
[McpServerToolType]
public sealed class ChangeTools
{
    [McpServerTool(Name = "change_classify", Title = "Classify a change", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Classify a unified diff (given as text, or a git range base..head of the workspace repository) into L1 code, L2 configuration, L3 API, L4 data structure, L5 architecture, with findings (stable rule ids, file, line, reason), affected systems, migration strategy, risk and, for L3+, the dependents it affects.")]
    [OperationRisk(RiskClass.Read)]
    public static async Task<ChangeReport> Classify(
        ChangeImpactService service,
        [Description("The unified diff text (git diff output). Give this or base.")] string? diff = null,
        [Description("Git revision to diff from, in the workspace repository")] string? @base = null,
        [Description("Git revision to diff to (default HEAD)")] string? head = null,
        [Description("The project the change belongs to (default: from dependencies.yaml paths)")] string? project = null,
        RequestContext<CallToolRequestParams>? context = null,
        CancellationToken cancellationToken = default)
    {
        return await ToolProgress.RunAsync(context, async progress => service.Assess(await ReadAsync(service, diff, @base, head, cancellationToken), project, progress));
    }

    [McpServerTool(Name = "change_gate", Title = "Migration-plan gate", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Check whether a change may proceed: L4/L5 changes pass only when the project's migration-plan.md has Migration Strategy, Data Mapping, Validation Steps and Rollback Plan filled. Returns passed=false with the missing or unfilled sections.")]
    [OperationRisk(RiskClass.Read)]
    public static async Task<GateResult> Gate(
        ChangeImpactService service,
        [Description("The unified diff text. Give this or base.")] string? diff = null,
        [Description("Git revision to diff from")] string? @base = null,
        [Description("Git revision to diff to (default HEAD)")] string? head = null,
        [Description("The project whose migration-plan.md is checked")] string? project = null,
        RequestContext<CallToolRequestParams>? context = null,
        CancellationToken cancellationToken = default)
    {
        return await ToolProgress.RunAsync(context, async progress => service.Gate(service.Assess(await ReadAsync(service, diff, @base, head, cancellationToken), project, progress), project));
    }

    [McpServerTool(Name = "rollout_plan", Title = "Plan a rollout", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Plan the rollout of a change across dependent projects: incompatible consumers, then waves in dependency order (providers expand, consumers migrate, providers contract) with each project's deployment steps and the health checks between waves. Cycles are reported, not looped over.")]
    [OperationRisk(RiskClass.Read)]
    public static async Task<RolloutPlan> Rollout(
        ChangeImpactService service,
        McpServer server,
        [Description("The unified diff text. Give this or base.")] string? diff = null,
        [Description("Git revision to diff from")] string? @base = null,
        [Description("Git revision to diff to (default HEAD)")] string? head = null,
        [Description("The changed (provider) project")] string? project = null,
        RequestContext<CallToolRequestParams>? context = null,
        CancellationToken cancellationToken = default)
    {
        var actor = Actor.Ai(server.ClientInfo?.Name ?? "mcp-client");
        return await ToolProgress.RunAsync(context, async progress => await service.PlanRolloutAsync(await ReadAsync(service, diff, @base, head, cancellationToken), project, actor, progress, cancellationToken));
    }

    private static Task<IReadOnlyList<DiffFile>> ReadAsync(ChangeImpactService service, string? diff, string? baseRev, string? head, CancellationToken cancellationToken)
    {
        if (diff is null && baseRev is null)
        {
            throw KseException.BadInput("change.source_missing", "give 'diff' (unified diff text) or 'base' (and optionally 'head') git revisions");
        }

        return service.ReadDiffFilesAsync(new DiffSource { Text = diff, Base = baseRev, Head = baseRev is null ? null : head }, cancellationToken);
    }
}
