using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Rollouts;
using Kse.Core.Specs;
using Kse.Server.Tests.Http;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Rollouts;

/// <summary>
/// Orchestrated rollouts end to end on the real HTTP host: three projects (billing the provider with a database migration,
/// storefront a consumer of its API on two instances, reports a consumer of its database) whose operations are harmless local
/// commands. A change that removes an API path and drops a column rolls out in three waves: billing expands, the consumers
/// migrate, billing contracts.
/// </summary>
public sealed class RolloutEndToEndTests
{
    private static Task<Rollout> StartAsync(KseHttpTestHost host, string environment, Actor actor) =>
        host.Services.GetRequiredService<RolloutService>().StartAsync(
            new RolloutStartRequest { Files = Kse.Core.Changes.UnifiedDiff.Parse(RolloutFixtures.Change), Project = "billing", Environment = environment },
            actor);

    private static async Task<List<AuditEntry>> EntriesAsync(KseHttpTestHost host) => (await host.Services.GetRequiredService<IAuditReader>().ReadChainAsync().ToListAsync()).ToList();

    [Fact]
    public async Task AllWaves_RunToTheEnd_AsTheAi_OverMcp_CanaryFirst_WithProgress_AndEveryStepAuditedUnderTheRolloutId()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        RolloutFixtures.Seed(host.Workspace);
        await using var mcp = await host.ConnectMcpAsync("rollout-ai");
        var progress = new Collector();

        var result = await mcp.CallToolAsync("rollout_start", new Dictionary<string, object?> { ["project"] = "billing", ["environment"] = "development", ["diff"] = RolloutFixtures.Change }, progress);

        Assert.NotEqual(true, result.IsError);
        var structured = JsonSerializer.SerializeToElement(result.StructuredContent);
        Assert.Equal("completed", structured.GetProperty("status").GetString());
        var r = structured.GetProperty("rollout").Deserialize<Rollout>(Kse.Core.KseJson.Options)!;
        Assert.Equal("completed", r.State);
        Assert.Equal([("expand", "billing"), ("migrate", "reports,storefront"), ("contract", "billing")], r.Waves.Select(w => (w.Phase, string.Join(",", w.Projects))));
        Assert.All(r.Waves, w => Assert.Equal("completed", w.Status));
        Assert.All(r.Steps, s => Assert.Equal("succeeded", s.Status));
        Assert.Equal(
            ["b-migrate@b-dev", "b-deploy@b-dev", "b-health@b-dev",
             "r-migrate@r-dev", "r-health@r-dev", "s-deploy@s-dev-1", "s-health@s-dev-1", "s-deploy@s-dev-2", "s-health@s-dev-2",
             "b-deploy@b-dev", "b-health@b-dev"],
            r.Steps.Select(s => $"{s.Operation}@{s.Instance}"));
        Assert.Equal([true, true], r.Steps.Where(s => s.Instance == "s-dev-1").Select(s => s.Canary));
        Assert.Equal("ai:rollout-ai", r.StartedBy);

        // Every step ran as an ops_run action decided for the AI, under the step's correlation id (the rollout's id and its number).
        var entries = (await EntriesAsync(host));
        foreach (var step in r.Steps)
        {
            var run = entries.Where(e => e.OperationType == "ops.run" && e.CorrelationId == step.CorrelationId).ToList();
            Assert.StartsWith(r.Id + "-s", step.CorrelationId, StringComparison.Ordinal);
            Assert.Equal(["decided", "succeeded"], run.Select(e => e.Outcome));
            Assert.All(run, e => Assert.Equal("ai:rollout-ai", $"{e.ActorKind}:{e.ActorName}"));
        }

        // The rollout's own entries replay it: start, one entry per step, completion.
        var own = entries.Where(e => e.CorrelationId == r.Id).ToList();
        Assert.Equal("rollout.start", own[0].OperationType);
        Assert.Equal("rollout.completed", own[^1].OperationType);
        Assert.Equal(r.Steps.Select(s => s.CorrelationId), own.Where(e => e.OperationType == "rollout.step").Select(e => e.Parameters!["stepCorrelation"]));
        Assert.All(own, e => Assert.Equal(r.Id, e.Parameters!["rollout"]));

