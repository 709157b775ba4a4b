using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Tools;
using Kse.Server.Policy;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>The tools of a project's tools.yaml for the AI: which one to use for an operation in context, and which are installed where.</summary>
[McpServerToolType]
public sealed class ToolsTools
{
    [McpServerTool(Name = "tools_select", Title = "Choose a tool for an operation", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = false, OpenWorld = false)]
    [Description("Choose the tool for an operation (a strategy of the project's tools.yaml, e.g. postgres-backup) in context. Ranks the candidates by score = 0.4 AI-friendliness + 0.3 native + 0.3 efficiency (data-size band, throughput against the window, network, resumability; weights from tools.yaml) and returns the ranking with each score's parts, flags (interactive, unclear_exit_codes), disqualifications (cannot finish in the window, does not fit the disk or memory, not installed or incompatible on the instance), the winner and the rationale. With environment (and instance) the candidates are probed on that instance first. Every selection is audited.")]
    [OperationRisk(RiskClass.Read)]
    public static Task<ToolSelection> Select(
        ToolsService service,
        McpServer server,
        [Description("The project name, e.g. shopdb")] string project,
        [Description("The strategy (operation) in tools.yaml, e.g. postgres-backup")] string operation,
        [Description("How much data, e.g. 50GB, 500MB, 2TiB")] string? dataSize = null,
        [Description("The link to the data: fast, slow or offline")] string? network = null,
        [Description("The time it must finish in, e.g. 2h, 90m")] string? window = null,
        [Description("CPU cores available")] int? cpu = null,
        [Description("Memory available, e.g. 8GB")] string? memory = null,
        [Description("Free disk on the instance, e.g. 200GB")] string? diskFree = null,
        [Description("development, test, pre-production or production: probe the candidates on an instance there")] [AllowedValues("development", "test", "pre-production", "production")] string? environment = null,
        [Description("The instance id (default: the environment's only instance)")] string? instance = null,
        [Description("The target's version (e.g. the PostgreSQL server's), for requirements like >={target.major}")] string? targetVersion = null,
        CancellationToken cancellationToken = default)
    {
        var target = new ToolsTarget { Project = project, Environment = environment, Instance = instance, TargetVersion = targetVersion };
        var context = new SelectionContextText { DataSize = dataSize, Network = network, Window = window, Cpu = cpu, Memory = memory, DiskFree = diskFree };
        return service.SelectAsync(target, operation, context, Actor.Ai(server.ClientInfo?.Name is { Length: > 0 } name ? name : "unknown-client"), cancellationToken);
    }

    [McpServerTool(Name = "tools_check", Title = "Check installed tool versions", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = true)]
    [Description("Probe the installed version of each tool of the project's tools.yaml on an instance (locally or over its SSH; without environment: the server's machine) against its requirement, which may reference the target's version (pg_dump's major >= the server's). Each tool: status ok, incompatible, missing, unknown or error, the version found, and for a missing tool the install command for the host's package manager (apt, dnf, apk, brew, winget).")]
    [OperationRisk(RiskClass.Read)]
    public static Task<ToolsCheckReport> Check(
        ToolsService service,
        [Description("The project name, e.g. shopdb")] string project,
        [Description("development, test, pre-production or production (omit to check the server's machine)")] [AllowedValues("development", "test", "pre-production", "production")] string? environment = null,
        [Description("The instance id (default: the environment's only instance)")] string? instance = null,
        [Description("Only these tools (names from tools.yaml)")] string[]? tools = null,
        [Description("The target's version (e.g. the PostgreSQL server's)")] string? targetVersion = null,
        CancellationToken cancellationToken = default) =>
        service.CheckAsync(new ToolsTarget { Project = project, Environment = environment, Instance = instance, TargetVersion = targetVersion }, tools, cancellationToken);

    [McpServerTool(Name = ToolInstaller.Action, Title = "Install a tool on an instance", UseStructuredContent = true, ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = true)]
    [Description("Install a tool of the project's tools.yaml on an instance with the host's package manager (apt, dnf, apk, brew, winget; the package from tools.yaml's install hints). Decided by the policy kernel: normal risk, critical when the package manager needs root; in development as the takeover level permits, queued for a human operator's approval in test and pre-production (you get an approvalId), refused in production. Use dryRun=true to see the exact command and what policy decides. Check first with tools_check: it names missing tools.")]
    [OperationRisk(RiskClass.Critical)]
    public static async Task<ToolInstallOutcome> Install(
        ActionPipeline pipeline,
        RequestContext<CallToolRequestParams> context,
        [Description("The project name, e.g. shopdb")] string project,
        [Description("The tool to install, as named in tools.yaml (e.g. pg_dump)")] string tool,
        [Description("development, test, pre-production or production")] [AllowedValues("development", "test", "pre-production", "production")] string environment,
        [Description("The instance id (optional when the environment has exactly one)")] string? instance = null,
        [Description("Show what would run and what policy decides; run nothing")] bool dryRun = false,
        [Description("Why this should be installed (shown to the approver)")] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        // The interception point has planned, decided and audited this call; the plan it decided travels here and is what runs.
        var decided = ToolCallGate.Decided(context);
        var result = await pipeline.RunPlannedAsync(decided, cancellationToken);
        return ToolInstallOutcome.Shape(new ActionOutcome
        {
            Status = decided.Plan.DryRun ? "dry_run" : result.Status,
            CorrelationId = decided.CorrelationId,
            Decision = decided.Decision,
            Plan = decided.Plan,
            Result = result,
            Approval = decided.Approval,
        });
    }
}
