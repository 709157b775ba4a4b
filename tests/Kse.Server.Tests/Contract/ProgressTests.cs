using System.Text;
using ModelContextProtocol;

namespace Kse.Server.Tests.Contract;

/// <summary>Long tools send <c>notifications/progress</c> when the client asks for them with a progress token.</summary>
public sealed class ProgressTests
{
    private static string Diff(int files)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < files; i++)
        {
            sb.Append($"diff --git a/src/F{i}.cs b/src/F{i}.cs\n--- a/src/F{i}.cs\n+++ b/src/F{i}.cs\n@@ -1,1 +1,1 @@\n-int a = {i};\n+int a = {i + 1};\n");
        }

        return sb.ToString();
    }

    [Theory]
    [InlineData("change_classify")]
    [InlineData("change_gate")]
    [InlineData("rollout_plan")]
    public async Task ChangeTools_ReportFilesClassified_RisingToTheTotal(string tool)
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var progress = new Collector();

        var result = await mcp.Client.CallToolAsync(tool, new Dictionary<string, object?> { ["diff"] = Diff(1000), ["project"] = "billing" }, progress);

        Assert.NotEqual(true, result.IsError);
        await progress.WaitForAsync(p => p.Message?.StartsWith("classified 1000 files", StringComparison.Ordinal) == true);
        // The server sends them in order; this client hands notifications to handlers concurrently, so compare them sorted.
        Assert.Equal([250f, 500, 750, 1000], progress.Items.Select(p => p.Progress).Order());
        Assert.All(progress.Items, p => Assert.Equal(1000f, p.Total));
    }

    [Fact]
    public async Task AuditVerify_ReportsTheEntriesVerified()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        await mcp.Client.CallToolAsync("ops_validate", new Dictionary<string, object?> { ["project"] = "billing" });
        var progress = new Collector();

        var result = await mcp.Client.CallToolAsync("audit_verify", progress: progress);

        var entries = result.StructuredContent!.Value.GetProperty("entries").GetInt64();
        await progress.WaitForAsync(p => p.Message == $"verified {entries} entries");
        Assert.True(entries >= 2, "the validate call was audited before and after");
        Assert.Equal(entries, (long)progress.Items.Max(p => p.Progress));
    }

    [Fact]
    public async Task OpsRun_ReportsEachAttemptRetryAndTheRollback()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, new Dictionary<string, string?> { ["Kse:Execution:RetryDelay"] = "00:00:00.010" });
        var progress = new Collector();

        var result = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "billing", ["operation"] = "c-fail", ["environment"] = "development", ["instance"] = "dev-local",
        }, progress);

        Assert.Equal("failed", result.StructuredContent!.Value.GetProperty("status").GetString());
        await progress.WaitForAsync(p => p.Message == "running 'c-undo' on dev-local (attempt 1)");
        Assert.Equal(
            [
                "running 'c-fail' on dev-local (attempt 1)",
                "attempt 1 failed with exit code 1; retrying 'c-fail' (attempt 2)",
                "attempt 2 failed with exit code 1; retrying 'c-fail' (attempt 3)",
                "rolling back with 'c-undo'",
                "running 'c-undo' on dev-local (attempt 1)",
            ],
            progress.Items.OrderBy(p => p.Progress).Select(p => p.Message));
    }

    [Fact]
    public async Task WithoutAProgressToken_NoProgressIsSent_AndTheResultIsTheSame()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var seen = 0;
        await using var handler = mcp.Client.RegisterNotificationHandler(ModelContextProtocol.Protocol.NotificationMethods.ProgressNotification, (_, _) =>
        {
            Interlocked.Increment(ref seen);
            return ValueTask.CompletedTask;
        });

        var result = await mcp.Client.CallToolAsync("change_classify", new Dictionary<string, object?> { ["diff"] = Diff(600) });
        await mcp.Client.ListToolsAsync();

        Assert.Equal("L1", result.StructuredContent!.Value.GetProperty("level").GetString());
        Assert.Equal(0, seen);
    }

    /// <summary>Synchronous, so the order is the order of arrival. Notifications may trail the result, so tests wait for the last one.</summary>
    private sealed class Collector : IProgress<ProgressNotificationValue>
    {
        private readonly Lock _gate = new();
        private readonly List<(Func<ProgressNotificationValue, bool> Match, TaskCompletionSource Seen)> _waiters = [];

        public List<ProgressNotificationValue> Items { get; } = [];

        public void Report(ProgressNotificationValue value)
        {
            lock (_gate)
            {
                Items.Add(value);
                foreach (var waiter in _waiters.Where(w => w.Match(value)))
                {
                    waiter.Seen.TrySetResult();
                }
            }
        }

        public Task WaitForAsync(Func<ProgressNotificationValue, bool> match)
        {
            lock (_gate)
            {
                var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (Items.Any(match))
                {
                    seen.SetResult();
                }
                else
                {
                    _waiters.Add((match, seen));
                }

                return seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
    }
}
