using System.Globalization;
using System.Text.Json.Serialization;
using Kse.Core.Audit;

namespace Kse.Core.Policy;

/// <summary>
/// Thresholds of progression (<c>Kse:Policy:Progression</c>). A promotion is suggested when all of MinDays, MinOperations,
/// MinConfidence and an error rate under the environment's threshold hold; a demotion is applied when the error rate of the last
/// DemotionWindow operations (at least DemotionMinOperations of them) is above the environment's threshold.
/// </summary>
public sealed record ProgressionOptions
{
    public double MinDays { get; init; } = 14;

    public int MinOperations { get; init; } = 100;

    /// <summary>The Wilson lower bound of the success rate that must be reached (0..1).</summary>
    public double MinConfidence { get; init; } = 0.8;

    public int DemotionWindow { get; init; } = 50;

    public int DemotionMinOperations { get; init; } = 10;

    /// <summary>Error rate (0..1) per environment: above it demotes, under it allows a promotion.</summary>
    public IReadOnlyDictionary<EnvironmentKind, double> ErrorRateThresholds { get; init; } = new Dictionary<EnvironmentKind, double>
    {
        [EnvironmentKind.Development] = 0.20,
        [EnvironmentKind.Test] = 0.10,
        [EnvironmentKind.PreProduction] = 0.05,
        [EnvironmentKind.Production] = 0.01,
    };

    public double ErrorRateThreshold(EnvironmentKind environment) =>
        ErrorRateThresholds.TryGetValue(environment, out var t) ? t : throw KseException.BadInput("config.invalid", $"no progression error-rate threshold for {environment.Name()}");

    public ProgressionThresholds For(EnvironmentKind environment) => new()
    {
        MinDays = MinDays,
        MinOperations = MinOperations,
        MinConfidence = MinConfidence,
        ErrorRateThreshold = ErrorRateThreshold(environment),
        DemotionWindow = DemotionWindow,
        DemotionMinOperations = DemotionMinOperations,
    };

    /// <summary>Throws <c>config.invalid</c> naming the first value out of range.</summary>
    public ProgressionOptions Validated()
    {
        static void Check(bool ok, string key, object value, string range)
        {
            if (!ok)
            {
                throw KseException.BadInput("config.invalid", $"Kse:Policy:Progression:{key} must be {range}; got {Convert.ToString(value, CultureInfo.InvariantCulture)}");
            }
        }

        Check(MinDays is >= 0 and <= 3650, nameof(MinDays), MinDays, "a number of days in [0, 3650]");
        Check(MinOperations is >= 0 and <= 1_000_000, nameof(MinOperations), MinOperations, "in [0, 1000000]");
        Check(MinConfidence is >= 0 and <= 1, nameof(MinConfidence), MinConfidence, "in [0, 1]");
        Check(DemotionWindow is >= 1 and <= 10_000, nameof(DemotionWindow), DemotionWindow, "in [1, 10000]");
        Check(DemotionMinOperations >= 1 && DemotionMinOperations <= DemotionWindow, nameof(DemotionMinOperations), DemotionMinOperations, $"in [1, DemotionWindow={DemotionWindow}]");
        foreach (var env in PolicyNames.AllEnvironments)
        {
            Check(ErrorRateThresholds.TryGetValue(env, out var t) && t is >= 0 and <= 1, $"ErrorRateThresholds:{env.Name()}", ErrorRateThresholds.GetValueOrDefault(env, double.NaN), "a rate in [0, 1]");
        }

        return this;
    }
}

/// <summary>The thresholds that apply to one environment.</summary>
public sealed record ProgressionThresholds
{
    public required double MinDays { get; init; }

    public required int MinOperations { get; init; }

    public required double MinConfidence { get; init; }

    /// <summary>The environment's error-rate threshold (0..1).</summary>
    public required double ErrorRateThreshold { get; init; }

    public required int DemotionWindow { get; init; }

    public required int DemotionMinOperations { get; init; }
}

