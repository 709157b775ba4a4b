using Kse.Core.Audit;

namespace Kse.Core.Tests;

public sealed class AuditReportsTests
{
    private static readonly DateTimeOffset Since = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
    private long _seq;

    private AuditEntry E(DateTimeOffset at, string project = "shop", string type = "tool.call", string? outcome = "succeeded", string? target = "restart-service", string? error = null, string level = "L2") => new()
    {
        Sequence = ++_seq,
        Timestamp = at,
        ActorKind = Actor.AiClient,
        ActorName = "claude",
        OperationType = type,
        Project = project,
        Environment = "production",
        TakeoverLevel = level,
        Target = target,
        Outcome = outcome,
        ErrorContext = error,
        PreviousHash = AuditCanonical.GenesisHash,
        Hash = AuditCanonical.GenesisHash,
    };

    private List<AuditEntry> Baseline(string project = "shop")
    {
        // Two entries an hour for 14 days.
        var list = new List<AuditEntry>();
        for (var h = 14 * 24; h > 0; h--)
        {
            list.Add(E(Since.AddHours(-h), project));
            list.Add(E(Since.AddHours(-h).AddMinutes(30), project, outcome: "decided"));
        }

        return list;
    }

    private static Task<AuditAnomalyReport> FindAsync(IEnumerable<AuditEntry> baseline, IEnumerable<AuditEntry> window) =>
        AuditReports.FindAnomaliesAsync(baseline.ToAsyncEnumerable(), window.ToAsyncEnumerable(), Since, Since.AddHours(6), Since.AddDays(-14), new AuditAnomalyOptions());

    [Fact]
    public async Task Summarize_CountsByProjectTypeOutcomeAndLevel_AndListsFailuresWithTheirError()
    {
        var day = new[]
        {
            E(Since.AddHours(1)),
            E(Since.AddHours(2), "web", "takeover.change", level: "L3"),
            E(Since.AddHours(3), outcome: "failed", error: "service did not come back within 60s"),
        };
        var s = await AuditReports.SummarizeAsync(DateOnly.FromDateTime(Since.UtcDateTime), day.ToAsyncEnumerable());
        Assert.Equal(3, s.Total);
        Assert.Equal(2, s.ByProject["shop"]);
        Assert.Equal(1, s.ByType["takeover.change"]);
        Assert.Equal(1, s.ByOutcome["failed"]);
        Assert.Equal(2, s.ByLevel["L2"]);
        var failure = Assert.Single(s.Failures);
        Assert.Equal("service did not come back within 60s", failure.ErrorContext);
    }

    [Fact]
    public async Task Anomalies_NothingFlagged_ForAnOrdinaryDay()
    {
        var window = Enumerable.Range(0, 6).Select(h => E(Since.AddHours(h))).ToList();
        Assert.Empty((await FindAsync(Baseline(), window)).Anomalies);
    }

    [Fact]
    public async Task Anomalies_FlagsAnErrorRateOverTheThreshold_SayingHowMany()
    {
        var window = Enumerable.Range(0, 10).Select(i => E(Since.AddMinutes(i), outcome: i < 4 ? "failed" : "succeeded", target: $"t{i}")).ToList();
        var flag = Assert.Single((await FindAsync(Baseline(), window)).Anomalies, a => a.Kind == "error_rate");
        Assert.Contains("4 of 10 outcomes failed", flag.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anomalies_FlagsAnHourFarAboveTheProjectsOwnBaseline()
    {
        var window = Enumerable.Range(0, 60).Select(i => E(Since.AddHours(2).AddSeconds(i))).ToList();
        var flag = Assert.Single((await FindAsync(Baseline(), window)).Anomalies, a => a.Kind == "volume");
        Assert.Contains("60 entries in the hour", flag.Reason, StringComparison.Ordinal);
        Assert.Contains("usual 2 per hour", flag.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anomalies_JudgesVolumeAgainstEachProjectsOwnHistory()
    {
        // 'busy' always does 60 an hour; the same 60 in the window is normal for it.
        var busyBaseline = Enumerable.Range(1, 14 * 24).SelectMany(h => Enumerable.Range(0, 60).Select(i => E(Since.AddHours(-h).AddSeconds(i), "busy"))).ToList();
        var window = Enumerable.Range(0, 60).Select(i => E(Since.AddHours(2).AddSeconds(i), "busy")).ToList();
        Assert.DoesNotContain((await FindAsync(busyBaseline, window)).Anomalies, a => a.Kind == "volume");
    }

    [Fact]
    public async Task Anomalies_FlagsANeverSeenOperationType()
    {
        var window = new[] { E(Since.AddHours(1), type: "db.drop") };
        var flag = Assert.Single((await FindAsync(Baseline(), window)).Anomalies);
        Assert.Equal("new_operation_type", flag.Kind);
        Assert.Contains("'db.drop' was never seen", flag.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anomalies_FlagsRepeatedFailuresOfTheSameOperation_WithTheLastError()
    {
        var window = Enumerable.Range(0, 3).Select(i => E(Since.AddMinutes(i), outcome: "failed", error: $"timeout {i}")).ToList();
        var flag = Assert.Single((await FindAsync(Baseline(), window)).Anomalies, a => a.Kind == "repeated_failure");
        Assert.Contains("failed 3 times", flag.Reason, StringComparison.Ordinal);
        Assert.Contains("timeout 2", flag.Reason, StringComparison.Ordinal);
        Assert.Equal(3, flag.Sequences.Count);
    }
}
