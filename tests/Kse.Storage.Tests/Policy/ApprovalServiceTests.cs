using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Policy;

namespace Kse.Storage.Tests.Policy;

public sealed class ApprovalServiceTests
{
    private static ApprovalDraft Draft(string args = """{"version":"2.3","instance":"web-1"}""", string requester = "ai:claude") => new()
    {
        Tool = "ops_run",
        ArgumentsJson = args,
        Project = "shop",
        Environment = "production",
        Instance = "web-1",
        Requester = requester,
        Reason = "deploy 2.3",
        Risk = RiskClass.Critical,
    };

    [Fact]
    public async Task Create_StoresCanonicalArguments_AndABindingOfEverything()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(Draft("""{ "version": "2.3", "instance": "web-1", "opts": {"z":1,"a":[2, 1]} }"""));
        Assert.Equal("""{"instance":"web-1","opts":{"a":[2,1],"z":1},"version":"2.3"}""", a.ArgumentsJson);
        Assert.Equal(ApprovalState.Pending, a.State);
        Assert.Equal(a.CreatedAt.AddHours(24), a.ExpiresAt);
        Assert.Equal(ApprovalBinding.Compute(a), a.Binding);
        Assert.NotEqual(a.Binding, ApprovalBinding.Compute(a with { Instance = "web-2" }));
        Assert.NotEqual(a.Binding, ApprovalBinding.Compute(a with { ArgumentsJson = """{"instance":"web-1","opts":{"a":[2,1],"z":1},"version":"2.4"}""" }));
        Assert.NotEqual(a.Binding, ApprovalBinding.Compute(a with { Requester = "ai:other" }));
        Assert.Contains((await f.AuditEntriesAsync()), e => e.OperationType == "approval.request" && e.Parameters!["approvalId"] == a.Id);
    }

    [Fact]
    public async Task SecretsInArguments_AreBound_ButNeverWrittenToTheAuditTrail()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(Draft("""{"db":{"password":"hunter2","host":"db-1"},"url":"https://u:pa55@x.example/","list":[{"apiKey":"k-123"}]}"""));
        Assert.Contains("hunter2", a.ArgumentsJson);
        var logged = Assert.Single((await f.AuditEntriesAsync()), e => e.OperationType == "approval.request").Parameters!["arguments"]!;
        Assert.DoesNotContain("hunter2", logged);
        Assert.DoesNotContain("pa55", logged);
        Assert.DoesNotContain("k-123", logged);
        Assert.Contains("db-1", logged);
    }

    [Fact]
    public async Task Approval_WhoseAuditFails_DoesNotTakeEffect()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(Draft());
        var failing = new ApprovalService(f.ApprovalStore, new FailOn("approval.approve", f.Audit), f.Operators, [], new ApprovalOptions(), f.Clock);
        await Assert.ThrowsAsync<IOException>(() => failing.ApproveAsync(a.Id, "bob", null));
        var after = await f.Approvals.GetAsync(a.Id);
        Assert.Equal(ApprovalState.Pending, after.State);
        Assert.Null(after.DecidedBy);
        Assert.Null((await f.Approvals.TryBeginExecutionAsync(a.Id, a.Binding)));
        Assert.Equal(ApprovalState.Approved, (await f.Approvals.ApproveAsync(a.Id, "bob", null)).State);
    }

    private sealed class FailOn(string type, Kse.Core.Audit.IAuditTrail inner) : Kse.Core.Audit.IAuditTrail
    {
        public ValueTask<Kse.Core.Audit.AuditEntry> AppendAsync(Kse.Core.Audit.AuditDraft draft, CancellationToken cancellationToken = default) =>
            draft.OperationType == type ? throw new IOException("disk full") : inner.AppendAsync(draft, cancellationToken);
    }

    [Fact]
    public async Task SameArguments_InAnotherKeyOrder_GiveTheSameBinding()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(Draft("""{"b":1,"a":{"y":2,"x":1}}"""));
        var b = await f.Approvals.CreateAsync(Draft("""{"a":{"x":1,"y":2},"b":1}"""));
        Assert.Equal(a.Binding, b.Binding);
    }

    [Fact]
    public async Task Approve_ThenExecution_IsSingleUse()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(Draft());
        var approved = await f.Approvals.ApproveAsync(a.Id, "bob", "looks right");
        Assert.Equal(ApprovalState.Approved, approved.State);
        Assert.Equal("bob", approved.DecidedBy);
        var first = (await f.Approvals.TryBeginExecutionAsync(a.Id, a.Binding));
        var second = (await f.Approvals.TryBeginExecutionAsync(a.Id, a.Binding));
        Assert.NotNull(first);
        Assert.Equal(ApprovalState.Executed, first!.State);
        Assert.Null(second);
    }

    [Fact]
    public async Task ConcurrentExecutionClaims_OnlyOneWins()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(Draft());
        await f.Approvals.ApproveAsync(a.Id, "bob", null);
        using var start = new ManualResetEventSlim();
        var claims = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return (await f.Approvals.TryBeginExecutionAsync(a.Id, a.Binding));
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(claims);
        Assert.Single(results, r => r is not null);
    }

    [Fact]
    public async Task Execution_WithAChangedArgumentSet_IsImpossible()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(Draft());
        await f.Approvals.ApproveAsync(a.Id, "bob", null);
        var changed = ApprovalBinding.Compute(a with { ArgumentsJson = """{"instance":"web-1","version":"9.9"}""" });
        Assert.Null((await f.Approvals.TryBeginExecutionAsync(a.Id, changed)));
        Assert.Equal(ApprovalState.Approved, (await f.Approvals.GetAsync(a.Id)).State);
        Assert.NotNull((await f.Approvals.TryBeginExecutionAsync(a.Id, a.Binding)));
    }

    [Fact]
    public async Task Execution_OfAPendingOrRejectedApproval_IsImpossible()
    {
        using var f = new PolicyFixture();
        var pending = await f.Approvals.CreateAsync(Draft());
        var rejected = await f.Approvals.CreateAsync(Draft());
        await f.Approvals.RejectAsync(rejected.Id, "bob", "no");
        Assert.Null((await f.Approvals.TryBeginExecutionAsync(pending.Id, pending.Binding)));
        Assert.Null((await f.Approvals.TryBeginExecutionAsync(rejected.Id, rejected.Binding)));
        var ex = await Assert.ThrowsAsync<KseException>(() => f.Approvals.ApproveAsync(rejected.Id, "alice", null));
        Assert.Equal("approval.not_pending", ex.Code);
    }

    [Fact]
    public async Task Approver_MustDifferFromRequester()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(Draft(requester: "user:bob"));
        var ex = await Assert.ThrowsAsync<KseException>(() => f.Approvals.ApproveAsync(a.Id, "bob", null));
        Assert.Equal("approval.self_approval", ex.Code);
        Assert.Equal(KseErrorKind.Refused, ex.Kind);
    }

    [Fact]
    public async Task Approver_MustBeAConfiguredOperatorWithTheApproverRole()
    {
        using var f = new PolicyFixture(new KseOperator { Name = "carol", Roles = [KseOperator.EmergencyApproverRole] });
        var a = await f.Approvals.CreateAsync(Draft());
        Assert.Equal("policy.operator_unknown", (await Assert.ThrowsAsync<KseException>(() => f.Approvals.ApproveAsync(a.Id, "mallory", null))).Code);
        Assert.Equal("policy.operator_role_missing", (await Assert.ThrowsAsync<KseException>(() => f.Approvals.ApproveAsync(a.Id, "carol", null))).Code);
    }

    [Fact]
    public async Task PendingApproval_ExpiresAfterTheTtl_AndTheExpiryIsAudited()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(Draft());
        f.Clock.Advance(TimeSpan.FromHours(24));
        var expired = await f.Approvals.GetAsync(a.Id);
        Assert.Equal(ApprovalState.Expired, expired.State);
        var ex = await Assert.ThrowsAsync<KseException>(() => f.Approvals.ApproveAsync(a.Id, "bob", null));
        Assert.Equal("approval.expired", ex.Code);
        Assert.Single((await f.AuditEntriesAsync()), e => e.OperationType == "approval.expire" && e.Parameters!["approvalId"] == a.Id);
        await f.Approvals.ListAsync();
        Assert.Single((await f.AuditEntriesAsync()), e => e.OperationType == "approval.expire");
    }

    [Fact]
    public async Task ApprovedButUnexecuted_ExpiresToo_AndCannotRunAfterwards()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(Draft());
        await f.Approvals.ApproveAsync(a.Id, "bob", null);
        f.Clock.Advance(TimeSpan.FromHours(25));
        Assert.Null((await f.Approvals.TryBeginExecutionAsync(a.Id, a.Binding)));
        Assert.Equal(ApprovalState.Expired, (await f.Approvals.GetAsync(a.Id)).State);
    }

    [Fact]
    public async Task Changed_IsRaised_OnEveryTransition()
    {
        using var f = new PolicyFixture();
        var seen = new List<ApprovalState>();
        f.Approvals.Changed += a => seen.Add(a.State);
        var a = await f.Approvals.CreateAsync(Draft());
        await f.Approvals.ApproveAsync(a.Id, "bob", null);
        await f.Approvals.TryBeginExecutionAsync(a.Id, a.Binding);
        Assert.Equal([ApprovalState.Pending, ApprovalState.Approved, ApprovalState.Executed], seen);
    }

    [Fact]
    public async Task EmergencyRequest_ApprovedByAnEmergencyApprover_GrantsTheElevationOnce()
    {
        using var f = new PolicyFixture();
        var a = await f.Approvals.CreateAsync(new ApprovalDraft
        {
            Tool = ApprovalService.EmergencyRequestTool,
            ArgumentsJson = """{"project":"shop","environment":"pre-production","level":"L3","minutes":30,"reason":"checkout down"}""",
            Project = "shop",
            Environment = "pre-production",
            Requester = "ai:claude",
            Reason = "checkout down",
            Risk = RiskClass.Critical,
        });
        Assert.Equal("policy.operator_role_missing", (await Assert.ThrowsAsync<KseException>(() => f.Approvals.ApproveAsync(a.Id, "bob", null))).Code);
        var done = await f.Approvals.ApproveAsync(a.Id, "alice", "ok");
        Assert.Equal(ApprovalState.Executed, done.State);
        Assert.Equal("succeeded", done.Outcome);
        var view = Assert.Single((await f.Policy.ShowAsync("shop", "pre-production")).Environments);
        Assert.Equal(TakeoverLevel.L3, view.EffectiveLevel);
        Assert.Equal(a.Id, view.Elevation!.RequestId);
        f.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(TakeoverLevel.L1, Assert.Single((await f.Policy.ShowAsync("shop", "pre-production")).Environments).EffectiveLevel);
    }
}