/// <summary>
/// What the audit trail says about one project in one environment since its level was last changed (or, for a default level, since
/// the first entry). Operations are executed actions with an outcome; see <see cref="ProgressionEvidenceReader"/>.
/// </summary>
public sealed record ProgressionEvidence
{
    /// <summary>Start of the evidence period: when the level was last changed, null when it was never set (all history counts).</summary>
    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? FirstOperationAt { get; init; }

    public DateTimeOffset? LastOperationAt { get; init; }

    /// <summary>Days from the first operation of the period to now (0 without operations).</summary>
    public double DaysObserved { get; init; }

    public int Operations { get; init; }

    public int Errors { get; init; }

    public double ErrorRate { get; init; }

    /// <summary>The 95% Wilson lower bound of the success rate: with 95% confidence the true success rate is at least this.</summary>
    public double Confidence { get; init; }

    /// <summary>Operations in the demotion window: the newest ones of the period, at most the window size.</summary>
    public int WindowOperations { get; init; }

    public int WindowErrors { get; init; }

    public double WindowErrorRate { get; init; }

    /// <summary>Evidence from outcomes given oldest first (success = false for an error).</summary>
    public static ProgressionEvidence From(IReadOnlyList<(DateTimeOffset At, bool Failed)> operations, DateTimeOffset? since, int window, DateTimeOffset now)
    {
        var n = operations.Count;
        var errors = operations.Count(o => o.Failed);
        var recent = operations.Skip(Math.Max(0, n - window)).ToList();
        var windowErrors = recent.Count(o => o.Failed);
        DateTimeOffset? first = n > 0 ? operations[0].At : null;
        return new ProgressionEvidence
        {
            Since = since,
            FirstOperationAt = first,
            LastOperationAt = n > 0 ? operations[^1].At : null,
            DaysObserved = first is { } f && now > f ? Math.Round((now - f).TotalDays, 4) : 0,
            Operations = n,
            Errors = errors,
            ErrorRate = n == 0 ? 0 : Math.Round((double)errors / n, 4),
            Confidence = Math.Round(ProgressionRules.WilsonLowerBound(n - errors, n), 4),
            WindowOperations = recent.Count,
            WindowErrors = windowErrors,
            WindowErrorRate = recent.Count == 0 ? 0 : Math.Round((double)windowErrors / recent.Count, 4),
        };
    }
}

/// <summary>What progression recommends.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProgressionAction>))]
public enum ProgressionAction
{
    [JsonStringEnumMemberName("hold")]
    Hold,
    [JsonStringEnumMemberName("promote")]
    Promote,
    [JsonStringEnumMemberName("demote")]
    Demote,
}

/// <summary>One criterion and whether the evidence meets it.</summary>
public sealed record ProgressionCriterion(string Id, bool Met, string Text);

/// <summary>The recommendation: promote one level (a human applies it), demote one level (applied by itself) or hold, with reasons.</summary>
public sealed record ProgressionRecommendation
{
    public required ProgressionAction Action { get; init; }

    public required TakeoverLevel From { get; init; }

    /// <summary>The level after the action; equals <see cref="From"/> for hold.</summary>
    public required TakeoverLevel To { get; init; }

    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>Promotion criteria; each names its threshold and the evidence.</summary>
    public required IReadOnlyList<ProgressionCriterion> Criteria { get; init; }
}