        // Progress came while steps ran, up to the total; the resource shows the same rollout.
        // Notifications sent while steps ran (long before the result); the SDK may drop one handled after the result, so
        // the test waits for mid-run ones only.
        await progress.WaitForAsync(p => p.Message == "[5/11] wave 2: s-deploy on storefront/s-dev-1 (canary)");
        await progress.WaitForAsync(p => p.Message == "running 's-deploy' on s-dev-1 (attempt 1)");
        // Each notification moves forward (the client hands them to handlers concurrently, so compare them as a set).
        Assert.Equal(progress.Items.Count, progress.Items.Select(p => p.Progress).Distinct().Count());
        var resource = await mcp.ReadResourceAsync($"kse://rollouts/{r.Id}");
        var text = Assert.IsType<TextResourceContents>(Assert.Single(resource.Contents)).Text;
        Assert.Equal("completed", JsonDocument.Parse(text).RootElement.GetProperty("state").GetString());
        var status = await mcp.CallToolAsync("rollout_status", new Dictionary<string, object?> { ["id"] = r.Id });
        Assert.Equal(r.Id, JsonSerializer.SerializeToElement(status.StructuredContent).GetProperty("rollout").GetProperty("id").GetString());
    }

    [Fact]
    public async Task AHealthCheckFailingInWave2_HaltsTheRollout_AndRollsBackWave2sDoneStepsInReverse_LeavingWave1()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        RolloutFixtures.Seed(host.Workspace, storefrontHealth: "[\"false\"]");
        var bob = Actor.OsUser("bob");

        var r = await StartAsync(host, "development", bob);

        Assert.Equal("failed", r.State);
        Assert.Contains("wave 2", r.StoppedAt);
        Assert.Contains("s-health on storefront/s-dev-1 failed", r.StoppedAt);
        Assert.Equal(["completed", "failed", "pending"], r.Waves.Select(w => w.Status));
        Assert.All(r.Steps.Where(s => s.Wave == 1), s => Assert.Equal("succeeded", s.Status));
        var wave2 = r.Steps.Where(s => s.Wave == 2).ToDictionary(s => $"{s.Operation}@{s.Instance}", s => s.Status);
        Assert.Equal("rolled_back", wave2["r-migrate@r-dev"]);
        Assert.Equal("succeeded", wave2["r-health@r-dev"]);
        Assert.Equal("rolled_back", wave2["s-deploy@s-dev-1"]);
        Assert.Equal("failed", wave2["s-health@s-dev-1"]);
        Assert.Equal("pending", wave2["s-deploy@s-dev-2"]);

        // The rollbacks ran in reverse order of their steps, each an ops_run decided for bob, audited under the rollout.
        var entries = (await EntriesAsync(host));
        var rollbacks = entries.Where(e => e.OperationType == "rollout.rollback" && e.CorrelationId == r.Id).ToList();
        Assert.Equal(["s-undeploy@s-dev-1", "r-migrate-down@r-dev"], rollbacks.Select(e => e.Target));
        Assert.All(rollbacks, e => Assert.Equal("rolled_back", e.Outcome));
        var undeploy = entries.Where(e => e.OperationType == "ops.run" && e.Target == "s-undeploy@s-dev-1").ToList();
        Assert.Equal(["decided", "succeeded"], undeploy.Select(e => e.Outcome));
        Assert.All(undeploy, e => Assert.Equal("bob", e.ActorName));
        Assert.StartsWith(r.Id, undeploy[0].CorrelationId, StringComparison.Ordinal);
        Assert.Single(entries, e => e.OperationType == "rollout.failed" && e.CorrelationId == r.Id);
        Assert.DoesNotContain(entries, e => e.Target is "b-undeploy@b-dev" or "b-migrate-down@b-dev");

        // After a fix, resume runs wave 2 again from its first step and the rollout completes.
        RolloutFixtures.Seed(host.Workspace);
        var resumed = await host.Services.GetRequiredService<RolloutService>().ResumeAsync(r.Id, bob);
        Assert.Equal("completed", resumed.State);
        Assert.All(resumed.Steps, s => Assert.Equal("succeeded", s.Status));
    }

    /// <summary>Reads the rollout until <paramref name="done"/> holds (the server continues it in the background), at most 30 s.</summary>
    private static async Task<List<AuditEntry>> EntriesWhenAsync(KseHttpTestHost host, Func<List<AuditEntry>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var entries = await EntriesAsync(host);
            if (done(entries) || DateTime.UtcNow > deadline)
            {
                return entries;
            }

            await Task.Delay(50);
        }
    }

    private static async Task<Rollout> WaitForAsync(KseHttpTestHost host, string id, Func<Rollout, bool> done)
    {
        var rollouts = host.Services.GetRequiredService<RolloutService>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var r = await rollouts.GetAsync(id);
            if (done(r) || DateTime.UtcNow > deadline)
            {
                return r;
            }

            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task AQueuedStep_PausesTheRollout_UntilApprovedOnTheOperatorApi_ThenItContinuesByItself()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        RolloutFixtures.Seed(host.Workspace, reportsMigrateRisk: "critical");
        var bob = Actor.OsUser("bob");
        var rollouts = host.Services.GetRequiredService<RolloutService>();

        // A human's critical operation in pre-production needs a second operator (four-eyes): the step is queued.
        var paused = await StartAsync(host, "pre-production", bob);

        Assert.Equal("paused", paused.State);
        var queued = Assert.Single(paused.Steps, s => s.Status == "queued");
        Assert.Equal(("r-migrate", "r-pp"), (queued.Operation, queued.Instance));
        Assert.Equal(["completed", "paused", "pending"], paused.Waves.Select(w => w.Status));
        Assert.All(paused.Steps.Where(s => s.Number > queued.Number), s => Assert.Equal("pending", s.Status));
        var early = await Assert.ThrowsAsync<Kse.Core.KseException>(() => rollouts.ResumeAsync(paused.Id, bob));
        Assert.Equal("rollout.waiting", early.Code);

        // The operator API shows the paused rollout and the step waiting for approval.
        var shown = await host.Http.SendAsync(host.Request(HttpMethod.Get, $"/api/rollouts/{paused.Id}", KseHttpTestHost.AliceToken));
        var view = JsonDocument.Parse(await shown.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("paused", view.GetProperty("state").GetString());
        Assert.Contains(view.GetProperty("steps").EnumerateArray(), s => s.GetProperty("status").GetString() == "queued" && s.GetProperty("approvalId").GetString() == queued.ApprovalId);
        var listed = await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/rollouts", KseHttpTestHost.AliceToken));
        Assert.Contains(paused.Id, await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/rollouts", null))).StatusCode);

        var approve = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{queued.ApprovalId}/approve", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "migration reviewed" })));
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);

        // The step ran at approval; the server then continued the rollout to its end, nobody had to resume it.
        var done = await WaitForAsync(host, paused.Id, r => r.State == "completed");
        Assert.Equal("completed", done.State);
        Assert.All(done.Steps, s => Assert.Equal("succeeded", s.Status));
        Assert.Contains("approved by alice", done.Steps[queued.Number - 1].Message);
        // The rollout's state is stored before its completion entry is appended (the trail's next group commit): wait for both.
        var entries = await EntriesWhenAsync(host, all => all.Any(e => e.CorrelationId == paused.Id && e.OperationType == "rollout.completed"));
        // The step ran once, at approval, under its own correlation id; the pause and the continuation are the rollout's entries.
        Assert.Equal(["queued", "decided", "succeeded"], entries.Where(e => e.OperationType == "ops.run" && e.CorrelationId == queued.CorrelationId).Select(e => e.Outcome));
        var own = entries.Where(e => e.CorrelationId == paused.Id).ToList();
        Assert.Equal(1, own.Count(e => e.OperationType == "rollout.paused"));
        var resume = Assert.Single(own, e => e.OperationType == "rollout.resume");
        Assert.Equal(("operator", "alice"), (resume.ActorKind, resume.ActorName));
        Assert.Equal("rollout.completed", own[^1].OperationType);
        // The steps after the approval were still decided for bob, who started the rollout.
        Assert.All(entries.Where(e => e.OperationType == "ops.run" && e.Outcome == "decided" && done.Steps.Where(s => s.Number > queued.Number).Any(s => s.CorrelationId == e.CorrelationId)),
            e => Assert.Equal(("user", "bob"), (e.ActorKind, e.ActorName)));

        // A manual resume afterwards finds nothing to do.
        var again = await Assert.ThrowsAsync<Kse.Core.KseException>(() => rollouts.ResumeAsync(paused.Id, bob));
        Assert.Equal("rollout.finished", again.Code);
    }

    [Fact]
    public async Task ARejectedStep_HaltsTheRollout_AndRollsItsWaveBack_ByItself()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        RolloutFixtures.Seed(host.Workspace, reportsMigrateRisk: "critical");
        var paused = await StartAsync(host, "pre-production", Actor.OsUser("bob"));
        var queued = Assert.Single(paused.Steps, s => s.Status == "queued");

        var reject = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{queued.ApprovalId}/reject", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "not this week" })));
        Assert.Equal(HttpStatusCode.OK, reject.StatusCode);

        var failed = await WaitForAsync(host, paused.Id, r => r.State == "failed");
        Assert.Equal("failed", failed.State);
        Assert.Contains("rejected", failed.Steps[queued.Number - 1].Message);
        Assert.Contains($"step {queued.Number}", failed.StoppedAt);
        // Wave 1 stays done; nothing of wave 2 had run, so nothing is rolled back there.
        Assert.All(failed.Steps.Where(s => s.Wave == 1), s => Assert.Equal("succeeded", s.Status));
        Assert.DoesNotContain((await EntriesAsync(host)), e => e.OperationType == "ops.run" && e.CorrelationId == queued.CorrelationId && e.Outcome is "succeeded" or "failed");
    }

    [Fact]
    public async Task Abort_WithdrawsTheWaitingApproval_RollsBackEveryDoneStepInReverse_AndAFinishedRolloutCannotBeResumed()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        RolloutFixtures.Seed(host.Workspace, reportsMigrateRisk: "critical");
        var bob = Actor.OsUser("bob");
        var rollouts = host.Services.GetRequiredService<RolloutService>();
        var paused = await StartAsync(host, "pre-production", bob);
        var queued = Assert.Single(paused.Steps, s => s.Status == "queued");

        var aborted = await rollouts.AbortAsync(paused.Id, bob, "not today");

        Assert.Equal("aborted", aborted.State);
        Assert.Contains($"approval {queued.ApprovalId} of step {queued.Number} withdrawn", aborted.StoppedAt);
        Assert.Equal("cancelled", aborted.Steps[queued.Number - 1].Status);
        Assert.Equal(["rolled_back", "rolled_back", "succeeded"], aborted.Steps.Where(s => s.Wave == 1).Select(s => s.Status));
        var entries = (await EntriesAsync(host));
        var rollbacks = entries.Where(e => e.OperationType == "rollout.rollback" && e.CorrelationId == paused.Id).Select(e => e.Target);
        Assert.Equal(["b-undeploy@b-pp", "b-migrate-down@b-pp"], rollbacks);

        // The withdrawn approval can no longer be approved: the step never runs after the rollout is gone.
        var approval = await host.Services.GetRequiredService<Kse.Core.Approvals.ApprovalService>().GetAsync(queued.ApprovalId!);
        Assert.Equal((Kse.Core.Approvals.ApprovalState.Rejected, "user:bob"), (approval.State, approval.DecidedBy));
        Assert.Single(entries, e => e.OperationType == "approval.withdraw" && e.CorrelationId == queued.CorrelationId);
        var approve = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{queued.ApprovalId}/approve", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "too late" })));
        Assert.Equal(HttpStatusCode.Conflict, approve.StatusCode);
        Assert.DoesNotContain((await EntriesAsync(host)), e => e.OperationType == "ops.run" && e.CorrelationId == queued.CorrelationId && e.Outcome is "succeeded" or "failed");

        var again = await Assert.ThrowsAsync<Kse.Core.KseException>(() => rollouts.ResumeAsync(paused.Id, bob));
        Assert.Equal("rollout.finished", again.Code);
        var missing = await Assert.ThrowsAsync<Kse.Core.KseException>(() => rollouts.GetAsync("ro-000000000000"));
        Assert.Equal("rollout.not_found", missing.Code);
        var hostile = await Assert.ThrowsAsync<Kse.Core.KseException>(() => rollouts.GetAsync("../../etc/passwd"));
        Assert.Equal("rollout.id_invalid", hostile.Code);
    }

    [Fact]
    public async Task ARolloutWhoseProcessEnded_IsResumedFromItsStep_OnlyWhenThatProcessIsGone()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        RolloutFixtures.Seed(host.Workspace, reportsMigrateRisk: "critical");
        var bob = Actor.OsUser("bob");
        var rollouts = host.Services.GetRequiredService<RolloutService>();
        var store = host.Services.GetRequiredService<IRolloutStore>();
        var paused = await StartAsync(host, "pre-production", bob);
        var step = paused.Steps.First(s => s.Status == "queued");

        // A process that ran the rollout and ended mid-step: its record says running, on this machine, by a process now gone.
        using var gone = System.Diagnostics.Process.Start("sleep", "0.3")!;
        var started = gone.StartTime.ToUniversalTime().Ticks;
        await gone.WaitForExitAsync();
        async Task<Rollout> MarkRunningBy(string runner)
        {
            var r = await rollouts.GetAsync(paused.Id);
            var crashed = r with { State = "running", StoppedAt = null, Runner = runner, Revision = r.Revision + 1, Steps = r.Steps.Select(s => s.Number == step.Number ? s with { Status = "pending", ApprovalId = null } : s).ToList() };
            Assert.True(await store.TryUpdateAsync(crashed, r.Revision));
            return crashed;
        }

        // Running in this very process: it continues by itself, so it cannot be resumed.
        await MarkRunningBy($"{System.Environment.MachineName}/{System.Environment.ProcessId}/{System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime().Ticks}");
        Assert.Equal("rollout.running", (await Assert.ThrowsAsync<Kse.Core.KseException>(() => rollouts.ResumeAsync(paused.Id, bob))).Code);

        // On another machine: not known, so only with force.
        await MarkRunningBy("elsewhere/4242/1");
        var unknown = await Assert.ThrowsAsync<Kse.Core.KseException>(() => rollouts.ResumeAsync(paused.Id, bob));
        Assert.Equal("rollout.running", unknown.Code);
        Assert.Contains("--force", unknown.Message);

        // Gone: resumed from the step it was on, which runs again (queued again here: it is still critical).
        await MarkRunningBy($"{System.Environment.MachineName}/{gone.Id}/{started}");
        var resumed = await rollouts.ResumeAsync(paused.Id, bob);
        Assert.Equal("paused", resumed.State);
        Assert.Equal("queued", resumed.Steps[step.Number - 1].Status);
        Assert.Null(resumed.Runner);
        var interrupted = Assert.Single((await EntriesAsync(host)), e => e.OperationType == "rollout.interrupted" && e.CorrelationId == paused.Id);
        Assert.Equal(step.CorrelationId, interrupted.Parameters!["stepCorrelation"]);
        Assert.Contains(resumed.Notes, n => n.Contains("ended", StringComparison.Ordinal));

        // With force, another machine's stale mark is taken over as well.
        await MarkRunningBy("elsewhere/4242/1");
        Assert.Equal("paused", (await rollouts.ResumeAsync(paused.Id, bob, force: true)).State);
    }

    [Fact]
    public async Task TheAuditTrail_ReplaysOneRollout_StepsIncluded_OnTheOperatorApi()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        RolloutFixtures.Seed(host.Workspace);
        var r = await StartAsync(host, "development", Actor.OsUser("bob"));
        Assert.Equal("completed", r.State);

        var res = await host.Http.SendAsync(host.Request(HttpMethod.Get, $"/api/audit?correlationId={r.Id}&limit=1000", KseHttpTestHost.AliceToken));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var entries = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.GetProperty("entries").EnumerateArray().ToList();
        var byType = entries.GroupBy(e => e.GetProperty("operationType").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, byType["rollout.start"]);
        Assert.Equal(r.Steps.Count, byType["rollout.step"]);
        Assert.Equal(2 * r.Steps.Count, byType["ops.run"]);
        Assert.Equal(1, byType["rollout.completed"]);
        Assert.All(entries, e => Assert.StartsWith(r.Id, e.GetProperty("correlationId").GetString(), StringComparison.Ordinal));
        // Every project the rollout touched is in it.
        Assert.Equal(["billing", "reports", "storefront"], entries.Select(e => e.GetProperty("project").GetString()).Distinct().Order());

        // A prefix that is not a whole id matches nothing nested: ro-abc does not take in ro-abcd's entries.
        var partial = await host.Http.SendAsync(host.Request(HttpMethod.Get, $"/api/audit?correlationId={r.Id[..^1]}", KseHttpTestHost.AliceToken));
        Assert.Empty(JsonDocument.Parse(await partial.Content.ReadAsStringAsync()).RootElement.GetProperty("entries").EnumerateArray());
    }

    [Fact]
    public async Task TheChangedProject_RollsToTheTargetVersion_ItsDeployGivenTheVersion_AndWithoutOneItIsRefused()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        RolloutFixtures.Seed(host.Workspace, versionedDeploy: true);
        var rollouts = host.Services.GetRequiredService<RolloutService>();
        var files = Kse.Core.Changes.UnifiedDiff.Parse(RolloutFixtures.Change);

        var refused = await Assert.ThrowsAsync<Kse.Core.KseException>(() => rollouts.StartAsync(new RolloutStartRequest { Files = files, Project = "billing", Environment = "development" }, Actor.OsUser("bob")));
        Assert.Equal("rollout.unrunnable", refused.Code);
        Assert.Contains("'b-deploy' needs parameter(s) version", refused.Message);

        var r = await rollouts.StartAsync(new RolloutStartRequest { Files = files, Project = "billing", Environment = "development", ToVersion = "2.4.0" }, Actor.OsUser("bob"));

        Assert.Equal("completed", r.State);
        Assert.Equal("2.4.0", r.ToVersion);
        var deploys = r.Steps.Where(s => s.Operation == "b-deploy").ToList();
        Assert.Equal(2, deploys.Count);
        Assert.All(deploys, s => Assert.Equal("2.4.0", s.Parameters!["version"]));
        Assert.All(r.Steps.Where(s => s.Operation != "b-deploy"), s => Assert.Null(s.Parameters));
        // The kernel decided the deploy of that version: its decision entries carry it.
        var decided = (await EntriesAsync(host)).Where(e => e.OperationType == "ops.run" && e.Outcome == "decided" && deploys.Any(d => d.CorrelationId == e.CorrelationId)).ToList();
        Assert.Equal(2, decided.Count);
        Assert.All(decided, e => Assert.Equal(("2.4.0", "echo billing-deploy 2.4.0"), (e.Parameters!["param.version"], e.Parameters["command"])));
    }

    [Fact]
    public async Task AProjectWithoutRolloutOperationsOrInstances_IsRefusedBeforeAnythingRuns()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        RolloutFixtures.Seed(host.Workspace);
        var rollouts = host.Services.GetRequiredService<RolloutService>();

        var error = await Assert.ThrowsAsync<Kse.Core.KseException>(() => StartAsync(host, "production", Actor.OsUser("bob")));

        Assert.Equal("rollout.unrunnable", error.Code);
        Assert.Contains("billing: no instance in production", error.Message);
        Assert.Empty((await rollouts.ListAsync()).Rollouts);
        Assert.DoesNotContain((await EntriesAsync(host)), e => e.OperationType == "ops.run");
    }

    private sealed class Collector : IProgress<ProgressNotificationValue>
    {
        private readonly Lock _gate = new();
        private readonly List<(Func<ProgressNotificationValue, bool> Match, TaskCompletionSource Seen)> _waiters = [];
        private readonly ConcurrentQueue<ProgressNotificationValue> _items = new();

        public IReadOnlyList<ProgressNotificationValue> Items => _items.ToList();

        public void Report(ProgressNotificationValue value)
        {
            lock (_gate)
            {
                _items.Enqueue(value);
                foreach (var w in _waiters.Where(w => w.Match(value)))
                {
                    w.Seen.TrySetResult();
                }
            }
        }

        public Task WaitForAsync(Func<ProgressNotificationValue, bool> match)
        {
            lock (_gate)
            {
                if (_items.Any(match))
                {
                    return Task.CompletedTask;
                }

                var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((match, seen));
                return seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
    }
}
