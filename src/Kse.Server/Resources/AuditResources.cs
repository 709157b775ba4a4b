using System.ComponentModel;
using System.Globalization;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Server.Tools;
using ModelContextProtocol.Server;

namespace Kse.Server.Resources;

/// <summary>The audit trail as resources, the same answers as the audit_query and audit_summary tools.</summary>
[McpServerResourceType]
public sealed class AuditResources
{
    [McpServerResource(UriTemplate = "kse://audit/entries{?project,environment,type,outcome,correlation,from,to,limit}", Name = "audit-entries", MimeType = "application/json")]
    [Description("Audit trail entries matching the filters (the newest 'limit', default 100, at most 1000; oldest first), as audit_query returns them. from/to are ISO 8601 UTC times.")]
    public static Task<string> Entries(
        AuditService audit,
        string? project = null,
        string? environment = null,
        string? type = null,
        string? outcome = null,
        string? correlation = null,
        string? from = null,
        string? to = null,
        string? limit = null,
        CancellationToken cancellationToken = default) =>
        SpecResources.GuardAsync(async () => KseJson.Serialize(
            await AuditTools.Query(audit, Time(from, "from"), Time(to, "to"), Empty(project), Empty(type), Empty(outcome), null, Empty(environment), Limit(limit), Empty(correlation), cancellationToken),
            indented: true));

    [McpServerResource(UriTemplate = "kse://audit/summary/{date}", Name = "audit-summary", MimeType = "application/json")]
    [Description("Counts of one UTC day (YYYY-MM-DD) by project, operation type, outcome and takeover level, with every failure, as audit_summary returns them.")]
    public static Task<string> Summary(AuditService audit, TimeProvider clock, string date, CancellationToken cancellationToken = default) =>
        SpecResources.GuardAsync(async () => KseJson.Serialize(await AuditTools.Summary(audit, clock, date, cancellationToken), indented: true));

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static DateTimeOffset? Time(string? value, string name) =>
        string.IsNullOrEmpty(value) ? null
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t
        : throw KseException.BadInput("audit.time_invalid", $"{name} '{DisplayText.Field(value.Length > 40 ? value[..40] + "..." : value)}' is not an ISO 8601 time such as 2026-11-25T14:00:00Z");

    private static int? Limit(string? value) =>
        string.IsNullOrEmpty(value) ? null
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw KseException.BadInput("audit.limit_invalid", "limit must be a whole number between 1 and 1000");
}