/// <summary>The pure part of progression: (level, cap, evidence, thresholds) → recommendation. No I/O, no clock.</summary>
public static class ProgressionRules
{
    /// <summary>A rate as a percentage with at most one decimal, e.g. <c>12.5%</c>.</summary>
    public static string Percent(double rate) => (rate * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z = 1.959964;

    /// <summary>
    /// The lower end of the Wilson score interval for <paramref name="successes"/> of <paramref name="total"/>: unlike the plain
    /// success rate it is low for small samples (3 of 3 gives 0.44, 100 of 100 gives 0.96), so one number carries both the rate
    /// and how much evidence stands behind it. 0 without operations.
    /// </summary>
    public static double WilsonLowerBound(int successes, int total)
    {
        if (total <= 0)
        {
            return 0;
        }

        double n = total;
        var p = successes / n;
        var z2 = Z * Z;
        var centre = p + (z2 / (2 * n));
        var margin = Z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        return Math.Clamp((centre - margin) / (1 + (z2 / n)), 0, 1);
    }

    /// <summary>
    /// Demote one level (never below L1) when the window holds at least DemotionMinOperations operations and its error rate is above
    /// the threshold; otherwise promote one level (never above the cap) when every criterion holds; otherwise hold.
    /// A level above the cap is judged as the cap (that is the level in force).
    /// </summary>
    public static ProgressionRecommendation Recommend(TakeoverLevel level, TakeoverLevel cap, ProgressionEvidence e, ProgressionThresholds t)
    {
        var current = level > cap ? cap : level;
        if (current < TakeoverLevel.L1)
        {
            current = TakeoverLevel.L1;
        }

        var inv = CultureInfo.InvariantCulture;
        var criteria = new List<ProgressionCriterion>
        {
            new("promote.days", e.DaysObserved >= t.MinDays, string.Create(inv, $"{e.DaysObserved:0.#} of at least {t.MinDays:0.#} days observed")),
            new("promote.operations", e.Operations >= t.MinOperations, string.Create(inv, $"{e.Operations} of at least {t.MinOperations} operations")),
            new("promote.confidence", e.Operations > 0 && e.Confidence >= t.MinConfidence, string.Create(inv, $"confidence {e.Confidence:0.###} (95% Wilson lower bound of the success rate), at least {t.MinConfidence:0.###} needed")),
            new("promote.error_rate", e.Operations > 0 && e.ErrorRate < t.ErrorRateThreshold, string.Create(inv, $"error rate {ProgressionRules.Percent(e.ErrorRate)} ({e.Errors} of {e.Operations}), must be under {ProgressionRules.Percent(t.ErrorRateThreshold)}")),
        };

        if (e.WindowOperations >= t.DemotionMinOperations && e.WindowErrorRate > t.ErrorRateThreshold)
        {
            var why = string.Create(inv, $"{e.WindowErrors} of the last {e.WindowOperations} operations failed ({ProgressionRules.Percent(e.WindowErrorRate)}), above the {ProgressionRules.Percent(t.ErrorRateThreshold)} threshold");
            return current > TakeoverLevel.L1
                ? new ProgressionRecommendation { Action = ProgressionAction.Demote, From = current, To = current - 1, Reasons = [$"demote.error_rate: {why}"], Criteria = criteria }
                : new ProgressionRecommendation { Action = ProgressionAction.Hold, From = current, To = current, Reasons = [$"hold.at_floor: {why}, but {current} is the lowest level"], Criteria = criteria };
        }

        var unmet = criteria.Where(c => !c.Met).ToList();
        if (unmet.Count > 0)
        {
            return new ProgressionRecommendation { Action = ProgressionAction.Hold, From = current, To = current, Reasons = unmet.Select(c => $"{c.Id}: {c.Text}").ToList(), Criteria = criteria };
        }

        if (current >= cap)
        {
            return new ProgressionRecommendation { Action = ProgressionAction.Hold, From = current, To = current, Reasons = [$"hold.at_cap: the evidence is there, but {current} is the environment's cap"], Criteria = criteria };
        }

        return new ProgressionRecommendation
        {
            Action = ProgressionAction.Promote,
            From = current,
            To = current + 1,
            Reasons = [.. criteria.Select(c => $"{c.Id}: {c.Text}"), $"promote.suggested: a human may raise {current} to {current + 1} (cap {cap})"],
            Criteria = criteria,
        };
    }
}

/// <summary>
/// Which audit entries are operations. An operation is an action that was executed in a project and environment and has an outcome:
/// an <c>ops.run</c> outcome (<c>succeeded</c>, <c>failed</c>, <c>timed_out</c>; every risk class, since each ran a real command on an
/// instance), or a <c>tool.call</c> outcome (<c>succeeded</c>, <c>flagged</c>, <c>failed</c>) of a non-read tool other than
/// <c>ops_run</c> (whose run is already its <c>ops.run</c> entry). Decisions (<c>decided</c>), queued, observed, denied, cancelled calls,
/// dry runs and read-only tool calls (queries of kse itself) are not. Errors are <c>failed</c> and <c>timed_out</c>.
/// </summary>
public static class ProgressionEvidenceReader
{
    public const string ToolCall = "tool.call";
    public const string OpsRun = "ops.run";
    public const string OpsRunTool = "ops_run";

