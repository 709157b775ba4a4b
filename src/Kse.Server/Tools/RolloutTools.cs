using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Policy;
using Kse.Core.Rollouts;
using Kse.Server.Policy;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>
/// Orchestrated rollouts for the AI: start one, follow it, resume or abort it. Starting, resuming and aborting are decided by the
/// policy kernel for the rollout's project and environment; then every step is an ops_run action decided again, for the same actor.
/// </summary>
[McpServerToolType]
public sealed class RolloutTools
{
    [McpServerTool(Name = "rollout_status", Title = "Rollout status", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("A rollout's state (running, paused, failed, completed, aborted), its waves and every step (operation, instance, status, correlation id, approval), and where it stopped. Without 'id': the most recent rollouts.")]
    [OperationRisk(RiskClass.Read)]
    public static async Task<RolloutStatusResult> Status(
        RolloutService rollouts,
        [Description("The rollout id (ro-…); omit to list the most recent rollouts")] string? id = null,
        CancellationToken cancellationToken = default) =>
        id is null
            ? new RolloutStatusResult { Rollouts = (await rollouts.ListAsync(50, cancellationToken)).Rollouts }
            : new RolloutStatusResult { Rollout = await rollouts.GetAsync(id, cancellationToken) };

    [McpServerTool(Name = RolloutActionHandler.Start, Title = "Start a rollout", UseStructuredContent = true, ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = true)]
    [Description("Roll a change out across the projects it touches, wave by wave (providers expand, consumers migrate, providers contract): per project its operations with a 'rollout:' role (deploy, migrate, …) on each instance of the environment, the first instance first, each followed by the project's health check. The call is decided by the policy kernel, then every step is an ops_run decided for you: a queued step pauses the rollout (state 'paused', the step's approvalId) until an operator approves it, then call rollout_resume; a failed step or health check halts it and rolls back its wave's done steps in reverse. Progress is reported while steps run; read kse://rollouts/{id} for its state.")]
    [OperationRisk(RiskClass.Normal)]
    public static Task<RolloutToolResult> Start(
        ActionPipeline pipeline,
        RequestContext<CallToolRequestParams> context,
        [Description("The changed (provider) project, e.g. billing")] string project,
        [Description("development, test, pre-production or production")] [AllowedValues("development", "test", "pre-production", "production")] string environment,
        [Description("The change as unified diff text (git diff output). Give this or base.")] string? diff = null,
        [Description("Git revision to diff from, in the workspace repository")] string? @base = null,
        [Description("Git revision to diff to (default HEAD)")] string? head = null,
        [Description("The version the changed project rolls to: recorded with the rollout, and passed as version=V to its rollout operations that declare a version parameter")] string? toVersion = null,
        [Description("Why (kept in the audit trail and shown to an approver)")] string? reason = null,
        CancellationToken cancellationToken = default) =>
        RunDecidedAsync(pipeline, context, cancellationToken);

    [McpServerTool(Name = RolloutActionHandler.Resume, Title = "Resume a rollout", UseStructuredContent = true, ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = true)]
    [Description("Continue a rollout: a paused one once its queued step was approved (its outcome at approval is taken), a failed one after a fix (its failed wave runs again from its first step). Decided by the policy kernel for the rollout's project and environment; the remaining steps are decided for the actor who started the rollout.")]
    [OperationRisk(RiskClass.Normal)]
    public static Task<RolloutToolResult> Resume(
        ActionPipeline pipeline,
        RequestContext<CallToolRequestParams> context,
        [Description("The rollout id (ro-…)")] string id,
        [Description("Why (kept in the audit trail)")] string? reason = null,
        CancellationToken cancellationToken = default) =>
        RunDecidedAsync(pipeline, context, cancellationToken);

    [McpServerTool(Name = RolloutActionHandler.Abort, Title = "Abort a rollout", UseStructuredContent = true, ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = true)]
    [Description("Stop a rollout that is not finished: the approval its waiting step asked for is withdrawn, and the declared rollbacks of its done steps run in reverse order where the policy allows and are proposed (queued for approval) where it does not. Decided by the policy kernel for the rollout's project and environment.")]
    [OperationRisk(RiskClass.Normal)]
    public static Task<RolloutToolResult> Abort(
        ActionPipeline pipeline,
        RequestContext<CallToolRequestParams> context,
        [Description("The rollout id (ro-…)")] string id,
        [Description("Why (kept in the audit trail)")] string? reason = null,
        CancellationToken cancellationToken = default) =>
        RunDecidedAsync(pipeline, context, cancellationToken);

    /// <summary>The interception point has planned, decided and audited the call; the rollout runs as that decided action.</summary>
    private static async Task<RolloutToolResult> RunDecidedAsync(ActionPipeline pipeline, RequestContext<CallToolRequestParams> context, CancellationToken cancellationToken)
    {
        var decided = ToolCallGate.Decided(context);
        var result = await ToolProgress.RunAsync(context, async progress =>
        {
            decided.Progress = progress;
            return await pipeline.RunPlannedAsync(decided, cancellationToken);
        });
        var rollout = (Rollout)result.Value!;
        return new RolloutToolResult
        {
            Status = rollout.State,
            Id = rollout.Id,
            Rollout = rollout,
            Message = rollout.State switch
            {
                "paused" => $"Paused: {rollout.StoppedAt}. Once an operator approves it, call rollout_resume with this id.",
                "failed" => $"Halted: {rollout.StoppedAt}; the wave's done steps were rolled back (or proposed). After a fix, rollout_resume runs that wave again; rollout_abort rolls back every done step.",
                _ => null,
            },
        };
    }
}

/// <summary>
/// What rollout_start, rollout_resume and rollout_abort return once run: the rollout's state as <c>status</c>, its id and the rollout
/// (a call queued or observed by the interception point returns its own <c>pending_approval</c> / <c>observed</c> answer instead).
/// </summary>
public sealed record RolloutToolResult
{
    /// <summary>The rollout's state: <c>running</c>, <c>paused</c>, <c>failed</c>, <c>completed</c> or <c>aborted</c>.</summary>
    public required string Status { get; init; }

    public string? Id { get; init; }

    public Rollout? Rollout { get; init; }

    public string? Message { get; init; }
}

/// <summary>rollout_status: one rollout, or the most recent ones.</summary>
public sealed record RolloutStatusResult
{
    public Rollout? Rollout { get; init; }

    public IReadOnlyList<RolloutSummary>? Rollouts { get; init; }
}
