namespace Kse.Core.Feedback;

/// <summary>The fixed vocabulary of feedback: channels, types, severities and lifecycle states, as they appear in JSON.</summary>
public static class FeedbackNames
{
    public static readonly IReadOnlyList<string> Channels = ["support-ticket", "monitoring-alert", "user-report", "api", "customer-survey"];

    public static readonly IReadOnlyList<string> Types = ["bug", "performance", "feature", "operational"];

    /// <summary>Most severe first.</summary>
    public static readonly IReadOnlyList<string> Severities = ["critical", "high", "medium", "low"];

    public static readonly IReadOnlyList<string> States = ["new", "acknowledged", "investigating", "resolved", "verified", "reopened"];

    public const string MonitoringAlert = "monitoring-alert";
    public const string CustomerSurvey = "customer-survey";

    public static string Channel(string? text) => Pick(text, Channels, "feedback.channel_unknown", "channel");

    public static string Type(string? text) => Pick(text, Types, "feedback.type_unknown", "type");

    public static string Severity(string? text) => Pick(text, Severities, "feedback.severity_unknown", "severity");

    public static string State(string? text) => Pick(text, States, "feedback.state_unknown", "state");

    /// <summary>0 for critical … 3 for low.</summary>
    public static int Rank(string severity) => Severities.IndexOf(severity) is var i and >= 0 ? i : Severities.Count;

    public static bool AtLeast(string severity, string minimum) => Rank(severity) <= Rank(minimum);

    private static string Pick(string? text, IReadOnlyList<string> allowed, string code, string what)
    {
        var t = text?.Trim().ToLowerInvariant();
        if (t is not null && allowed.Contains(t))
        {
            return t;
        }

        throw KseException.BadInput(code, $"unknown {what} '{text}': use {string.Join(", ", allowed)}");
    }

