using System.Text.Json;
using Kse.Core.Audit;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli.Tests;

/// <summary>
/// <c>kse tools install</c> on the guarded path, per environment. The package is one no repository has, so an install that runs
/// fails in apt-get and nothing is ever installed on the machine running the tests.
/// </summary>
public sealed class ToolsInstallCommandTests
{
    private const string Tools = """
        version: 1
        tools:
          - name: fakeq
            purpose: A tool no repository has
            command: kse-fake-tool-qz
            version: { command: [kse-fake-tool-qz, --version] }
            install: { apt: kse-fake-package-qz, dnf: kse-fake-package-qz, apk: kse-fake-package-qz }
        """;

    private static async Task<TempWorkspace> WorkspaceAsync()
    {
        var ws = new TempWorkspace();
        await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root);
        File.WriteAllText(ws.PathOf(".sce", "specs", "shop", "operations", "tools.yaml"), Tools);
        foreach (var env in new[] { "development", "test", "pre-production", "production" })
        {
            Assert.Equal(0, (await CliRunner.RunAsync("instances", "add", "shop", $"{env}-1", "--env", env, "--host", "local", "--root", ws.Root)).ExitCode);
        }

        ws.Write(".sce/appsettings.json", TestOperators.Settings("alice:approver", "bob:approver"));
        return ws;
    }

    private static async Task<(int Exit, JsonElement Json, string Err)> InstallAsync(TempWorkspace ws, string env, params string[] extra)
    {
        var r = await CliRunner.RunAsync(["tools", "install", "shop", "fakeq", "--env", env, "--json", "--root", ws.Root, .. extra]);
        return (r.ExitCode, r.Out.Length > 0 ? JsonDocument.Parse(r.Out).RootElement.Clone() : default, r.Err);
    }

    private static async Task<List<AuditEntry>> EntriesAsync(TempWorkspace ws, string type = "tools.install")
    {
        using var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        return (await services.GetRequiredService<IAuditReader>().QueryAsync(new AuditQuery { OperationType = type })).ToList();
    }

    [Fact]
    public async Task DryRun_ShowsTheInstallCommand_AndItsRisk()
    {
        using var ws = await WorkspaceAsync();
        var (exit, json, err) = await InstallAsync(ws, "development", "--dry-run");
        Assert.True(exit == 0, err);
        Assert.Equal("dry_run", json.GetProperty("status").GetString());
        Assert.Equal("apt-get install -y kse-fake-package-qz", json.GetProperty("commandLine").GetString());
        Assert.Equal("critical", json.GetProperty("risk").GetString());
        Assert.True(json.GetProperty("install").GetProperty("needsRoot").GetBoolean());
        Assert.Equal("dry_run", Assert.Single((await EntriesAsync(ws, "tools.install.dry_run"))).Outcome);
        Assert.Empty((await EntriesAsync(ws)));
    }

    [Fact]
    public async Task Development_AHumanRunsIt_AndTheOutcomeIsAudited()
    {
        using var ws = await WorkspaceAsync();
        var (exit, json, _) = await InstallAsync(ws, "development");
        Assert.Equal(1, exit);
        Assert.Equal("failed", json.GetProperty("status").GetString());
        Assert.NotEqual(0, json.GetProperty("result").GetProperty("exitCode").GetInt32());
        Assert.Equal("missing", json.GetProperty("result").GetProperty("check").GetProperty("status").GetString());
        var entries = (await EntriesAsync(ws));
        Assert.Equal(["decided", "failed"], entries.Select(e => e.Outcome));
        Assert.Equal(entries[0].CorrelationId, entries[1].CorrelationId);
        Assert.Equal("fakeq@development-1", entries[0].Target);
        Assert.Equal("apt", entries[0].Parameters!["manager"]);
    }

    [Theory]
    [InlineData("test")]
    [InlineData("pre-production")]
    public async Task TestAndPreProduction_AreQueuedForAnotherOperator_ThenRunOnApproval(string env)
    {
        using var ws = await WorkspaceAsync();
        var (exit, json, _) = await InstallAsync(ws, env, "--user", "bob");
        Assert.Equal(4, exit);
        Assert.Equal("queued", json.GetProperty("status").GetString());
        Assert.Contains(json.GetProperty("rules").EnumerateArray(), r => r.GetProperty("id").GetString() == "tools.install_needs_approval");
        var id = json.GetProperty("approvalId").GetString()!;

        var show = await CliRunner.RunAsync("approvals", "show", id, "--json", "--root", ws.Root);
        using var approval = JsonDocument.Parse(show.Out);
        Assert.Equal("tools_install", approval.RootElement.GetProperty("tool").GetString());
        Assert.StartsWith("installs fakeq as package 'kse-fake-package-qz' with apt", approval.RootElement.GetProperty("plan").GetProperty("rationale").GetString());

        await CliRunner.RunAsync("approvals", "approve", id, "--token-file", ws.TokenFile("alice"), "--reason", "ok", "--root", ws.Root);
        var entries = (await EntriesAsync(ws));
        Assert.Equal(["queued", "decided", "failed"], entries.Select(e => e.Outcome));
        Assert.Equal("system", entries[^1].ActorKind);
        Assert.Contains(entries[^1].Rules!, r => r.Contains("operator:alice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Production_IsRefused_AndNothingRuns()
    {
        using var ws = await WorkspaceAsync();
        var (exit, json, _) = await InstallAsync(ws, "production");
        Assert.Equal(4, exit);
        Assert.Equal("denied", json.GetProperty("status").GetString());
        Assert.Contains("never installed in production", json.GetProperty("message").GetString());
        Assert.False(json.TryGetProperty("result", out _));
        Assert.Equal("denied", Assert.Single((await EntriesAsync(ws))).Outcome);
    }

    [Fact]
    public async Task UnknownTool_IsNotFound()
    {
        using var ws = await WorkspaceAsync();
        var r = await CliRunner.RunAsync("tools", "install", "shop", "nope", "--env", "development", "--root", ws.Root);
        Assert.Equal(3, r.ExitCode);
        Assert.StartsWith("error tools.tool_not_found:", r.Err.Trim());
    }
}
