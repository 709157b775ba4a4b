using System.Globalization;

namespace Kse.Core.Feedback;

public sealed record FeedbackCount(string Key, int Items, int Occurrences);

public sealed record RecurringIssue(string Id, string Title, string Type, string Severity, int Occurrences, string State);

/// <summary>Median and 90th percentile, in seconds, over the items that have the duration.</summary>
public sealed record DurationStats(int Count, double? MedianSeconds, double? P90Seconds);

public sealed record WeeklySatisfaction(string Week, int Responses, double AverageScore);

public sealed record FeedbackAnalyticsReport
{
    public required string Project { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public required int Items { get; init; }

    public required int Open { get; init; }

    public required IReadOnlyList<FeedbackCount> ByType { get; init; }

    public required IReadOnlyList<FeedbackCount> BySeverity { get; init; }

    public required IReadOnlyList<FeedbackCount> ByVersion { get; init; }

    public required IReadOnlyList<FeedbackCount> ByChannel { get; init; }

    public required IReadOnlyList<RecurringIssue> TopRecurring { get; init; }

    public required DurationStats TimeToAcknowledge { get; init; }

    public required DurationStats TimeToResolve { get; init; }

    /// <summary>Survey scores (1..5) by ISO week of the report.</summary>
    public required IReadOnlyList<WeeklySatisfaction> SurveySatisfaction { get; init; }
}

/// <summary>Analytics over a project's items.</summary>
public static class FeedbackAnalytics
{
    public static FeedbackAnalyticsReport Compute(string project, IReadOnlyList<FeedbackItem> items, DateTimeOffset? from, DateTimeOffset? to)
    {
        static IReadOnlyList<FeedbackCount> By(IEnumerable<FeedbackItem> items, Func<FeedbackItem, string> key, IReadOnlyList<string>? order = null) =>
            items.GroupBy(key)
                .Select(g => new FeedbackCount(g.Key, g.Count(), g.Sum(i => i.Occurrences)))
                .OrderBy(c => order is null ? 0 : order.ToList().IndexOf(c.Key))
                .ThenByDescending(c => c.Items)
                .ThenBy(c => c.Key, StringComparer.Ordinal)
                .ToList();

        var surveys = items.Where(i => i.Score is not null && i.Channels.Contains(FeedbackNames.CustomerSurvey))
            .GroupBy(i => Week(i.CreatedAt))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new WeeklySatisfaction(g.Key, g.Count(), Math.Round(g.Average(i => i.Score!.Value), 2)))
            .ToList();
        return new FeedbackAnalyticsReport
        {
            Project = project,
            From = from,
            To = to,
            Items = items.Count,
            Open = items.Count(i => i.State is not ("resolved" or "verified")),
            ByType = By(items, i => i.Type, FeedbackNames.Types),
            BySeverity = By(items, i => i.Severity, FeedbackNames.Severities),
            ByVersion = By(items, i => i.Version ?? "unknown"),
            ByChannel = By(items.SelectMany(i => i.Channels.Select(c => i with { Channel = c })), i => i.Channel, FeedbackNames.Channels),
            TopRecurring = items.Where(i => i.Occurrences > 1).OrderByDescending(i => i.Occurrences).ThenByDescending(i => i.LastSeenAt).Take(10)
                .Select(i => new RecurringIssue(i.Id, i.Title, i.Type, i.Severity, i.Occurrences, i.State)).ToList(),
            TimeToAcknowledge = Stats(items.Select(i => i.TimeToAcknowledgeSeconds)),
            TimeToResolve = Stats(items.Select(i => i.TimeToResolveSeconds)),
            SurveySatisfaction = surveys,
        };
    }

    /// <summary>Nearest-rank percentiles.</summary>
    public static DurationStats Stats(IEnumerable<double?> values)
    {
        var v = values.Where(x => x is not null).Select(x => x!.Value).OrderBy(x => x).ToList();
        if (v.Count == 0)
        {
            return new DurationStats(0, null, null);
        }

        double Rank(double p) => v[Math.Clamp((int)Math.Ceiling(p * v.Count) - 1, 0, v.Count - 1)];
        var median = v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
        return new DurationStats(v.Count, Math.Round(median, 3), Math.Round(Rank(0.9), 3));
    }

    public static string Week(DateTimeOffset at) =>
        $"{ISOWeek.GetYear(at.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(at.UtcDateTime):00}";
}
