using Kse.Core;
using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;

namespace Kse.Core.Tests.Execution;

public sealed class OperationRunnerTests : IDisposable
{
    private const string Ops = """
        # Operations

        ```kse-operation
        name: echo
        risk: read
        command: [printf, "[%s]", "{text}"]
        parameters:
          text: { type: string, pattern: ".{1,100}" }
        ```

        ```kse-operation
        name: count-args
        risk: read
        command: [sh, -c, 'echo $#', count, "{text}"]
        parameters:
          text: { type: string, pattern: ".{1,100}" }
        ```

        ```kse-operation
        name: flaky
        risk: normal
        command: ["false"]
        idempotent: true
        ```

        ```kse-operation
        name: deploy
        risk: normal
        command: [sh, -c, 'echo deploying >&2; exit 3']
        rollback: undo
        ```

        ```kse-operation
        name: undo
        risk: normal
        command: [echo, undone]
        ```

        ```kse-operation
        name: slow
        risk: read
        command: [sleep, "5"]
        timeout: 300ms
        ```

        ```kse-operation
        name: noisy
        risk: read
        command: [head, -c, "300000", /dev/zero]
        ```

        ```kse-operation
        name: checked
        risk: normal
        command: ["true"]
        verify: check-fails
        rollback: undo
        ```

        ```kse-operation
        name: check-fails
        risk: read
        command: ["false"]
        ```
        """;

    private readonly TempWorkspace _ws = new();
    private readonly OperationRunner _runner;

    public OperationRunnerTests()
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

    private ExecutionPlan Plan(string op, params (string K, string V)[] values) =>
        _runner.Planner.Plan("shop", op, EnvironmentKind.Development, "dev-1", values.ToDictionary(v => v.K, v => (string?)v.V));

    [Fact]
    public async Task Run_PassesInjectionAttempt_AsOneLiteralArgument()
    {
        var plan = Plan("echo", ("text", "x; rm -rf /"));

        var result = await _runner.RunAsync(plan, null, CancellationToken.None);

        Assert.Equal("succeeded", result.Status);
        Assert.Equal("[x; rm -rf /]", result.Stdout);
        Assert.Equal(["printf", "[%s]", "x; rm -rf /"], result.Argv);

        var count = await _runner.RunAsync(Plan("count-args", ("text", "a b; c $(d) `e`")), null, CancellationToken.None);
        Assert.Equal("1", count.Stdout!.Trim());
    }

    [Fact]
    public async Task Run_RetriesIdempotentOperation_UpToTheLimit()
    {
        var result = await _runner.RunAsync(Plan("flaky"), null, CancellationToken.None);

        Assert.Equal("failed", result.Status);
        Assert.Equal(3, result.Attempts.Count);
        Assert.All(result.Attempts, a => Assert.Equal(1, a.ExitCode));
    }

    [Fact]
    public async Task Run_DoesNotRetryNonIdempotentOperation_AndProposesRollback()
    {
        var result = await _runner.RunAsync(Plan("deploy"), null, CancellationToken.None);

        Assert.Equal("failed", result.Status);
        Assert.Single(result.Attempts);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("deploying", result.ErrorContext);
        var recovery = Assert.Single(result.Recovery);
        Assert.Equal("proposed", recovery.Action);
        Assert.Equal(["echo", "undone"], recovery.Command);
        Assert.Null(recovery.Result);
    }

    [Fact]
    public async Task Run_RunsRollback_WhenPolicyAllowsIt()
    {
        var decided = new List<string>();
        var result = await _runner.RunAsync(Plan("deploy"), (p, _) =>
        {
            decided.Add(p.Operation);
            return ValueTask.FromResult(RecoveryDecision.Allow("policy: run"));
        }, CancellationToken.None);

        Assert.Equal(["undo"], decided);
        var recovery = Assert.Single(result.Recovery);
        Assert.Equal("ran", recovery.Action);
        Assert.Equal("succeeded", recovery.Result!.Status);
        Assert.Equal("undone\n", recovery.Result.Stdout);
    }

    [Fact]
    public async Task Run_KillsProcessAtTimeout()
    {
        var result = await _runner.RunAsync(Plan("slow"), null, CancellationToken.None);

        Assert.Equal("timed_out", result.Status);
        Assert.Null(result.ExitCode);
        Assert.True(Assert.Single(result.Attempts).TimedOut);
        Assert.Contains("timed out", result.ErrorContext);
    }

    [Fact]
    public async Task Run_CapsCapturedOutput()
    {
        var result = await _runner.RunAsync(Plan("noisy"), null, CancellationToken.None);

        Assert.Equal("succeeded", result.Status);
        Assert.True(result.OutputTruncated);
        Assert.True(result.Stdout!.Length < 4096 + 100);
    }

    [Fact]
    public async Task Run_FailsWhenVerifyFails_AndConsidersRollback()
    {
        var result = await _runner.RunAsync(Plan("checked"), null, CancellationToken.None);

        Assert.Equal("failed", result.Status);
        Assert.Equal("failed", result.Verify!.Status);
        Assert.Contains("verify", result.ErrorContext);
        Assert.Equal("proposed", Assert.Single(result.Recovery).Action);
    }

    [Fact]
    public void DryRun_ShowsCommand_AndRunsNothing()
    {
        var result = OperationRunner.DryRun(Plan("deploy"));

        Assert.Equal("dry_run", result.Status);
        Assert.Empty(result.Attempts);
        Assert.Equal("sh -c 'echo deploying >&2; exit 3'", result.CommandLine);
    }

    [Fact]
    public void Plan_ChecksInstanceEnvironment()
    {
        var ex = Assert.Throws<KseException>(() => _runner.Planner.Plan("shop", "flaky", EnvironmentKind.Production, "dev-1", null));
        Assert.Equal("instances.environment_mismatch", ex.Code);
        Assert.Equal("dev-1", _runner.Planner.Plan("shop", "flaky", EnvironmentKind.Development, null, null).Instance);
    }

    [Fact]
    public void SshArgv_UsesBatchModeStrictKeys_AndOneQuotedCommandWord()
    {
        var planner = new ExecutionPlanner(_ws.Workspace, new ExecutionOptions { Ssh = new SshOptions { KnownHostsFile = "/tmp/kh", IdentityFile = "/tmp/id" } });

        var argv = planner.SshArgv("ssh://deploy@db-1.internal:2222", ["printf", "[%s]", "x; rm -rf /"]);

        Assert.Equal("ssh", argv[0]);
        Assert.Contains("BatchMode=yes", argv);
        Assert.Contains("StrictHostKeyChecking=yes", argv);
        Assert.Contains("UserKnownHostsFile=/tmp/kh", argv);
        Assert.Equal(["-p", "2222"], argv.SkipWhile(a => a != "-p").Take(2));
        Assert.Equal(["-l", "deploy"], argv.SkipWhile(a => a != "-l").Take(2));
        Assert.Equal(["--", "db-1.internal", "printf '[%s]' 'x; rm -rf /'"], argv.TakeLast(3));
    }

    [Theory]
    [InlineData("-oProxyCommand=touch /tmp/x")]
    [InlineData("host name")]
    [InlineData("a@b@c")]
    [InlineData("host:99999")]
    public void ValidateHost_RejectsWhatSshCouldMisread(string host)
    {
        Assert.Equal("instances.host_invalid", Assert.Throws<KseException>(() => ExecutionPlanner.ValidateHost(host)).Code);
    }
}
