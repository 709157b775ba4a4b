using System.Text.Json;
using Kse.TestKit;

namespace Kse.Cli.Tests.Rollouts;

/// <summary>
/// A rollout at the command line: started by bob, paused at a critical step in pre-production, continued by the operator's
/// <c>kse approvals approve</c> in the same terminal, and replayed whole by <c>kse audit query --correlation</c>.
/// </summary>
public sealed class RolloutCommandTests : IDisposable
{
    private readonly TempWorkspace _ws = new();

    public RolloutCommandTests()
    {
        RolloutFixtures.Seed(_ws, reportsMigrateRisk: "critical");
        _ws.Write(".sce/appsettings.json", TestOperators.Settings("alice:approver"));
    }

    public void Dispose() => _ws.Dispose();

    private Task<CliRunner.Result> Kse(params string[] args) => CliRunner.RunAsync([.. args, "--root", _ws.Root]);

    [Fact]
    public async Task ApprovingTheWaitingStep_ContinuesTheRolloutInTheOperatorsTerminal_AndTheAuditQueryReplaysIt()
    {
        var diff = _ws.Write("change.diff", RolloutFixtures.Change);

        var start = await Kse("rollout", "start", "--change", diff, "--project", "billing", "--env", "pre-production", "--user", "bob", "--json");

        Assert.Equal(4, start.ExitCode);
        var paused = JsonDocument.Parse(start.Out).RootElement;
        var id = paused.GetProperty("id").GetString()!;
        var queued = paused.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("status").GetString() == "queued");
        var approval = queued.GetProperty("approvalId").GetString()!;

        var approve = await Kse(["approvals", "approve", approval, "--reason", "migration reviewed", .. _ws.As("alice")]);

        Assert.Equal(0, approve.ExitCode);
        Assert.Contains($"rollout {id} waited for {approval}; it continues", approve.Err);
        Assert.Contains($"rollout {id}: completed", approve.Out);
        var status = await Kse("rollout", "status", id, "--json");
        Assert.Equal("completed", JsonDocument.Parse(status.Out).RootElement.GetProperty("state").GetString());

        // One query replays the whole rollout across its three projects: its own entries and every step's decision and outcome.
        var replay = await Kse("audit", "query", "--correlation", id, "--limit", "1000", "--json");
        Assert.Equal(0, replay.ExitCode);
        var entries = JsonDocument.Parse(replay.Out).RootElement.GetProperty("entries").EnumerateArray().ToList();
        var types = entries.Select(e => e.GetProperty("operationType").GetString()).ToList();
        Assert.Equal("rollout.start", types[0]);
        Assert.Equal("rollout.completed", types[^1]);
        Assert.Contains("rollout.paused", types);
        Assert.Contains("approval.approve", types);
        Assert.Contains("rollout.resume", types);
        var steps = paused.GetProperty("steps").GetArrayLength();
        Assert.Equal(steps, types.Count(t => t == "rollout.step") - 1);
        Assert.Equal(["billing", "reports", "storefront"], entries.Select(e => e.GetProperty("project").GetString()).Distinct().Order());
        Assert.All(entries, e => Assert.StartsWith(id, e.GetProperty("correlationId").GetString(), StringComparison.Ordinal));
    }
}