    public static bool IsOperation(AuditEntry e, out bool failed)
    {
        failed = false;
        var outcome = e.Outcome?.ToLowerInvariant();
        if (e.Project is null || e.Environment is null || outcome is null)
        {
            return false;
        }

        if (e.OperationType == OpsRun)
        {
            failed = outcome is "failed" or "timed_out";
            return failed || outcome == "succeeded";
        }

        if (e.OperationType == ToolCall && e.Target != OpsRunTool && !(e.Rules?.Any(r => r.StartsWith("decide.read_runs", StringComparison.Ordinal)) ?? false))
        {
            failed = outcome == "failed";
            return failed || outcome is "succeeded" or "flagged";
        }

        return false;
    }

    /// <summary>
    /// Operations of one project and environment after the level change <paramref name="since"/> (its audit entry
    /// <paramref name="afterSequence"/> when known: sequence order is exact where timestamps share a millisecond), oldest first.
    /// </summary>
    public static async Task<List<(DateTimeOffset At, bool Failed)>> ReadAsync(IAuditReader reader, string project, EnvironmentKind environment, DateTimeOffset? since, long? afterSequence, CancellationToken cancellationToken = default)
    {
        var list = new List<(DateTimeOffset, bool)>();
        await foreach (var e in reader.ScanAsync(Query(project, environment, since, afterSequence, null, null), cancellationToken))
        {
            if (InPeriod(e, project, since, afterSequence) && IsOperation(e, out var failed))
            {
                list.Add((e.Timestamp, failed));
            }
        }

        return list;
    }

    /// <summary>The newest operations of the period (at most <paramref name="window"/>), oldest first, from a bounded number of newest entries per type.</summary>
    public static async Task<List<(DateTimeOffset At, bool Failed)>> ReadRecentAsync(IAuditReader reader, string project, EnvironmentKind environment, DateTimeOffset? since, long? afterSequence, int window, CancellationToken cancellationToken = default)
    {
        var found = new List<(long Seq, DateTimeOffset At, bool Failed)>();
        foreach (var type in new[] { OpsRun, ToolCall })
        {
            // A decision entry precedes each outcome, and read calls share the type: 8 entries per wanted operation is ample.
            foreach (var e in await reader.QueryAsync(Query(project, environment, since, afterSequence, type, Math.Max(window * 8, 200)), cancellationToken))
            {
                if (InPeriod(e, project, since, afterSequence) && IsOperation(e, out var failed))
                {
                    found.Add((e.Sequence, e.Timestamp, failed));
                }
            }
        }

        return found.OrderBy(x => x.Seq).TakeLast(window).Select(x => (x.At, x.Failed)).ToList();
    }

    // The ts index narrows the scan; a second of slack covers entries that share the change's millisecond.
    private static AuditQuery Query(string project, EnvironmentKind environment, DateTimeOffset? since, long? afterSequence, string? type, int? limit) => new()
    {
        Project = project,
        Environment = environment.Name(),
        OperationType = type,
        From = since is { } s ? (afterSequence is null ? s : s.AddSeconds(-1)) : null,
        Limit = limit,
    };

    // The project filter also matches related projects; progression counts only the project's own entries.
    private static bool InPeriod(AuditEntry e, string project, DateTimeOffset? since, long? afterSequence) =>
        e.Project == project && (afterSequence is { } seq ? e.Sequence > seq : since is null || e.Timestamp >= since);
}
