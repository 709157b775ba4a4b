using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Server.Policy;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>Runnable operations for the AI: list them, run one on an instance. The interception point decides first; ops_run's risk comes from the operation's spec.</summary>
[McpServerToolType]
public sealed class ExecutionTools
{
    [McpServerTool(Name = "ops_list_operations", Title = "List runnable operations", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("List a project's runnable operations (declared in kse-operation blocks of its operations documents; with an instance, of the spec version that instance runs): name, risk (read|normal|critical), command template, typed parameters, timeout, verify and rollback; and the project's instances (id, environment, host).")]
    [OperationRisk(RiskClass.Read)]
    public static OperationListing ListOperations(
        OperationExecutionService execution,
        [Description("The project name, e.g. billing")] string project,
        [Description("An instance id: list the operations of the spec version that instance runs (default: the main spec)")] string? instance = null) =>
        execution.List(project, instance);

    [McpServerTool(Name = OperationExecutionService.ToolName, Title = "Run an operation", ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = true, UseStructuredContent = true)]
    [Description("Run a declared operation on one instance. Its risk comes from the operation's spec; the policy kernel decides whether it runs now, is queued for a human (you get an approvalId; it runs once an operator approves), is only observed, or is denied. Parameters are checked against their declared type/pattern and each is passed as one argument (never through a shell). Use dryRun=true to see exactly what would run on which host and what policy would decide.")]
    [OperationRisk(RiskClass.Critical)]
    public static async Task<OperationRunOutcome> Run(
        ActionPipeline pipeline,
        RequestContext<CallToolRequestParams> context,
        [Description("The project name, e.g. billing")] string project,
        [Description("The operation name, as listed by ops_list_operations")] string operation,
        [Description("development, test, pre-production or production")] [AllowedValues("development", "test", "pre-production", "production")] string environment,
        [Description("The instance id (optional when the environment has exactly one)")] string? instance = null,
        [Description("Parameter values by name, e.g. {\"unit\": \"billing.service\", \"replicas\": 3, \"force\": false}: strings, or JSON numbers and booleans for int and bool parameters")] Dictionary<string, JsonElement>? parameters = null,
        [Description("Show what would run and what policy decides; run nothing")] bool dryRun = false,
        [Description("Why this should run (shown to the approver)")] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        // The interception point has planned, decided and audited this call; the plan it decided travels here and is what runs.
        var decided = ToolCallGate.Decided(context);
        var result = await ToolProgress.RunAsync(context, async progress =>
        {
            decided.Progress = progress;
            return await pipeline.RunPlannedAsync(decided, cancellationToken);
        });
        return OpsRunActionHandler.Shape(new ActionOutcome
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
