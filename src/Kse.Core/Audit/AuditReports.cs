using System.Globalization;

namespace Kse.Core.Audit;

/// <summary>Counts of one day.</summary>
public sealed record AuditSummary
{
    public required string Date { get; init; }

    public required long Total { get; init; }

    public required IReadOnlyDictionary<string, long> ByProject { get; init; }

    public required IReadOnlyDictionary<string, long> ByType { get; init; }

    public required IReadOnlyDictionary<string, long> ByOutcome { get; init; }

    public required IReadOnlyDictionary<string, long> ByLevel { get; init; }

    public required IReadOnlyList<AuditFailure> Failures { get; init; }
}

/// <summary>A failed action of the day with what went wrong.</summary>
public sealed record AuditFailure(long Sequence, DateTimeOffset Timestamp, string? Project, string? Environment, string OperationType, string? Target, string? Outcome, string? ErrorContext, IReadOnlyList<string>? RecoveryAttempts, string Actor);

/// <summary>One anomaly flag: its kind, the project it concerns and a sentence saying why.</summary>
public sealed record AuditAnomaly(string Kind, string? Project, string Reason, IReadOnlyList<long> Sequences);

/// <summary>The flags raised since a moment.</summary>
public sealed record AuditAnomalyReport(DateTimeOffset Since, DateTimeOffset Until, long EntriesExamined, IReadOnlyList<AuditAnomaly> Anomalies);

/// <summary>Thresholds of <c>kse audit anomalies</c> (settings section <c>Kse:Audit:Anomalies</c>).</summary>
public sealed record AuditAnomalyOptions
{
    /// <summary>Flag a project when more than this share of its outcomes failed.</summary>
    public double ErrorRateThreshold { get; init; } = 0.2;

    /// <summary>...and it had at least this many outcomes (a rate of 1 in 2 says little).</summary>
    public int MinOutcomesForErrorRate { get; init; } = 5;

    /// <summary>How far back before <c>since</c> a project's baseline reaches.</summary>
    public int BaselineDays { get; init; } = 14;

    /// <summary>An hour is unusual when its count exceeds the baseline's hourly mean by this many standard deviations...</summary>
    public double VolumeSigma { get; init; } = 3.0;

    /// <summary>...and is at least this many times the mean, and at least <see cref="MinHourlyVolume"/>.</summary>
    public double VolumeFactor { get; init; } = 3.0;

    public int MinHourlyVolume { get; init; } = 20;

    /// <summary>Flag the same operation on the same target failing this many times.</summary>
    public int RepeatedFailures { get; init; } = 3;
}

/// <summary>Daily summaries and anomaly flags computed from entries.</summary>
public static class AuditReports
{
    public static readonly string[] FailureOutcomes = ["failed", "failure", "error", "errored", "timeout", "timed_out", "crashed"];

    public static bool IsFailure(AuditEntry e) =>
        e.Outcome is not null && FailureOutcomes.Contains(e.Outcome, StringComparer.OrdinalIgnoreCase);

    /// <summary>An outcome entry (as opposed to the decision entry written before an action ran).</summary>
    public static bool IsOutcome(AuditEntry e) =>
        e.Outcome is not null && !string.Equals(e.Outcome, "decided", StringComparison.OrdinalIgnoreCase);

    public static async Task<AuditSummary> SummarizeAsync(DateOnly date, IAsyncEnumerable<AuditEntry> entries)
    {
        var byProject = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byOutcome = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byLevel = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var failures = new List<AuditFailure>();
        long total = 0;
        await foreach (var e in entries)
        {
            total++;
            Bump(byProject, e.Project ?? "(none)");
            Bump(byType, e.OperationType);
            Bump(byOutcome, e.Outcome ?? "(none)");
            Bump(byLevel, e.TakeoverLevel ?? "(none)");
            if (IsFailure(e))
            {
                failures.Add(new AuditFailure(e.Sequence, e.Timestamp, e.Project, e.Environment, e.OperationType, e.Target, e.Outcome, e.ErrorContext, e.RecoveryAttempts, $"{e.ActorKind}:{e.ActorName}"));
            }
        }

        return new AuditSummary
        {
            Date = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Total = total,
            ByProject = byProject,
            ByType = byType,
            ByOutcome = byOutcome,
            ByLevel = byLevel,
            Failures = failures,
        };
    }