    private static int IndexOf(this IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>A rule that matched during triage; <see cref="Decided"/> marks the ones that set the type or the severity.</summary>
public sealed record TriageRule(string Id, string Text, bool Decided = false);

/// <summary>What triage concluded: the type, the severity, how sure, the rules that matched and who decided (<c>rules</c> or <c>llm:&lt;model&gt;</c>).</summary>
public sealed record TriageResult
{
    public required string Type { get; init; }

    public required string Severity { get; init; }

    /// <summary>0..1.</summary>
    public required double Confidence { get; init; }

    public required IReadOnlyList<TriageRule> Rules { get; init; }

    /// <summary><c>rules</c>, or <c>llm:&lt;model&gt;</c> when a configured chat client classified and its answer was valid.</summary>
    public required string DecidedBy { get; init; }

    /// <summary>Why the chat client's answer was not used, when one was asked.</summary>
    public string? LlmFallbackReason { get; init; }
}

/// <summary>One report as submitted on any channel.</summary>
public sealed record FeedbackSubmission
{
    public required string Project { get; init; }

    public required string Channel { get; init; }

    public required string Title { get; init; }

    public string Body { get; init; } = "";

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public string? Version { get; init; }

    public string? Reporter { get; init; }

    /// <summary>Survey satisfaction, 1 (very unhappy) to 5 (very happy).</summary>
    public int? Score { get; init; }

    /// <summary>An alert's labels (severity, alertname, ...); the <c>severity</c> label decides an alert's severity.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>The sender's own id for the thing reported (Alertmanager's alert fingerprint); repeats with the same id fold.</summary>
    public string? ExternalId { get; init; }

    /// <summary>A unified diff attached to a change proposal; it gets an impact assessment.</summary>
    public string? Diff { get; init; }

    /// <summary>When it happened (an alert's startsAt); default now.</summary>
    public DateTimeOffset? At { get; init; }
}

/// <summary>One occurrence of a folded report.</summary>
public sealed record FeedbackReport(DateTimeOffset At, string Reporter, string Channel);

/// <summary>One lifecycle step, as audited.</summary>
public sealed record FeedbackTransition
{
    public required string From { get; init; }

    public required string To { get; init; }

    public required string By { get; init; }

    public required DateTimeOffset At { get; init; }

    public string? Reason { get; init; }

    public string? Evidence { get; init; }

    public long? AuditSequence { get; init; }
}

/// <summary>An operation requested for a critical item through the guarded path, and what the kernel made of it.</summary>
public sealed record FeedbackActionRecord
{
    public required string Operation { get; init; }

    /// <summary><c>diagnostic</c> or <c>resolution</c>.</summary>
    public required string Purpose { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    /// <summary>succeeded, failed, queued, observed, denied, skipped, ...</summary>
    public required string Status { get; init; }

    public string? Decision { get; init; }

    public string? ApprovalId { get; init; }

    public string? CorrelationId { get; init; }

    public string? Message { get; init; }
}

/// <summary>The response prepared for a critical item: the matching troubleshooting entry, its steps, the requested operations.</summary>
public sealed record FeedbackResponse
{
    /// <summary>The matched entry's heading in troubleshooting.md, or null when none matched.</summary>
    public string? Entry { get; init; }

    public string? Document { get; init; }

    public IReadOnlyList<string> MatchedKeywords { get; init; } = [];

    public IReadOnlyList<string> DiagnosticSteps { get; init; } = [];

    public IReadOnlyList<string> ResolutionSteps { get; init; } = [];

    public IReadOnlyList<FeedbackActionRecord> Actions { get; init; } = [];

    /// <summary>Humans told (webhook names), or why nobody could be (then the item is flagged on the page).</summary>
    public IReadOnlyList<string> Notified { get; init; } = [];

    public required DateTimeOffset At { get; init; }
}

/// <summary>The impact assessment of a change proposal's attached diff.</summary>
public sealed record FeedbackChangeAssessment(string Level, int Findings, string Summary);

/// <summary>A stored feedback item: one issue, however many times it was reported.</summary>
public sealed record FeedbackItem
{
    public required string Id { get; init; }

    public required string Project { get; init; }

    public required string Title { get; init; }

    public required string Body { get; init; }

    /// <summary>The channel of the first report (every channel is in <see cref="Channels"/>).</summary>
    public required string Channel { get; init; }

    public required string Type { get; init; }

    public required string Severity { get; init; }

    public required double Confidence { get; init; }

    public required IReadOnlyList<TriageRule> Rules { get; init; }

    public required string DecidedBy { get; init; }

    public required string State { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    /// <summary>The version the feedback concerns: as given, else the instance's version from project.yaml.</summary>
    public string? Version { get; init; }

    public required string Fingerprint { get; init; }

    public string? ExternalId { get; init; }

    public required int Occurrences { get; init; }

    public required IReadOnlyList<string> Reporters { get; init; }

    public required IReadOnlyList<string> Channels { get; init; }

    /// <summary>The newest reports (at most 200), oldest first.</summary>
    public required IReadOnlyList<FeedbackReport> Reports { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public int? Score { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset LastSeenAt { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    public DateTimeOffset? VerifiedAt { get; init; }

    public double? TimeToAcknowledgeSeconds { get; init; }

    public double? TimeToResolveSeconds { get; init; }

    public int Reopened { get; init; }

    public required IReadOnlyList<FeedbackTransition> History { get; init; }

    public FeedbackResponse? Response { get; init; }

    public FeedbackChangeAssessment? ChangeAssessment { get; init; }

    /// <summary>Bumped on every stored change; updates are conditional on it.</summary>
    public required int Revision { get; init; }
}

/// <summary>What submit returns: the item, and whether this report made it or folded into it.</summary>
public sealed record FeedbackSubmitResult
{
    public required string Id { get; init; }

    /// <summary><c>created</c>, <c>folded</c> (a repeat within the window) or <c>reopened</c> (a repeat of a resolved item).</summary>
    public required string Outcome { get; init; }

    public required int Occurrences { get; init; }

    public required FeedbackItem Item { get; init; }
}

/// <summary>A filter for listing items.</summary>
public sealed record FeedbackQuery
{
    public string? Project { get; init; }

    public string? State { get; init; }

    public string? Severity { get; init; }

    public string? Type { get; init; }

    /// <summary>Only items not resolved or verified.</summary>
    public bool OpenOnly { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public int Limit { get; init; } = 200;
}

/// <summary>A list of items, newest first.</summary>
public sealed record FeedbackList(IReadOnlyList<FeedbackItem> Items, int Count);

/// <summary>A proposed new troubleshooting entry for a recurring issue, queued for a human.</summary>
public sealed record TroubleshootingProposal
{
    public required string Id { get; init; }

    public required string Project { get; init; }

    public required string ItemId { get; init; }

    public required string Fingerprint { get; init; }

    public required int Occurrences { get; init; }

    public required string Document { get; init; }

    /// <summary>A unified diff against the project's troubleshooting.md.</summary>
    public required string Patch { get; init; }

    /// <summary><c>pending</c> until a human applies or drops it.</summary>
    public required string State { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

public sealed record TroubleshootingProposalList(IReadOnlyList<TroubleshootingProposal> Proposals);
