using System.Text.Json;
using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Kse.Core.Learning;
using Kse.Core.Policy;
using Kse.Core.Rollouts;
using Kse.Storage.Approvals;
using Kse.Storage.Feedback;
using Kse.Storage.Learning;
using Kse.Storage.Policy;
using Kse.Storage.Postgres;
using Kse.Storage.Rollouts;
using Kse.TestKit;

namespace Kse.Storage.Tests.Contract;

/// <summary>Every store behind the Core interfaces, as one provider gives them.</summary>
public sealed class Stores : IAsyncDisposable
{
    public required IAuditTrail Trail { get; init; }

    public required IAuditReader Reader { get; init; }

    public required ITakeoverStore Takeover { get; init; }

    public required IApprovalStore Approvals { get; init; }

    public required IFeedbackStore Feedback { get; init; }

    public required IRolloutStore Rollouts { get; init; }

    public required IObservationStore Observations { get; init; }

    public required Func<ValueTask> Dispose { get; init; }

    public ValueTask DisposeAsync() => Dispose();
}

/// <summary>
/// The contract every store provider keeps: the same tests run against LiteDB and against a real PostgreSQL server. What the
/// Core relies on is here: one gapless chain under concurrent appends that verifies, filters that mean the same thing,
/// transitions that only one caller wins, conditional updates on revisions, values that round-trip exactly.
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1234567);

    protected Stores S { get; private set; } = null!;

    protected abstract Task<Stores> OpenAsync();

    public async Task InitializeAsync() => S = await OpenAsync();

    public async Task DisposeAsync() => await S.DisposeAsync();

    private static AuditDraft Draft(int i, string project = "shop", string? correlation = null) => new()
    {
        Actor = Actor.OsUser(i % 2 == 0 ? "Alice" : "bob"),
        OperationType = i % 3 == 0 ? "ops.run" : "tool.call",
        Project = project,
        Environment = "development",
        Target = $"target-{i}",
        Parameters = new Dictionary<string, string?> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ["token"] = "s3cret-value" },
        Outcome = i % 4 == 0 ? "Failed" : "succeeded",
        CorrelationId = correlation ?? $"corr-{i}",
        RelatedProjects = i % 5 == 0 ? ["billing"] : null,
    };

    [Fact]
    public async Task Append_Concurrently_KeepsOneGaplessChainThatVerifies()
    {
        var appended = await Task.WhenAll(Enumerable.Range(1, 60).Select(i => S.Trail.AppendAsync(Draft(i)).AsTask()));

        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), appended.Select(e => e.Sequence).Order());
        var chain = (await S.Reader.ReadChainAsync().ToListAsync()).ToList();
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), chain.Select(e => e.Sequence));
        var verified = AuditVerifier.Verify((await S.Reader.WalkChainAsync().ToListAsync()));
        Assert.True(verified.Intact, verified.Fault?.Message);
        Assert.Equal(60, verified.Entries);
        var head = (await S.Reader.HeadAsync());
        Assert.NotNull(head);
        Assert.Equal(60, head.Sequence);
        Assert.Equal(chain[^1].Hash, head.Hash);
        Assert.Equal(appended.Single(e => e.Sequence == 60).Hash, head.Hash);
        Assert.All(chain.Zip(chain.Skip(1)), p => Assert.True(p.Second.Timestamp >= p.First.Timestamp));
    }

    [Fact]
    public async Task Append_KeepsTheSealedEntryExactly_ControlCharactersAndSecretsIncluded()
    {
        var draft = Draft(7) with { Target = "nul\0 and é ✓ \u001b[31m", ErrorContext = "line1\nline2\ttab", Rules = ["a", "b"], RecoveryAttempts = ["retry 1"] };
        var sealedEntry = await S.Trail.AppendAsync(draft);

        var stored = Assert.Single((await S.Reader.ReadChainAsync().ToListAsync()));
        Assert.Equal(JsonSerializer.Serialize(sealedEntry, KseJson.Options), JsonSerializer.Serialize(stored, KseJson.Options));
        Assert.True(AuditCanonical.HashMatches(stored));
        Assert.Equal(SecretRedactor.Mask, stored.Parameters!["token"]);
    }

    [Fact]
    public async Task Query_FiltersMeanTheSameOnEveryStore()
    {
        for (var i = 1; i <= 20; i++)
        {
            // Nested ids: "joined-s01" and "joined-s01-rb" belong to "joined"; "joinedx" and "join" do not.
            var correlation = i switch { 3 or 4 => "joined", 5 => "joined-s01", 6 => "joined-s01-rb", 7 => "joinedx", 8 => "join", _ => null };
            await S.Trail.AppendAsync(Draft(i, project: i <= 10 ? "shop" : "billing", correlation: correlation));
        }

        var all = (await S.Reader.ReadChainAsync().ToListAsync()).ToList();
        foreach (var q in new[]
        {
            new AuditQuery { Project = "billing" },
            new AuditQuery { OperationType = "ops.run" },
            new AuditQuery { Outcome = "failed" },
            new AuditQuery { User = "alice" },
            new AuditQuery { Environment = "development" },
            new AuditQuery { CorrelationId = "joined" },
            new AuditQuery { CorrelationId = "joined-s01" },
            new AuditQuery { CorrelationId = "join" },
            new AuditQuery { From = all[4].Timestamp, To = all[4].Timestamp.AddMilliseconds(1), Project = "shop" },
        })
        {
            var expected = all.Where(q.Matches).Select(e => e.Sequence).ToList();
            Assert.Equal(expected, (await S.Reader.ScanAsync(q).ToListAsync()).Select(e => e.Sequence));
            Assert.Equal(expected.TakeLast(3), (await S.Reader.QueryAsync(q with { Limit = 3 })).Select(e => e.Sequence));
        }

        Assert.Equal([3L, 4L, 5L, 6L], (await S.Reader.QueryAsync(new AuditQuery { CorrelationId = "joined" })).Select(e => e.Sequence));
        Assert.Equal([18L, 19L, 20L], (await S.Reader.QueryAsync(new AuditQuery { Limit = 3 })).Select(e => e.Sequence));
        Assert.Equal([1L, 2L], (await S.Reader.ScanAsync(new AuditQuery { Limit = 2 }).ToListAsync()).Select(e => e.Sequence));
    }

    [Fact]
    public async Task EmptyStore_HasNoHeadAndAnEmptyChain()
    {
        Assert.Null((await S.Reader.HeadAsync()));
        Assert.Empty((await S.Reader.WalkChainAsync().ToListAsync()));
        Assert.Empty((await S.Reader.QueryAsync(new AuditQuery())));
        Assert.Null((await S.Approvals.GetAsync("apr-none")));
        Assert.Null((await S.Takeover.GetLevelAsync("shop", EnvironmentKind.Production)));
    }

    private static ApprovalRequest Approval(string id, string binding = "b1", DateTimeOffset? created = null, string project = "shop") => new()
    {
        Id = id,
        Tool = "ops_run",
        ArgumentsJson = "{\"operation\":\"restart\"}",
        Project = project,
        Environment = "production",
        Instance = "prod-1",
        Requester = "ai:claude",
        Reason = "restart after deploy",
        Risk = RiskClass.Critical,
        Binding = binding,
        State = ApprovalState.Pending,
        CreatedAt = created ?? T0,
        ExpiresAt = (created ?? T0).AddHours(24),
        EffectiveLevel = TakeoverLevel.L2,
        CorrelationId = "corr-" + id,
        Plan = new ApprovalPlan { Tool = "ops_run", Project = project, Risk = RiskClass.Critical, Argv = ["systemctl", "restart", "shop"], Command = "systemctl restart shop", DocumentSha256 = "ab12" },
        Confidence = new ApprovalConfidence { Score = 0.87, Source = "observed", Command = "systemctl restart shop", Support = 12, Evidence = ["ob-1", "ob-2"] },
    };

    [Fact]
    public async Task Approval_RoundTripsExactly()
    {
        var a = Approval("apr-1");
        await S.Approvals.InsertAsync(a);

        var got = (await S.Approvals.GetAsync("apr-1"));
        Assert.Equal(JsonSerializer.Serialize(a, KseJson.Options), JsonSerializer.Serialize(got, KseJson.Options));
    }

    [Fact]
    public async Task Approval_RacingExecutions_OnlyOneWins()
    {
        await S.Approvals.InsertAsync(Approval("apr-race"));
        Assert.True((await S.Approvals.TryTransitionAsync("apr-race", ApprovalState.Pending, ApprovalState.Approved, T0.AddMinutes(1), "op:carol", "ok", binding: "b1")));

        var wins = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            await S.Approvals.TryTransitionAsync("apr-race", ApprovalState.Approved, ApprovalState.Executed, T0.AddMinutes(2), binding: "b1", notExpiredAt: T0.AddMinutes(2)))));

        Assert.Equal(1, wins.Count(w => w));
        var a = (await S.Approvals.GetAsync("apr-race"))!;
        Assert.Equal(ApprovalState.Executed, a.State);
        Assert.Equal("op:carol", a.DecidedBy);
        Assert.Equal(T0.AddMinutes(2), a.ExecutedAt);
    }

    [Fact]
    public async Task Approval_TransitionConditions_BindingExpiryAndUndo()
    {
        await S.Approvals.InsertAsync(Approval("apr-c"));

        Assert.False((await S.Approvals.TryTransitionAsync("apr-c", ApprovalState.Pending, ApprovalState.Approved, T0, "op:x", "r", binding: "other")));
        Assert.False((await S.Approvals.TryTransitionAsync("apr-c", ApprovalState.Pending, ApprovalState.Approved, T0, "op:x", "r", notExpiredAt: T0.AddHours(25))));
        Assert.False((await S.Approvals.TryTransitionAsync("apr-c", ApprovalState.Approved, ApprovalState.Executed, T0)));
        Assert.True((await S.Approvals.TryTransitionAsync("apr-c", ApprovalState.Pending, ApprovalState.Approved, T0, "op:x", "r")));
        Assert.True((await S.Approvals.TryTransitionAsync("apr-c", ApprovalState.Approved, ApprovalState.Pending, T0)));
        var undone = (await S.Approvals.GetAsync("apr-c"))!;
        Assert.Equal(ApprovalState.Pending, undone.State);
        Assert.Null(undone.DecidedBy);
        Assert.Null(undone.DecidedAt);

        Assert.True((await S.Approvals.TryTransitionAsync("apr-c", ApprovalState.Pending, ApprovalState.Stale, T0, reason: "the command changed")));
        Assert.Equal("the command changed", (await S.Approvals.GetAsync("apr-c"))!.OutcomeDetail);
        await S.Approvals.RecordOutcomeAsync("apr-c", "failed", "exit 3");
        Assert.Equal(("failed", "exit 3"), ((await S.Approvals.GetAsync("apr-c"))!.Outcome, (await S.Approvals.GetAsync("apr-c"))!.OutcomeDetail));
    }

    [Fact]
    public async Task Approval_ListsDueAndFindsApproved()
    {
        await S.Approvals.InsertAsync(Approval("apr-old", binding: "bx", created: T0.AddHours(-30)));
        await S.Approvals.InsertAsync(Approval("apr-new", binding: "bx", created: T0));
        await S.Approvals.InsertAsync(Approval("apr-other", binding: "by", created: T0.AddMinutes(5), project: "billing"));
        Assert.True((await S.Approvals.TryTransitionAsync("apr-new", ApprovalState.Pending, ApprovalState.Approved, T0, "op:x", "r")));

        Assert.Equal(["apr-other", "apr-new", "apr-old"], (await S.Approvals.ListAsync()).Select(a => a.Id));
        Assert.Equal(["apr-other", "apr-old"], (await S.Approvals.ListAsync(ApprovalState.Pending)).Select(a => a.Id));
        Assert.Equal(["apr-other"], (await S.Approvals.ListAsync(project: "billing")).Select(a => a.Id));
        Assert.Single((await S.Approvals.ListAsync(limit: 1)));
        Assert.Equal(["apr-old"], (await S.Approvals.ListDueAsync(T0)).Select(a => a.Id));
        Assert.Equal("apr-new", (await S.Approvals.FindApprovedAsync("bx", T0))?.Id);
        Assert.Null((await S.Approvals.FindApprovedAsync("bx", T0.AddHours(25))));
        Assert.Null((await S.Approvals.FindApprovedAsync("by", T0)));
    }

    [Fact]
    public async Task Takeover_LevelsUpsertAndElevationsChangeOnce()
    {
        await S.Takeover.SetLevelAsync(new TakeoverSetting { Project = "shop", Environment = EnvironmentKind.Test, Level = TakeoverLevel.L3, Reason = "start", SetBy = "op:a", SetAt = T0, AuditSequence = 4 });
        await S.Takeover.SetLevelAsync(new TakeoverSetting { Project = "shop", Environment = EnvironmentKind.Test, Level = TakeoverLevel.L4, Reason = "earned", SetBy = "op:b", SetAt = T0.AddDays(1) });
        await S.Takeover.SetLevelAsync(new TakeoverSetting { Project = "shop", Environment = EnvironmentKind.Development, Level = TakeoverLevel.L5, Reason = "dev", SetBy = "op:a", SetAt = T0 });

        var level = (await S.Takeover.GetLevelAsync("shop", EnvironmentKind.Test))!;
        Assert.Equal((TakeoverLevel.L4, "earned", "op:b", T0.AddDays(1), (long?)null), (level.Level, level.Reason, level.SetBy, level.SetAt, level.AuditSequence));
        Assert.Equal([EnvironmentKind.Development, EnvironmentKind.Test], (await S.Takeover.ListLevelsAsync("shop")).Select(s => s.Environment));
        Assert.Empty((await S.Takeover.ListLevelsAsync("billing")));

        var e1 = new EmergencyElevation { Id = "el-1", Project = "shop", Environment = EnvironmentKind.Production, Level = TakeoverLevel.L2, Reason = "INC-1", GrantedBy = "op:a", GrantedAt = T0, ExpiresAt = T0.AddHours(1), RequestId = "apr-9" };
        var e2 = e1 with { Id = "el-2", Project = "billing", GrantedAt = T0.AddMinutes(1), RequestId = null };
        await S.Takeover.AddElevationAsync(e1);
        await S.Takeover.AddElevationAsync(e2);

        Assert.Equal(["el-2", "el-1"], (await S.Takeover.ListElevationsAsync()).Select(e => e.Id));
        Assert.Equal(["el-1"], (await S.Takeover.ListElevationsAsync("shop")).Select(e => e.Id));
        Assert.Equal(JsonSerializer.Serialize(e1, KseJson.Options), JsonSerializer.Serialize((await S.Takeover.GetElevationAsync("el-1")), KseJson.Options));
        Assert.True((await S.Takeover.RevokeElevationAsync("el-1", "op:b", "done", T0.AddMinutes(10))));
        Assert.False((await S.Takeover.RevokeElevationAsync("el-1", "op:c", "again", T0.AddMinutes(11))));
        Assert.False((await S.Takeover.RevokeElevationAsync("el-none", "op:c", "none", T0)));
        Assert.Equal(("op:b", "done"), ((await S.Takeover.GetElevationAsync("el-1"))!.RevokedBy, (await S.Takeover.GetElevationAsync("el-1"))!.RevokeReason));
        Assert.True((await S.Takeover.MarkExpiryRecordedAsync("el-2", T0.AddHours(2))));
        Assert.False((await S.Takeover.MarkExpiryRecordedAsync("el-2", T0.AddHours(3))));
        Assert.Equal(T0.AddHours(2), (await S.Takeover.GetElevationAsync("el-2"))!.ExpiryRecordedAt);
    }

    private static FeedbackItem Item(string id, string fingerprint = "fp1", DateTimeOffset? at = null) => new()
    {
        Id = id,
        Project = "shop",
        Title = "checkout is slow",
        Body = "since 10:00",
        Channel = "api",
        Type = "performance",
        Severity = "high",
        Confidence = 0.8,
        Rules = [],
        DecidedBy = "rules",
        State = "new",
        Fingerprint = fingerprint,
        Occurrences = 1,
        Reporters = ["u1"],
        Channels = ["api"],
        Reports = [],
        CreatedAt = at ?? T0,
        LastSeenAt = at ?? T0,
        History = [],
        Revision = 0,
    };

    [Fact]
    public async Task Feedback_UpdatesAreConditionalOnTheRevision()
    {
        await S.Feedback.InsertAsync(Item("fb-1"));
        await S.Feedback.InsertAsync(Item("fb-2", "fp2", T0.AddMinutes(1)) with { State = "resolved" });

        Assert.Equal("checkout is slow", (await S.Feedback.GetAsync("fb-1"))!.Title);
        Assert.True(await S.Feedback.TryUpdateAsync(Item("fb-1") with { Revision = 1, State = "acknowledged", Occurrences = 2 }, 0));
        Assert.False(await S.Feedback.TryUpdateAsync(Item("fb-1") with { Revision = 1, State = "resolved" }, 0));
        Assert.Equal(("acknowledged", 2), ((await S.Feedback.GetAsync("fb-1"))!.State, (await S.Feedback.GetAsync("fb-1"))!.Occurrences));
        Assert.Equal("fb-1", (await S.Feedback.FindByFingerprintAsync("shop", "fp1", T0))?.Id);
        Assert.Null(await S.Feedback.FindByFingerprintAsync("shop", "fp1", T0.AddSeconds(1)));
        Assert.Equal(["fb-2", "fb-1"], (await S.Feedback.ListAsync(new FeedbackQuery())).Select(i => i.Id));
        Assert.Equal(["fb-1"], (await S.Feedback.ListAsync(new FeedbackQuery { OpenOnly = true })).Select(i => i.Id));
        Assert.Equal(["fb-2"], (await S.Feedback.ListAsync(new FeedbackQuery { State = "resolved" })).Select(i => i.Id));

        var p = new TroubleshootingProposal { Id = "tp-1", Project = "shop", ItemId = "fb-1", Fingerprint = "fp1", Occurrences = 3, Document = "troubleshooting.md", Patch = "+ step", State = "proposed", CreatedAt = T0 };
        await S.Feedback.InsertProposalAsync(p);
        Assert.Equal("tp-1", (await S.Feedback.FindProposalAsync("shop", "fp1"))?.Id);
        Assert.Equal(["tp-1"], (await S.Feedback.ListProposalsAsync("shop")).Select(x => x.Id));
        Assert.Empty(await S.Feedback.ListProposalsAsync("billing"));
    }

    [Fact]
    public async Task Rollouts_AdvanceOnlyFromTheExpectedRevision()
    {
        var r = new Rollout { Id = "ro-1", State = "running", Project = "shop", Environment = "test", StartedBy = "op:a", Level = "minor", Waves = [], Steps = [], CreatedAt = T0, UpdatedAt = T0 };
        await S.Rollouts.InsertAsync(r);
        await S.Rollouts.InsertAsync(r with { Id = "ro-2", UpdatedAt = T0.AddMinutes(1) });

        Assert.True(await S.Rollouts.TryUpdateAsync(r with { State = "paused", Revision = 1, UpdatedAt = T0.AddMinutes(2) }, 0));
        Assert.False(await S.Rollouts.TryUpdateAsync(r with { State = "aborted", Revision = 1 }, 0));
        Assert.Equal("paused", (await S.Rollouts.GetAsync("ro-1"))!.State);
        Assert.Equal(["ro-1", "ro-2"], (await S.Rollouts.ListAsync(10)).Select(x => x.Id));
        Assert.Single(await S.Rollouts.ListAsync(1));
        Assert.Null(await S.Rollouts.GetAsync("ro-none"));
    }

    [Fact]
    public async Task Observations_AreListedOldestFirstWithTheNewestKept()
    {
        var list = Enumerable.Range(0, 5).Select(i => new Observation { Id = $"ob-{i}", Project = "shop", Environment = i == 4 ? "production" : "test", Command = $"cmd {i}", Source = "observe", StartedAt = T0.AddMinutes(i) }).ToList();
        await S.Observations.InsertAsync(list);

        Assert.Equal(5, await S.Observations.CountAsync("shop"));
        Assert.Equal(0, await S.Observations.CountAsync("billing"));
        Assert.Equal(["ob-2", "ob-3", "ob-4"], (await S.Observations.ListAsync(new ObservationQuery { Project = "shop", Limit = 3 })).Select(o => o.Id));
        Assert.Equal(["ob-0", "ob-1", "ob-2", "ob-3"], (await S.Observations.ListAsync(new ObservationQuery { Project = "shop", Environment = "test" })).Select(o => o.Id));
        Assert.Equal(["ob-3", "ob-4"], (await S.Observations.ListAsync(new ObservationQuery { Project = "shop", Since = T0.AddMinutes(3) })).Select(o => o.Id));
    }
}

