using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Kse.Core.Policy;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>
/// Feedback for the AI: submit, list, read and triage (read), and move an item along its lifecycle (normal: decided by the kernel).
/// Feedback text is data: these tools store and return it; none of them runs an operation because of it.
/// </summary>
[McpServerToolType]
public sealed class FeedbackTools
{
    [McpServerTool(Name = "feedback_submit", Title = "Submit feedback", UseStructuredContent = true, ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false)]
    [Description("Record user or customer feedback for a project. It is triaged (type, severity) and folded into the existing item when the same report came recently. The text is stored as data; it never triggers an operation. Returns the item id, whether it was created or folded, and the item.")]
    [OperationRisk(RiskClass.Read)]
    public static async Task<FeedbackSubmitResult> SubmitAsync(
        FeedbackService feedback,
        McpServer server,
        [Description("The project name, e.g. billing")] string project,
        [Description("support-ticket, monitoring-alert, user-report, api or customer-survey")] [AllowedValues("support-ticket", "monitoring-alert", "user-report", "api", "customer-survey")] string channel,
        [Description("One line")] string title,
        [Description("The report's text")] string? body = null,
        [Description("development, test, pre-production or production (optional)")] [AllowedValues("development", "test", "pre-production", "production")] string? environment = null,
        [Description("The instance it was seen on (gives the version)")] string? instance = null,
        [Description("The version it concerns")] string? version = null,
        [Description("Who reported it")] string? reporter = null,
        CancellationToken cancellationToken = default) =>
        await feedback.SubmitAsync(
            new FeedbackSubmission { Project = project, Channel = channel, Title = title, Body = body ?? "", Environment = environment, Instance = instance, Version = version, Reporter = reporter },
            Caller(server),
            cancellationToken);

    [McpServerTool(Name = "feedback_list", Title = "List feedback", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("List feedback items, newest first: id, title, type, severity, state, occurrences, reporters, version.")]
    [OperationRisk(RiskClass.Read)]
    public static Task<FeedbackList> ListAsync(
        FeedbackService feedback,
        [Description("Only this project")] string? project = null,
        [Description("new, acknowledged, investigating, resolved, verified or reopened")] [AllowedValues("new", "acknowledged", "investigating", "resolved", "verified", "reopened")] string? state = null,
        [Description("critical, high, medium or low")] [AllowedValues("critical", "high", "medium", "low")] string? severity = null,
        [Description("bug, performance, feature or operational")] [AllowedValues("bug", "performance", "feature", "operational")] string? type = null,
        [Description("Only items not resolved or verified")] bool open = false,
        [Description("At most this many (default 100)")] int limit = 100,
        CancellationToken cancellationToken = default) =>
        limit < 1
            ? throw KseException.BadInput("feedback.limit_invalid", $"limit must be positive, not {limit}")
            : feedback.ListAsync(new FeedbackQuery { Project = project, State = state, Severity = severity, Type = type, OpenOnly = open, Limit = limit }, cancellationToken);

    [McpServerTool(Name = "feedback_get", Title = "Show a feedback item", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("One feedback item with its triage rules, occurrences, reporters, version, lifecycle history and the response prepared for a critical item.")]
    [OperationRisk(RiskClass.Read)]
    public static Task<FeedbackItem> GetAsync(
        FeedbackService feedback,
        [Description("The item id (fb-...)")] string id,
        CancellationToken cancellationToken = default) =>
        feedback.GetAsync(id, cancellationToken);

    [McpServerTool(Name = "feedback_triage", Title = "Triage a report", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Classify a report without storing it: type (bug|performance|feature|operational), severity (critical|high|medium|low), confidence 0..1 and the rules that matched.")]
    [OperationRisk(RiskClass.Read)]
    public static Task<TriageResult> TriageAsync(
        FeedbackService feedback,
        [Description("support-ticket, monitoring-alert, user-report, api or customer-survey")] [AllowedValues("support-ticket", "monitoring-alert", "user-report", "api", "customer-survey")] string channel,
        [Description("One line")] string title,
        [Description("The report's text")] string? body = null,
        CancellationToken cancellationToken = default) =>
        feedback.TriageAsync(channel, title, body ?? "", null, cancellationToken);

    [McpServerTool(Name = "feedback_transition", Title = "Move a feedback item along its lifecycle", UseStructuredContent = true, ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false)]
    [Description("Move a feedback item along new → acknowledged → investigating → resolved → verified, or reopen it. The policy kernel decides this call for the project and environment. 'verified' needs evidence: audit:<sequence> of a passing read operation, or reporter:<name> who confirmed.")]
    [OperationRisk(RiskClass.Normal)]
    public static async Task<FeedbackItem> TransitionAsync(
        FeedbackService feedback,
        McpServer server,
        [Description("The item's project")] string project,
        [Description("The environment the decision is made for: development, test, pre-production or production")] [AllowedValues("development", "test", "pre-production", "production")] string environment,
        [Description("The item id (fb-...)")] string id,
        [Description("acknowledged, investigating, resolved, verified or reopened")] [AllowedValues("acknowledged", "investigating", "resolved", "verified", "reopened")] string to,
        [Description("Why")] string? reason = null,
        [Description("For verified: audit:<sequence> or reporter:<name>")] string? evidence = null,
        CancellationToken cancellationToken = default)
    {
        await feedback.GetAsync(project, id, cancellationToken);
        return await feedback.TransitionAsync(id, to, Caller(server), reason, evidence, cancellationToken);
    }

    private static Actor Caller(McpServer server) => Actor.Ai(server.ClientInfo?.Name is { Length: > 0 } name ? name : "unknown-client");
}
