using System.Text.Json;
using Kse.TestKit;

namespace Kse.Cli.Tests;

public sealed class InstancesCommandTests
{
    [Fact]
    public async Task Instances_AddListRemove_EditProjectYaml()
    {
        using var ws = new TempWorkspace();
        Assert.Equal(0, (await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root)).ExitCode);

        var add = await CliRunner.RunAsync("instances", "add", "shop", "prod-1", "--env", "production", "--host", "deploy@shop-1.internal", "--version", "2.3.0", "--root", ws.Root);
        Assert.Equal(0, add.ExitCode);
        await CliRunner.RunAsync("instances", "add", "shop", "dev-1", "--env", "development", "--host", "local", "--root", ws.Root);
        var list = await CliRunner.RunAsync("instances", "list", "shop", "--json", "--root", ws.Root);

        using var doc = JsonDocument.Parse(list.Out);
        var instances = doc.RootElement.GetProperty("instances");
        Assert.Equal(2, instances.GetArrayLength());
        Assert.Equal("deploy@shop-1.internal", instances[0].GetProperty("host").GetString());
        Assert.Equal("production", instances[0].GetProperty("environment").GetString());
        Assert.Contains("prod-1", File.ReadAllText(ws.PathOf(".sce", "specs", "shop", "project.yaml")));

        Assert.Equal(0, (await CliRunner.RunAsync("instances", "remove", "shop", "prod-1", "--root", ws.Root)).ExitCode);
        Assert.DoesNotContain("prod-1", File.ReadAllText(ws.PathOf(".sce", "specs", "shop", "project.yaml")));
    }

    [Theory]
    [InlineData("-oProxyCommand=sh", "instances.host_invalid", 2)]
    [InlineData("local", "instances.duplicate", 2)]
    public async Task InstancesAdd_RejectsBadHostAndDuplicates(string host, string code, int exit)
    {
        using var ws = new TempWorkspace();
        await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root);
        await CliRunner.RunAsync("instances", "add", "shop", "dev-1", "--env", "development", "--host", "local", "--root", ws.Root);

        var result = await CliRunner.RunAsync("instances", "add", "shop", "dev-1", "--env", "development", "--host=" + host, "--root", ws.Root);
        if (code == "instances.host_invalid")
        {
            result = await CliRunner.RunAsync("instances", "add", "shop", "dev-2", "--env", "development", "--host=" + host, "--root", ws.Root);
        }

        Assert.Equal(exit, result.ExitCode);
        Assert.Contains(code, result.Err);
    }

    [Fact]
    public async Task OpsValidate_ReportsOperationBlockErrors_WithTheLine()
    {
        using var ws = new TempWorkspace();
        await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root);
        var path = ws.PathOf(".sce", "specs", "shop", "operations", "operations.md");
        File.AppendAllText(path, "\n```kse-operation\nname: bad\nrisk: normal\ncommand: [echo, \"{nope}\"]\n```\n");
        var line = File.ReadAllLines(path).Length - 1;

        var result = await CliRunner.RunAsync("ops", "validate", "shop", "--json", "--root", ws.Root);

        Assert.Equal(1, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Out);
        var ops = doc.RootElement.GetProperty("documents").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "operations.md");
        Assert.Contains(ops.GetProperty("errors").EnumerateArray(), e => e.GetString()!.StartsWith($"operations.md:{line}:", StringComparison.Ordinal) && e.GetString()!.Contains("{nope}"));
    }
}
