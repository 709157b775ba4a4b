using System.Diagnostics;
using Kse.Core.Audit;
using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.Core.Tools;
using Kse.TestKit;

namespace Kse.Core.Tests.Tools;

/// <summary>Real tools on this machine (git, ssh) probed locally and over the loopback sshd, and a tool nobody has.</summary>
public sealed class ToolProbeTests
{
    private const string Tools = """
        version: 1
        tools:
          - name: git
            purpose: Version control
            command: git
            version: { command: [git, --version], pattern: 'git version (?<version>\d+(?:\.\d+)*)', requirement: ">=2.0" }
          - name: ssh
            purpose: Remote shell
            command: ssh
            version: { command: [ssh, -V], pattern: 'OpenSSH_(?<version>\d+(?:\.\d+)*)', requirement: ">=99" }
          - name: nowhere-tool
            purpose: Nobody has it
            command: kse-no-such-tool-qz
            version: { command: [kse-no-such-tool-qz, --version] }
            install: { apt: kse-no-such-package, dnf: kse-no-such-package, apk: kse-no-such-package, brew: kse-no-such-package }
          - name: sh
            purpose: A shell, with no version command (presence only)
            command: sh
        strategies:
          vcs: { candidates: [git, nowhere-tool] }
        """;

    private sealed class RecordingTrail : IAuditTrail
    {
        public List<AuditDraft> Drafts { get; } = [];

        public ValueTask<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken = default)
        {
            Drafts.Add(draft);
            return ValueTask.FromResult(new AuditEntry { Sequence = Drafts.Count, Timestamp = DateTimeOffset.UnixEpoch, ActorKind = draft.Actor.Kind, ActorName = draft.Actor.Name, OperationType = draft.OperationType, PreviousHash = "", Hash = "" });
        }
    }

    private static (TempWorkspace Ws, ToolsService Service, RecordingTrail Trail) Setup(SshServer? ssh)
    {
        var ws = new TempWorkspace();
        ws.Write(".sce/specs/shop/operations/tools.yaml", Tools);
        var instances = new List<ProjectInstance> { new() { Id = "dev-1", Environment = EnvironmentKind.Development, Host = "local" } };
        if (ssh is not null)
        {
            instances.Add(new ProjectInstance { Id = "test-1", Environment = EnvironmentKind.Test, Host = ssh.Destination });
        }

        new ProjectManifest { Name = "shop", Instances = instances }.Save(ws.Workspace);
        var options = new ExecutionOptions
        {
            Ssh = ssh is null ? new SshOptions() : new SshOptions { ConfigFile = "none", KnownHostsFile = ssh.KnownHostsFile, IdentityFile = ssh.IdentityFile },
        };
        var trail = new RecordingTrail();
        var service = new ToolsService(ws.Workspace, new ToolProbe(new ProcessRunner(TimeProvider.System), new ExecutionPlanner(ws.Workspace, options)), trail);
        return (ws, service, trail);
    }

    private static string Run(string program, string argument)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(argument);
        using var p = Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return text;
    }

    private static void AssertRealTools(ToolsCheckReport report)
    {
        var git = report.Tools.Single(t => t.Tool == "git");
        Assert.Equal("ok", git.Status);
        Assert.Equal(Run("git", "--version").Split(' ')[2].Trim(), git.Version);
        Assert.True(git.Compatible);

        var ssh = report.Tools.Single(t => t.Tool == "ssh");
        Assert.Equal("incompatible", ssh.Status);
        Assert.Contains(ssh.Version!, Run("ssh", "-V"));
        Assert.Contains("does not satisfy >=99", ssh.Message);

        var nowhere = report.Tools.Single(t => t.Tool == "nowhere-tool");
        Assert.Equal("missing", nowhere.Status);
        Assert.False(nowhere.Installed);
        if (report.PackageManagers.Count > 0)
        {
            Assert.NotNull(nowhere.Install);
            Assert.Equal(report.PackageManagers[0], nowhere.Install!.Manager);
            Assert.Contains("kse-no-such-package", nowhere.Install.CommandLine);
        }
        else
        {
            Assert.Equal(4, nowhere.InstallOptions!.Count);
        }

        Assert.Equal("ok", report.Tools.Single(t => t.Tool == "sh").Status);
        Assert.False(report.Ok);
    }

    [Fact]
    public async Task Check_Locally_ReadsRealVersions_AndAdvisesAnInstall()
    {
        var (ws, service, _) = Setup(null);
        using var _ws = ws;
        var report = await service.CheckAsync(new ToolsTarget { Project = "shop", Environment = "development", Instance = "dev-1" }, null, CancellationToken.None);
        Assert.Equal("local", report.Host);
        AssertRealTools(report);
        if (File.Exists("/usr/bin/apt-get"))
        {
            Assert.Contains("apt", report.PackageManagers);
            Assert.Equal("apt-get install -y kse-no-such-package", report.Tools.Single(t => t.Tool == "nowhere-tool").Install!.CommandLine);
            Assert.True(report.Tools.Single(t => t.Tool == "nowhere-tool").Install!.NeedsRoot);
        }
    }

    [Fact]
    public async Task Check_OverSsh_ReadsTheSameRealVersions()
    {
        await using var sshd = await SshServer.StartAsync();
        var (ws, service, _) = Setup(sshd);
        using var _ws = ws;
        var report = await service.CheckAsync(new ToolsTarget { Project = "shop", Environment = "test" }, null, CancellationToken.None);
        Assert.Equal("test-1", report.Instance);
        Assert.Equal(sshd.Destination, report.Host);
        AssertRealTools(report);
        Assert.Equal(File.Exists("/usr/bin/apt-get"), report.PackageManagers.Contains("apt"));
    }

    [Fact]
    public async Task Select_OnAnInstance_DisqualifiesTheMissingTool_AndAuditsTheRationale()
    {
        var (ws, service, trail) = Setup(null);
        using var _ws = ws;
        var selection = await service.SelectAsync(new ToolsTarget { Project = "shop", Environment = "development" }, "vcs", new SelectionContextText(), Actor.OsUser("ana"), CancellationToken.None);
        Assert.Equal("git", selection.Winner);
        Assert.Equal("dev-1", selection.Instance);
        Assert.Contains("not installed on dev-1", Assert.Single(selection.Ranking.Single(r => r.Tool == "nowhere-tool").Disqualifications));

        var entry = Assert.Single(trail.Drafts);
        Assert.Equal("tools.select", entry.OperationType);
        Assert.Equal("git", entry.Parameters!["tool"]);
        Assert.Equal("vcs@dev-1", entry.Target);
        Assert.Equal(selection.Rationale, entry.Rules![0]);
        Assert.Contains(entry.Rules, r => r.StartsWith("nowhere-tool out: not installed", StringComparison.Ordinal));
        Assert.Equal(selection.CorrelationId, entry.CorrelationId);
    }

    [Fact]
    public async Task Select_UnknownStrategy_IsNotFound_AndNothingIsAudited()
    {
        var (ws, service, trail) = Setup(null);
        using var _ws = ws;
        var ex = await Assert.ThrowsAsync<KseException>(() => service.SelectAsync(new ToolsTarget { Project = "shop" }, "deploy", new SelectionContextText(), Actor.OsUser("ana"), CancellationToken.None));
        Assert.Equal("tools.strategy_not_found", ex.Code);
        Assert.Contains("strategies: vcs", ex.Message);
        Assert.Empty(trail.Drafts);
    }
}
