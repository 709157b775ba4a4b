using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Policy;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>Read-only MCP face of the audit trail: query, daily summary, chain verification.</summary>
[McpServerToolType]
public sealed class AuditTools
{
    [McpServerTool(Name = "audit_query", Title = "Query the audit trail", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [OperationRisk(RiskClass.Read)]
    [Description("Audit trail entries matching the filters (the newest 'limit', oldest first): who did what, where, with which decision and outcome.")]
    public static Task<AuditQueryResult> Query(
        AuditService audit,
        [Description("From this UTC time, inclusive (ISO 8601)")] DateTimeOffset? from = null,
        [Description("Up to this UTC time, exclusive (ISO 8601)")] DateTimeOffset? to = null,
        [Description("Project name")] string? project = null,
        [Description("Operation type, e.g. tool.call or takeover.change")] string? type = null,
        [Description("Outcome, e.g. succeeded, failed, denied, queued")] string? outcome = null,
        [Description("Actor name: OS user, operator or MCP client")] string? user = null,
        [Description("Environment name")] [AllowedValues("development", "test", "pre-production", "production")] string? environment = null,
        [Description("At most this many entries (default 100, at most 1000)")] int? limit = null,
        [Description("Only the entries of one action (its decision, approval, run and outcome share this id); a rollout's id also returns its steps' entries")] string? correlationId = null,
        CancellationToken cancellationToken = default)
    {
        return audit.QueryAsync(new AuditQuery
        {
            From = from,
            To = to,
            Project = project,
            OperationType = type,
            Outcome = outcome,
            User = user,
            Environment = environment,
            CorrelationId = correlationId,
            Limit = limit,
        }, cancellationToken);
    }

    [McpServerTool(Name = "audit_summary", Title = "Daily audit summary", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [OperationRisk(RiskClass.Read)]
    [Description("Counts of one UTC day by project, operation type, outcome and takeover level, with every failure and its error context.")]
    public static Task<AuditSummary> Summary(
        AuditService audit,
        TimeProvider clock,
        [Description("The UTC day as YYYY-MM-DD (default: today)")] string? date = null,
        CancellationToken cancellationToken = default)
    {
        DateOnly day;
        if (date is null)
        {
            day = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        }
        else if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            throw KseException.BadInput("audit.date_invalid", $"date '{date}' is not in the form YYYY-MM-DD");
        }

        return audit.SummaryAsync(day, cancellationToken);
    }

    [McpServerTool(Name = "audit_verify", Title = "Verify the audit chain", UseStructuredContent = true, ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false)]
    [OperationRisk(RiskClass.Read)]
    [Description("Re-walk the audit trail's hash chain; 'intact' is false with the first bad sequence and the fault (modified, deleted, inserted, reordered) when it was tampered with.")]
    public static Task<AuditVerifyResult> Verify(AuditService audit, RequestContext<CallToolRequestParams>? context = null, CancellationToken cancellationToken = default) =>
        ToolProgress.RunAsync(context, progress => audit.VerifyAsync(null, null, progress, cancellationToken));
}
