using System.Text.Json;
using Kse.TestKit;

namespace Kse.Cli.Tests;

public sealed class ToolsCommandTests
{
    private static async Task<TempWorkspace> FreshProjectAsync()
    {
        var ws = new TempWorkspace();
        Assert.Equal(0, (await CliRunner.RunAsync("ops", "init", "shopdb", "--root", ws.Root)).ExitCode);
        return ws;
    }

    [Fact]
    public async Task Select_FromTheTemplate_PicksByDataSize_WithScoresAndARationale_AndAuditsIt()
    {
        using var ws = await FreshProjectAsync();
        var small = await CliRunner.RunAsync("tools", "select", "shopdb", "postgres-backup", "--data-size", "5GB", "--json", "--root", ws.Root);
        var large = await CliRunner.RunAsync("tools", "select", "shopdb", "postgres-backup", "--data-size", "500GB", "--window", "2h", "--json", "--root", ws.Root);
        Assert.Equal(0, small.ExitCode);
        Assert.Equal(0, large.ExitCode);

        using var s = JsonDocument.Parse(small.Out);
        Assert.Equal("pg_dump", s.RootElement.GetProperty("winner").GetString());
        var first = s.RootElement.GetProperty("ranking")[0];
        Assert.Equal("pg_dump", first.GetProperty("tool").GetString());
        Assert.InRange(first.GetProperty("score").GetDouble(), 0.01, 1);
        Assert.Equal(0.8, first.GetProperty("parts").GetProperty("aiFriendliness").GetDouble(), 3);
        Assert.Equal("5 GB", s.RootElement.GetProperty("context").GetProperty("dataSize").GetString());
        Assert.StartsWith("pg_dump for 'postgres-backup'", s.RootElement.GetProperty("rationale").GetString());

        using var l = JsonDocument.Parse(large.Out);
        Assert.Equal("lvm-snapshot", l.RootElement.GetProperty("winner").GetString());
        var dump = l.RootElement.GetProperty("ranking").EnumerateArray().Single(r => r.GetProperty("tool").GetString() == "pg_dump");
        Assert.True(dump.GetProperty("disqualified").GetBoolean());
        Assert.Contains("cannot finish in the window", dump.GetProperty("disqualifications")[0].GetString());

        var audit = await CliRunner.RunAsync("audit", "query", "--json", "--root", ws.Root);
        using var q = JsonDocument.Parse(audit.Out);
        var selections = q.RootElement.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("operationType").GetString() == "tools.select").ToList();
        Assert.Equal(2, selections.Count);
        Assert.Equal(["pg_dump", "lvm-snapshot"], selections.Select(e => e.GetProperty("parameters").GetProperty("tool").GetString()));
        Assert.Equal("postgres-backup", selections[0].GetProperty("target").GetString());
        Assert.StartsWith("pg_dump for 'postgres-backup'", selections[0].GetProperty("rules")[0].GetString());
    }

    [Fact]
    public async Task Select_Text_ShowsTheRankingAndTheWinner()
    {
        using var ws = await FreshProjectAsync();
        var r = await CliRunner.RunAsync("tools", "select", "shopdb", "postgres-backup", "--data-size", "50GB", "--root", ws.Root);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("1. pg_basebackup", r.Out);
        Assert.Contains("winner: pg_basebackup", r.Out);
        Assert.Contains("why: pg_basebackup for 'postgres-backup' for dataSize 50 GB", r.Out);
    }

    [Fact]
    public async Task Select_WhenEveryToolIsOut_ExitsOne()
    {
        using var ws = await FreshProjectAsync();
        var r = await CliRunner.RunAsync("tools", "select", "shopdb", "postgres-backup", "--data-size", "500GB", "--window", "1s", "--json", "--root", ws.Root);
        Assert.Equal(1, r.ExitCode);
        using var d = JsonDocument.Parse(r.Out);
        Assert.False(d.RootElement.TryGetProperty("winner", out _));
    }

    [Theory]
    [InlineData(new[] { "tools", "select", "shopdb", "deploy" }, "tools.strategy_not_found", 3)]
    [InlineData(new[] { "tools", "select", "shopdb", "postgres-backup", "--data-size", "lots" }, "tools.context_invalid", 2)]
    [InlineData(new[] { "tools", "select", "shopdb", "postgres-backup", "--network", "dial-up" }, "tools.context_invalid", 2)]
    [InlineData(new[] { "tools", "select", "../etc", "postgres-backup" }, "spec.project_invalid", 2)]
    [InlineData(new[] { "tools", "check", "shopdb", "--tool", "nope" }, "tools.tool_not_found", 3)]
    [InlineData(new[] { "tools", "check", "shopdb", "--instance", "dev-1" }, "tools.environment_required", 2)]
    public async Task BadInput_IsOneErrorLine_WithItsCode(string[] args, string code, int exit)
    {
        using var ws = await FreshProjectAsync();
        var r = await CliRunner.RunAsync([.. args, "--root", ws.Root]);
        Assert.Equal(exit, r.ExitCode);
        Assert.StartsWith($"error {code}:", r.Err.Trim());
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public async Task InvalidToolsYaml_IsNamedWithItsPosition()
    {
        using var ws = await FreshProjectAsync();
        ws.Write(".sce/specs/shopdb/operations/tools.yaml", "tools:\n  - name: a\n    purpose: p\n    command: a\n    performance: { throughput: fast }\nstrategies:\n  job: { candidates: [a] }\n");
        var r = await CliRunner.RunAsync("tools", "select", "shopdb", "job", "--root", ws.Root);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error tools.manifest_invalid: tools.yaml of 'shopdb' is invalid: tools.yaml:5:", r.Err);
    }

    [Fact]
    public async Task Check_OnALocalInstance_ReportsAMissingTool_WithTheInstallCommand()
    {
        using var ws = await FreshProjectAsync();
        var yaml = ws.PathOf(".sce", "specs", "shopdb", "operations", "tools.yaml");
        var text = File.ReadAllText(yaml).Replace("tools:\n", """
            tools:
              - name: kse-missing
                purpose: A tool nobody has
                command: kse-missing-tool-qz
                version: { command: [kse-missing-tool-qz, --version] }
                install: { apt: kse-missing-pkg, dnf: kse-missing-pkg, apk: kse-missing-pkg, brew: kse-missing-pkg, winget: Kse.Missing }

            """.Replace("\r", ""), StringComparison.Ordinal);
        File.WriteAllText(yaml, text);
        Assert.Equal(0, (await CliRunner.RunAsync("instances", "add", "shopdb", "dev-1", "--env", "development", "--host", "local", "--root", ws.Root)).ExitCode);

        var r = await CliRunner.RunAsync("tools", "check", "shopdb", "--env", "development", "--instance", "dev-1", "--tool", "kse-missing", "--tool", "grep", "--json", "--root", ws.Root);
        Assert.Equal(1, r.ExitCode);
        using var d = JsonDocument.Parse(r.Out);
        Assert.False(d.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("dev-1", d.RootElement.GetProperty("instance").GetString());
        var tools = d.RootElement.GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(["kse-missing", "grep"], tools.Select(t => t.GetProperty("tool").GetString()));
        var missing = tools[0];
        Assert.Equal("missing", missing.GetProperty("status").GetString());
        Assert.False(missing.GetProperty("installed").GetBoolean());
        var managers = d.RootElement.GetProperty("packageManagers").EnumerateArray().Select(m => m.GetString()).ToList();
        if (managers.Count > 0)
        {
            var install = missing.GetProperty("install");
            Assert.Equal(managers[0], install.GetProperty("manager").GetString());
            Assert.Contains(missing.GetProperty("message").GetString()!, $"kse-missing-tool-qz is not installed on local; install it with: {install.GetProperty("commandLine").GetString()}");
        }

        Assert.Equal("ok", tools[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task OpsRun_OfAStrategyOperation_ShowsAndAuditsTheToolChosenForTheInstance()
    {
        using var ws = await FreshProjectAsync();
        var ops = ws.PathOf(".sce", "specs", "shopdb", "operations");
        File.WriteAllText(Path.Combine(ops, "tools.yaml"), """
            version: 1
            tools:
              - name: git
                purpose: Archive the repository
                command: git
                version: { command: [git, --version] }
                aiFriendliness: { cliOnly: true, clearExitCodes: true, nonInteractive: true, idempotent: true }
                performance: { dataSize: { max: 10GB }, throughput: 100MB/s }
              - name: bulk
                purpose: Archive large repositories
                command: kse-missing-qz
                version: { command: [kse-missing-qz, --version] }
                performance: { dataSize: { min: 10GB }, throughput: 1GB/s }
            strategies:
              archive:
                candidates:
                  - { tool: git, command: [git, --version] }
                  - { tool: bulk, command: [kse-missing-qz, "{size}"] }
            """);
        File.AppendAllText(Path.Combine(ops, "operations.md"), "\n```kse-operation\nname: archive\nrisk: read\nstrategy: archive\ncontext: { dataSize: \"{size}\" }\nparameters:\n  size: { type: string, pattern: \"^[0-9]{1,4}GB$\" }\n```\n");
        Assert.Equal(0, (await CliRunner.RunAsync("instances", "add", "shopdb", "dev-1", "--env", "development", "--host", "local", "--root", ws.Root)).ExitCode);

        var text = await CliRunner.RunAsync("ops", "run", "shopdb", "archive", "--env", "development", "--param", "size=500GB", "--dry-run", "--root", ws.Root);
        Assert.True(text.ExitCode == 0, text.Err);
        Assert.Contains("tool:     git (strategy archive", text.Out);
        Assert.Contains("why:      git for 'archive' for dataSize 500 GB, instance dev-1", text.Out);
        Assert.Contains("bulk is out: not installed on dev-1", text.Out);
        Assert.Contains("command:  git --version", text.Out);

        var run = await CliRunner.RunAsync("ops", "run", "shopdb", "archive", "--env", "development", "--param", "size=5GB", "--json", "--root", ws.Root);
        Assert.True(run.ExitCode == 0, run.Err);
        using var d = JsonDocument.Parse(run.Out);
        Assert.Equal("git", d.RootElement.GetProperty("strategy").GetProperty("tool").GetString());
        Assert.StartsWith("git version", d.RootElement.GetProperty("result").GetProperty("stdout").GetString());

        var audit = await CliRunner.RunAsync("audit", "query", "--json", "--root", ws.Root);
        using var q = JsonDocument.Parse(audit.Out);
        var decided = q.RootElement.GetProperty("entries").EnumerateArray().Last(e => e.GetProperty("operationType").GetString() == "ops.run");
        Assert.Equal("git", decided.GetProperty("parameters").GetProperty("tool").GetString());
        Assert.StartsWith("git for 'archive'", decided.GetProperty("parameters").GetProperty("toolRationale").GetString());
    }
}
