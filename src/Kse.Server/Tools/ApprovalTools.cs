using System.ComponentModel;
using Kse.Core.Approvals;
using Kse.Core.Policy;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>An approval as the AI may see it. There is deliberately no tool to approve, reject or grant anything.</summary>
public sealed record ApprovalStatus
{
    public required string ApprovalId { get; init; }

    public required ApprovalState Status { get; init; }

    public required string Tool { get; init; }

    public required string Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public required RiskClass Risk { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public string? DecidedBy { get; init; }

    public DateTimeOffset? DecidedAt { get; init; }

    public string? DecisionReason { get; init; }

    public string? Outcome { get; init; }

    public required string Binding { get; init; }

    /// <summary>The operation it runs, where, and the exact command (secrets redacted), when it carries a plan.</summary>
    public string? Operation { get; init; }

    public string? Host { get; init; }

    public string? Command { get; init; }

    /// <summary>Joins the request's audit entries with the approval's and the run's.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The confidence of the matching learned or observed operation when the call was queued.</summary>
    public ApprovalConfidence? Confidence { get; init; }

    /// <summary>What the AI sees of the one approval view (<see cref="ApprovalView"/>) every face shows.</summary>
    public static ApprovalStatus From(ApprovalView view) => new()
    {
        ApprovalId = view.Id,
        Status = view.State,
        Tool = view.Tool,
        Project = view.Project,
        Environment = view.Environment,
        Instance = view.Instance,
        Risk = view.Risk,
        CreatedAt = view.CreatedAt,
        ExpiresAt = view.ExpiresAt,
        DecidedBy = view.DecidedBy,
        DecidedAt = view.DecidedAt,
        DecisionReason = view.DecisionReason,
        Outcome = view.Outcome,
        Binding = view.Binding,
        Operation = view.Operation,
        Host = view.Host,
        Command = view.Command,
        CorrelationId = view.CorrelationId,
        Confidence = view.Confidence,
    };
}

[McpServerToolType]
public sealed class ApprovalTools
{
    [McpServerTool(Name = "approval_status", Title = "Approval status", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("The state of a queued action (pending, approved, rejected, expired, executed, stale) and the exact command it runs. Approving is for humans only. An approved call runs once: at approval when the server can run it itself (outcome set), otherwise when the identical call is repeated.")]
    [OperationRisk(RiskClass.Read)]
    public static async Task<ApprovalStatus> ApprovalStatusAsync(
        ApprovalService approvals,
        [Description("The approvalId returned by the queued call")] string approvalId,
        CancellationToken cancellationToken = default) =>
        ApprovalStatus.From(await approvals.ViewAsync(approvalId, cancellationToken));
}
