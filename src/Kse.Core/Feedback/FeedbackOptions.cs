namespace Kse.Core.Feedback;

/// <summary>A webhook told about new feedback of a project (or every project) at or above a severity.</summary>
public sealed record FeedbackWebhook
{
    public required string Name { get; init; }

    public required Uri Url { get; init; }

    /// <summary>A project name, or null for every project.</summary>
    public string? Project { get; init; }

    public string MinSeverity { get; init; } = "high";

    /// <summary><c>json</c> (the generic shape) or <c>slack</c> (Slack-compatible <c>{ text, blocks }</c>).</summary>
    public string Format { get; init; } = "json";
}

/// <summary><c>Kse:Feedback</c>.</summary>
public sealed record FeedbackOptions
{
    /// <summary>Repeats of the same report within this window fold into one item.</summary>
    public TimeSpan DedupWindow { get; init; } = TimeSpan.FromDays(7);

    /// <summary>An issue seen this many times within <see cref="RecurringWindow"/> yields a proposed troubleshooting entry.</summary>
    public int RecurringThreshold { get; init; } = 3;

    public TimeSpan RecurringWindow { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Whether critical items request their troubleshooting entry's operations through the guarded path.</summary>
    public bool Responses { get; init; } = true;

    public IReadOnlyList<FeedbackWebhook> Webhooks { get; init; } = [];

    /// <summary>Retries of a failed webhook delivery (after the first attempt).</summary>
    public int WebhookRetries { get; init; } = 3;

    public TimeSpan WebhookRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan WebhookTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The most lines <c>kse feedback import</c> reads from one file.</summary>
    public int MaxImportLines { get; init; } = 10_000;
}