    /// <param name="baseline">Entries before <paramref name="since"/> (the projects' own history).</param>
    /// <param name="window">Entries from <paramref name="since"/> to <paramref name="until"/>.</param>
    public static async Task<AuditAnomalyReport> FindAnomaliesAsync(IAsyncEnumerable<AuditEntry> baseline, IAsyncEnumerable<AuditEntry> window, DateTimeOffset since, DateTimeOffset until, DateTimeOffset baselineFrom, AuditAnomalyOptions options)
    {
        var knownTypes = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var baselineHours = new Dictionary<string, Dictionary<long, int>>(StringComparer.Ordinal);
        await foreach (var e in baseline)
        {
            var p = e.Project ?? "(none)";
            Set(knownTypes, p).Add(e.OperationType);
            Bump(Hours(baselineHours, p), HourOf(e.Timestamp));
        }

        var windowEntries = await window.ToListAsync();
        var anomalies = new List<AuditAnomaly>();

        foreach (var group in windowEntries.GroupBy(e => e.Project ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var project = group.Key;
            var outcomes = group.Where(IsOutcome).ToList();
            var failed = outcomes.Where(IsFailure).ToList();
            if (outcomes.Count >= options.MinOutcomesForErrorRate && outcomes.Count > 0)
            {
                var rate = (double)failed.Count / outcomes.Count;
                if (rate > options.ErrorRateThreshold)
                {
                    anomalies.Add(new AuditAnomaly("error_rate", project,
                        $"{failed.Count} of {outcomes.Count} outcomes failed ({rate:P0}) since {since:u}, above the threshold of {options.ErrorRateThreshold:P0}",
                        failed.Select(f => f.Sequence).Take(50).ToList()));
                }
            }

            // Volume: this project's hours in the window against its own hourly history.
            var history = baselineHours.GetValueOrDefault(project);
            var baselineSpanHours = Math.Max(1, (long)Math.Ceiling((since - baselineFrom).TotalHours));
            if (history is not null && history.Count > 0)
            {
                var firstHour = Math.Max(history.Keys.Min(), HourOf(baselineFrom));
                var span = Math.Max(1, Math.Min(baselineSpanHours, HourOf(since) - firstHour));
                double sum = 0, sumSq = 0;
                for (var h = HourOf(since) - span; h < HourOf(since); h++)
                {
                    var c = history.GetValueOrDefault(h);
                    sum += c;
                    sumSq += (double)c * c;
                }

                var mean = sum / span;
                var sd = Math.Sqrt(Math.Max(0, (sumSq / span) - (mean * mean)));
                foreach (var hour in group.GroupBy(e => HourOf(e.Timestamp)).OrderBy(h => h.Key))
                {
                    var count = hour.Count();
                    if (count >= options.MinHourlyVolume && count > mean + (options.VolumeSigma * sd) && count >= options.VolumeFactor * Math.Max(mean, 1e-9))
                    {
                        var start = DateTimeOffset.FromUnixTimeSeconds(hour.Key * 3600);
                        anomalies.Add(new AuditAnomaly("volume", project,
                            $"{count} entries in the hour from {start:u}, against this project's usual {mean:0.#} per hour (standard deviation {sd:0.#}) over the previous {span} hours",
                            hour.Select(x => x.Sequence).Take(50).ToList()));
                    }
                }
            }

            if (knownTypes.TryGetValue(project, out var known))
            {
                foreach (var type in group.GroupBy(e => e.OperationType).Where(t => !known.Contains(t.Key)).OrderBy(t => t.Key, StringComparer.Ordinal))
                {
                    anomalies.Add(new AuditAnomaly("new_operation_type", project,
                        $"operation type '{type.Key}' was never seen for this project in the {options.BaselineDays} days before {since:u} ({type.Count()} entries now)",
                        type.Select(x => x.Sequence).Take(50).ToList()));
                }
            }

            foreach (var repeat in failed.GroupBy(f => (f.OperationType, f.Target, f.Environment)).Where(r => r.Count() >= options.RepeatedFailures))
            {
                var last = repeat.Last();
                anomalies.Add(new AuditAnomaly("repeated_failure", project,
                    $"'{repeat.Key.OperationType}' on '{repeat.Key.Target ?? "(no target)"}'{(repeat.Key.Environment is null ? string.Empty : $" in {repeat.Key.Environment}")} failed {repeat.Count()} times since {since:u}; last error: {last.ErrorContext ?? "(none recorded)"}",
                    repeat.Select(x => x.Sequence).Take(50).ToList()));
            }
        }

        return new AuditAnomalyReport(since, until, windowEntries.Count, anomalies);
    }

    private static long HourOf(DateTimeOffset t) => t.ToUnixTimeSeconds() / 3600;

    private static HashSet<string> Set(Dictionary<string, HashSet<string>> d, string key)
    {
        if (!d.TryGetValue(key, out var s))
        {
            d[key] = s = new HashSet<string>(StringComparer.Ordinal);
        }

        return s;
    }

    private static Dictionary<long, int> Hours(Dictionary<string, Dictionary<long, int>> d, string key)
    {
        if (!d.TryGetValue(key, out var s))
        {
            d[key] = s = [];
        }

        return s;
    }

    private static void Bump<TKey>(IDictionary<TKey, long> d, TKey key) => d[key] = d.TryGetValue(key, out var v) ? v + 1 : 1;

    private static void Bump(Dictionary<long, int> d, long key) => d[key] = d.TryGetValue(key, out var v) ? v + 1 : 1;
}
