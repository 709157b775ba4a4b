using Kse.Core.Audit;
using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.Core.Tools;
using Kse.TestKit;

namespace Kse.Core.Tests.Tools;

/// <summary>Planning an install: the host's package manager, the hint's package, the risk; the environment's rule for installs. The hosts are Debian (apt), as test.sh assumes.</summary>
public sealed class ToolInstallerTests
{
    private const string Tools = """
        tools:
          - name: nothere
            purpose: A tool nobody has
            command: kse-missing-qz
            install: { apt: kse-missing-pkg, dnf: kse-missing-pkg, apk: kse-missing-pkg }
          - name: brewonly
            purpose: Only brew has it
            command: kse-brew-qz
            install: { brew: kse-brew-pkg }
        """;

    private sealed class NoTrail : IAuditTrail
    {
        public ValueTask<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new AuditEntry { Sequence = 1, Timestamp = DateTimeOffset.UnixEpoch, ActorKind = draft.Actor.Kind, ActorName = draft.Actor.Name, OperationType = draft.OperationType, PreviousHash = "", Hash = "" });
    }

    private static (TempWorkspace Ws, ToolInstaller Installer) Setup(SshServer? ssh = null)
    {
        var ws = new TempWorkspace();
        ws.Write(".sce/specs/shop/operations/tools.yaml", Tools);
        var instances = new List<ProjectInstance> { new() { Id = "dev-1", Environment = EnvironmentKind.Development, Host = "local" } };
        if (ssh is not null)
        {
            instances.Add(new ProjectInstance { Id = "test-1", Environment = EnvironmentKind.Test, Host = ssh.Destination });
        }

        new ProjectManifest { Name = "shop", Instances = instances }.Save(ws.Workspace);
        var options = new ExecutionOptions { Ssh = ssh is null ? new SshOptions() : new SshOptions { ConfigFile = "none", KnownHostsFile = ssh.KnownHostsFile, IdentityFile = ssh.IdentityFile } };
        var planner = new ExecutionPlanner(ws.Workspace, options);
        var runner = new ProcessRunner(TimeProvider.System);
        var probe = new ToolProbe(runner, planner);
        var service = new ToolsService(ws.Workspace, probe, new NoTrail());
        return (ws, new ToolInstaller(ws.Workspace, () => service, probe, planner, runner));
    }


    [Fact]
    public void Plan_Locally_UsesTheHostsPackageManager_AndNeedsRoot()
    {
        var (ws, installer) = Setup();
        using var _ = ws;
        var plan = installer.Plan("shop", "nothere", "development", null);
        Assert.Equal(("dev-1", "local", "apt", "kse-missing-pkg"), (plan.Instance, plan.Host, plan.Manager, plan.Package));
        Assert.Equal(["apt-get", "install", "-y", "kse-missing-pkg"], plan.Argv);
        Assert.True(plan.NeedsRoot);
        Assert.Equal(RiskClass.Critical, plan.Risk);
    }

    [Fact]
    public async Task Plan_OverSsh_RunsTheInstallThroughSsh()
    {
        await using var sshd = await SshServer.StartAsync();
        var (ws, installer) = Setup(sshd);
        using var _ = ws;
        var plan = installer.Plan("shop", "nothere", "test", "test-1");
        Assert.Equal("apt", plan.Manager);
        Assert.Equal("ssh", Path.GetFileName(plan.Argv[0]));
        Assert.Equal("apt-get install -y kse-missing-pkg", plan.Argv[^1]);
        Assert.Equal("127.0.0.1", plan.Argv[^2]);
    }

    [Fact]
    public void Plan_WithoutAHintForTheHostsManager_SaysWhichHintsThereAre()
    {
        var (ws, installer) = Setup();
        using var _ = ws;
        var ex = Assert.Throws<KseException>(() => installer.Plan("shop", "brewonly", "development", "dev-1"));
        Assert.Equal("tools.install_hint_missing", ex.Code);
        Assert.Contains("it has hints for brew", ex.Message);
    }

    [Theory]
    [InlineData("nope", "development", "tools.tool_not_found")]
    [InlineData("nothere", null, "input.scope_missing")]
    [InlineData("nothere", "qa-9", "policy.environment_unknown")]
    public void Plan_BadNames_AreNamed(string tool, string? environment, string code)
    {
        var (ws, installer) = Setup();
        using var _ = ws;
        var ex = Assert.Throws<KseException>(() => installer.Plan("shop", tool, environment, null));
        Assert.Equal(code, ex.Code);
    }

    [Theory]
    [InlineData(EnvironmentKind.Development, null)]
    [InlineData(EnvironmentKind.Test, "tools.install_needs_approval")]
    [InlineData(EnvironmentKind.PreProduction, "tools.install_needs_approval")]
    [InlineData(EnvironmentKind.Production, "tools.install_production")]
    public void EnvironmentRule_FollowsTheInstallPolicy(EnvironmentKind environment, string? rule) =>
        Assert.Equal(rule, ToolInstaller.EnvironmentRule(environment)?.Id);

    [Fact]
    public async Task Run_AnInstallThatFails_IsReportedWithItsExitCode_AndTheToolStillMissing()
    {
        var (ws, installer) = Setup();
        using var _ = ws;
        var result = await installer.RunAsync(installer.Plan("shop", "nothere", "development", null), CancellationToken.None);
        Assert.Equal("failed", result.Status);
        Assert.NotEqual(0, result.ExitCode);
        Assert.StartsWith("exit ", result.ErrorContext);
        Assert.Equal("missing", result.Check!.Status);
    }
}
