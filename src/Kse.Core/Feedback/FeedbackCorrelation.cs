using Kse.Core.Audit;
using Kse.Core.Projects;

namespace Kse.Core.Feedback;

/// <summary>One audit entry near an item, with why it may matter.</summary>
public sealed record CorrelatedEntry
{
    public required long Sequence { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>deployment, config_change, level_change, failed_operation, change_impact, operation.</summary>
    public required string Kind { get; init; }

    public required string OperationType { get; init; }

    public string? Project { get; init; }

    public string? Environment { get; init; }

    public string? Target { get; init; }

    public string? Outcome { get; init; }

    public required string Actor { get; init; }

    /// <summary>0..1: the kind's weight, nearness in time, same project or a dependency, same environment.</summary>
    public required double Score { get; init; }

    public required string Evidence { get; init; }
}

public sealed record FeedbackCorrelationReport
{
    public required string ItemId { get; init; }

    public required string Project { get; init; }

    public required IReadOnlyList<string> RelatedProjects { get; init; }

    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    /// <summary>Most likely related first.</summary>
    public required IReadOnlyList<CorrelatedEntry> Entries { get; init; }
}

/// <summary>What happened around a feedback item: deployments, config and level changes, failed operations and change-impact records.</summary>
public static class FeedbackCorrelation
{
    public const int MaxEntries = 50;

    public static async Task<FeedbackCorrelationReport> CorrelateAsync(FeedbackItem item, IAuditReader reader, IReadOnlyList<string> related, TimeSpan before, TimeSpan after, CancellationToken cancellationToken)
    {
        var anchor = item.Reports.Count > 0 ? item.Reports.Min(r => r.At) : item.CreatedAt;
        var from = anchor - before;
        var to = item.LastSeenAt + after;
        var projects = new HashSet<string>(related.Append(item.Project), StringComparer.Ordinal);
        var found = new List<CorrelatedEntry>();
        await foreach (var e in reader.ScanAsync(new AuditQuery { From = from, To = to }, cancellationToken))
        {
            var entryProjects = (e.RelatedProjects ?? []).Append(e.Project).Where(p => p is not null).Cast<string>().ToList();
            if (!entryProjects.Any(projects.Contains) || e.CorrelationId == item.Id)
            {
                continue;
            }

            var kind = Kind(e);
            if (kind is null)
            {
                continue;
            }

            var weight = kind switch { "deployment" => 1.0, "failed_operation" => 0.9, "config_change" => 0.8, "change_impact" => 0.8, "level_change" => 0.6, _ => 0.3 };
            var distance = e.Timestamp <= anchor ? anchor - e.Timestamp : e.Timestamp - anchor;
            var span = e.Timestamp <= anchor ? before : after;
            var nearness = 1 - Math.Clamp(distance.TotalSeconds / Math.Max(1, span.TotalSeconds), 0, 1);
            // Something after the first report cannot have caused it; it still shows what was done.
            var causal = e.Timestamp <= anchor ? 1.0 : 0.5;
            var sameProject = entryProjects.Contains(item.Project) ? 1.0 : 0.7;
            var sameEnvironment = item.Environment is not null && e.Environment == item.Environment ? 1.0 : item.Environment is null || e.Environment is null ? 0.9 : 0.6;
            var score = Math.Round(weight * (0.4 + 0.6 * nearness) * causal * sameProject * sameEnvironment, 3);
            var when = e.Timestamp <= anchor ? $"{Human(distance)} before the first report" : $"{Human(distance)} after the first report";
            found.Add(new CorrelatedEntry
            {
                Sequence = e.Sequence,
                Timestamp = e.Timestamp,
                Kind = kind,
                OperationType = e.OperationType,
                Project = e.Project,
                Environment = e.Environment,
                Target = e.Target,
                Outcome = e.Outcome,
                Actor = $"{e.ActorKind}:{e.ActorName}",
                Score = score,
                Evidence = $"{kind.Replace('_', ' ')} {e.OperationType} {e.Target} ({e.Outcome}) on {e.Project ?? "?"}{(e.Environment is null ? "" : "/" + e.Environment)} by {e.ActorKind}:{e.ActorName}, {when}" +
                           (entryProjects.Contains(item.Project) ? "" : $" (a related project of {item.Project})"),
            });
        }

        return new FeedbackCorrelationReport
        {
            ItemId = item.Id,
            Project = item.Project,
            RelatedProjects = related,
            From = from,
            To = to,
            Entries = found.OrderByDescending(f => f.Score).ThenByDescending(f => f.Timestamp).Take(MaxEntries).ToList(),
        };
    }

    private static string? Kind(AuditEntry e)
    {
        var type = e.OperationType;
        if (type.StartsWith("feedback.", StringComparison.Ordinal) || type is "operator.api" || type.EndsWith(".dry_run", StringComparison.Ordinal))
        {
            return null;
        }

        if (type.StartsWith("change.", StringComparison.Ordinal) || type.StartsWith("rollout", StringComparison.Ordinal))
        {
            return "change_impact";
        }

        if (type is "takeover.change" || type.StartsWith("emergency.", StringComparison.Ordinal))
        {
            return "level_change";
        }

        if (e.Outcome is "failed" or "timed_out" or "denied")
        {
            return "failed_operation";
        }

        var target = (e.Target ?? "") + " " + (e.Parameters?.GetValueOrDefault("operation") ?? "");
        if (target.Contains("deploy", StringComparison.OrdinalIgnoreCase) || target.Contains("rollout", StringComparison.OrdinalIgnoreCase) || target.Contains("rollback", StringComparison.OrdinalIgnoreCase) || type.EndsWith(".rollback", StringComparison.Ordinal))
        {
            return "deployment";
        }

        if (target.Contains("config", StringComparison.OrdinalIgnoreCase) || target.Contains("flag", StringComparison.OrdinalIgnoreCase) || target.Contains("migrat", StringComparison.OrdinalIgnoreCase) || type.StartsWith("instances.", StringComparison.Ordinal))
        {
            return "config_change";
        }

        return type.StartsWith("ops.run", StringComparison.Ordinal) || type == "approval.execute" ? "operation" : null;
    }

    private static string Human(TimeSpan t) =>
        t.TotalMinutes < 1 ? $"{t.TotalSeconds:0} s" : t.TotalHours < 1 ? $"{t.TotalMinutes:0} min" : t.TotalDays < 1 ? $"{t.TotalHours:0.#} h" : $"{t.TotalDays:0.#} d";
}