public sealed class LiteDbStoreContractTests : StoreContractTests
{
    protected override Task<Stores> OpenAsync()
    {
        var ws = new TempWorkspace();
        var db = new KseDatabase(ws.Workspace);
        var audit = new AuditDatabase(ws.Workspace);
        var trail = new LiteDbAuditTrail(audit, TimeProvider.System);
        var observations = new LiteObservationStore(LiteObservationStore.PathIn(ws.Workspace));
        return Task.FromResult(new Stores
        {
            Trail = trail,
            Reader = new LiteDbAuditReader(audit),
            Takeover = new LiteTakeoverStore(db),
            Approvals = new LiteApprovalStore(db),
            Feedback = new LiteFeedbackStore(db),
            Rollouts = new LiteRolloutStore(db),
            Observations = observations,
            Dispose = () =>
            {
                trail.Dispose();
                audit.Dispose();
                observations.Dispose();
                db.Dispose();
                ws.Dispose();
                return ValueTask.CompletedTask;
            },
        });
    }
}

public sealed class PostgresStoreContractTests : StoreContractTests
{
    protected override async Task<Stores> OpenAsync()
    {
        var server = await PostgresServer.Shared();
        var store = new PostgresStore(await server.CreateDatabaseAsync());
        var trail = new PostgresAuditTrail(store, TimeProvider.System);
        return new Stores
        {
            Trail = trail,
            Reader = new PostgresAuditReader(store),
            Takeover = new PostgresTakeoverStore(store),
            Approvals = new PostgresApprovalStore(store),
            Feedback = new PostgresFeedbackStore(store),
            Rollouts = new PostgresRolloutStore(store),
            Observations = new PostgresObservationStore(store),
            Dispose = async () =>
            {
                await trail.DisposeAsync();
                await store.DisposeAsync();
            },
        };
    }
}
