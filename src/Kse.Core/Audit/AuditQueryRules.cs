namespace Kse.Core.Audit;

/// <summary>
/// The one rule set for reading the trail, whatever the face (MCP <c>audit_query</c> and its resource, <c>GET /api/audit</c>,
/// <c>kse audit query</c> and <c>export</c>): names checked, times ordered, limits bounded, and the same messages, naming the
/// filters neutrally (<c>limit</c>, <c>from</c>, <c>to</c>).
/// </summary>
public static class AuditQueryRules
{
    /// <summary>How many entries a query returns when it names no limit: the newest ones.</summary>
    public const int DefaultLimit = 100;

    /// <summary>The most entries one query returns; <c>export</c> streams any number.</summary>
    public const int MaxLimit = 1000;

    /// <summary>
    /// The query to run: empty filters dropped, the project a valid name, the environment's name normalized, <c>from</c> before
    /// <c>to</c>, and (for a query, not an export) a limit between 1 and <see cref="MaxLimit"/>, <see cref="DefaultLimit"/> when none.
    /// </summary>
    public static AuditQuery Checked(AuditQuery query, bool limited = true)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.From is { } from && query.To is { } to && to <= from)
        {
            throw KseException.BadInput("audit.range_invalid", $"to ({to:u}) must be after from ({from:u})");
        }

        if (limited && query.Limit is < 1 or > MaxLimit)
        {
            throw KseException.BadInput("audit.limit_invalid", $"limit must be between 1 and {MaxLimit}, not {query.Limit}");
        }

        return query with
        {
            Project = Empty(query.Project) is { } project ? ProjectName.Validate(project) : null,
            OperationType = Empty(query.OperationType),
            Outcome = Empty(query.Outcome),
            User = Empty(query.User),
            Environment = Empty(query.Environment) is { } env ? PolicyNames.ParseEnvironment(env).Name() : null,
            CorrelationId = Empty(query.CorrelationId),
            Limit = limited ? query.Limit ?? DefaultLimit : null,
        };
    }

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
