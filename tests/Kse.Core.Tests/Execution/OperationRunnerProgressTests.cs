using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;

namespace Kse.Core.Tests.Execution;

/// <summary>A run tells its progress as it goes: each attempt and retry, the verify, the rollback.</summary>
public sealed class OperationRunnerProgressTests : IDisposable
{
    private const string Ops = """
        # Operations

        ```kse-operation
        name: flaky
        risk: normal
        command: ["false"]
        idempotent: true
        rollback: undo
        ```

        ```kse-operation
        name: undo
        risk: normal
        command: ["true"]
        ```

        ```kse-operation
        name: checked
        risk: normal
        command: ["true"]
        verify: probe
        ```

        ```kse-operation
        name: probe
        risk: read
        command: ["true"]
        ```
        """;

    private readonly TempWorkspace _ws = new();
    private readonly OperationRunner _runner;

    public OperationRunnerProgressTests()
    {
        _ws.Write(".sce/specs/shop/operations/operations.md", Ops);
        new ProjectManifest
        {
            Name = "shop",
            Instances = [new ProjectInstance { Id = "dev-1", Environment = EnvironmentKind.Development, Host = "local" }],
        }.Save(_ws.Workspace);
        var options = new ExecutionOptions { RetryDelay = TimeSpan.Zero, MaxRetries = 2, OutputLimit = 4096 };
        _runner = new OperationRunner(new ExecutionPlanner(_ws.Workspace, options), new ProcessRunner(TimeProvider.System), TimeProvider.System);
    }

    public void Dispose() => _ws.Dispose();

    private ExecutionPlan Plan(string op) => _runner.Planner.Plan("shop", op, EnvironmentKind.Development, "dev-1", new Dictionary<string, string?>());

    [Fact]
    public async Task FailedRun_ReportsEachAttemptRetryAndTheRollback_InOrder()
    {
        var reports = new Collector();

        await _runner.RunAsync(Plan("flaky"), (_, _) => ValueTask.FromResult(RecoveryDecision.Allow("test allows")), reports, CancellationToken.None);

        Assert.Equal(
            [
                "running 'flaky' on dev-1 (attempt 1)",
                "attempt 1 failed with exit code 1; retrying 'flaky' (attempt 2)",
                "attempt 2 failed with exit code 1; retrying 'flaky' (attempt 3)",
                "rolling back with 'undo'",
                "running 'undo' on dev-1 (attempt 1)",
            ],
            reports.Items.Select(r => r.Message));
        Assert.Equal([1.0, 2, 3, 4, 5], reports.Items.Select(r => r.Done));
    }

    [Fact]
    public async Task SucceededRun_ReportsTheVerify()
    {
        var reports = new Collector();

        var result = await _runner.RunAsync(Plan("checked"), null, reports, CancellationToken.None);

        Assert.Equal("succeeded", result.Status);
        Assert.Equal(["running 'checked' on dev-1 (attempt 1)", "verifying with 'probe'", "running 'probe' on dev-1 (attempt 1)"], reports.Items.Select(r => r.Message));
    }

    /// <summary>Synchronous, so the order is the order of the reports.</summary>
    private sealed class Collector : IProgress<WorkProgress>
    {
        public List<WorkProgress> Items { get; } = [];

        public void Report(WorkProgress value) => Items.Add(value);
    }
}
