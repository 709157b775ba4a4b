using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;

namespace Kse.Core.Tests.Execution;

/// <summary>Operations over a real sshd on loopback, through the system ssh client.</summary>
public sealed class SshExecutionTests
{
    private const string Ops = """
        ```kse-operation
        name: show-args
        risk: read
        command: [sh, -c, 'printf "%s|" "$@"; echo "$#"', show, "{text}", "{mode}"]
        parameters:
          text: { type: string, pattern: ".{1,200}" }
          mode: { type: enum, values: [fast, "slow mode"] }
        ```

        ```kse-operation
        name: whoami
        risk: read
        command: [id, -un]
        ```
        """;

    private static (TempWorkspace Ws, OperationRunner Runner) Setup(SshServer ssh, string? knownHosts = null)
    {
        var ws = new TempWorkspace();
        ws.Write(".sce/specs/shop/operations/operations.md", Ops);
        new ProjectManifest
        {
            Name = "shop",
            Instances = [new ProjectInstance { Id = "test-1", Environment = EnvironmentKind.Test, Host = ssh.Destination }],
        }.Save(ws.Workspace);
        var options = new ExecutionOptions
        {
            RetryDelay = TimeSpan.Zero,
            Ssh = new SshOptions { ConfigFile = "none", KnownHostsFile = knownHosts ?? ssh.KnownHostsFile, IdentityFile = ssh.IdentityFile },
        };
        return (ws, new OperationRunner(new ExecutionPlanner(ws.Workspace, options), new ProcessRunner(TimeProvider.System), TimeProvider.System));
    }

    [Fact]
    public async Task Run_OverSsh_PassesEveryParameterAsOneLiteralWord()
    {
        await using var ssh = await SshServer.StartAsync();
        var (ws, runner) = Setup(ssh);
        using var _ = ws;
        var marker = Path.Combine(ws.Root, "pwned");
        var plan = runner.Planner.Plan("shop", "show-args", EnvironmentKind.Test, "test-1", new Dictionary<string, string?>
        {
            ["text"] = $"x; rm -rf / ; touch {marker} $(touch {marker}) `touch {marker}` 'q\" \\",
            ["mode"] = "slow mode",
        });

        var result = await runner.RunAsync(plan, null, CancellationToken.None);

        Assert.True(result.Status == "succeeded", result.ErrorContext);
        Assert.Equal($"x; rm -rf / ; touch {marker} $(touch {marker}) `touch {marker}` 'q\" \\|slow mode|2\n", result.Stdout);
        Assert.False(File.Exists(marker));
        Assert.Equal("ssh", result.Argv[0]);
        Assert.Contains("BatchMode=yes", result.Argv);
    }

    [Fact]
    public async Task Run_OverSsh_RunsAsTheDestinationUser()
    {
        await using var ssh = await SshServer.StartAsync();
        var (ws, runner) = Setup(ssh);
        using var _ = ws;

        var result = await runner.RunAsync(runner.Planner.Plan("shop", "whoami", EnvironmentKind.Test, null, null), null, CancellationToken.None);

        Assert.True(result.Status == "succeeded", result.ErrorContext);
        Assert.Equal(ssh.UserName, result.Stdout!.Trim());
    }

    [Fact]
    public async Task Run_OverSsh_RefusesUnknownHostKey()
    {
        await using var ssh = await SshServer.StartAsync();
        var emptyKnownHosts = Path.Combine(ssh.Dir, "empty_known_hosts");
        File.WriteAllText(emptyKnownHosts, "");
        var (ws, runner) = Setup(ssh, emptyKnownHosts);
        using var _ = ws;

        var result = await runner.RunAsync(runner.Planner.Plan("shop", "whoami", EnvironmentKind.Test, null, null), null, CancellationToken.None);

        Assert.Equal("failed", result.Status);
        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Host key verification failed", result.Stderr);
        Assert.Contains("ssh's own failure", result.ErrorContext);
    }
}
