using System.Text.Json;
using Kse.Core.Audit;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli.Tests;

public sealed class OpsRunCommandTests
{
    private const string Ops = """

        ```kse-operation
        name: greet
        risk: normal
        command: [printf, "hello %s", "{who}"]
        parameters:
          who: { type: string, pattern: "[a-z ;/-]+" }
        ```

        ```kse-operation
        name: wipe
        risk: critical
        command: [sh, -c, "echo wiped > wiped.txt"]
        ```
        """;

    private static async Task<TempWorkspace> SetupAsync()
    {
        var ws = new TempWorkspace();
        await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root);
        File.AppendAllText(ws.PathOf(".sce", "specs", "shop", "operations", "operations.md"), Ops);
        await CliRunner.RunAsync("instances", "add", "shop", "dev-1", "--env", "development", "--host", "local", "--root", ws.Root);
        await CliRunner.RunAsync("instances", "add", "shop", "prod-1", "--env", "production", "--host", "local", "--root", ws.Root);
        return ws;
    }

    [Fact]
    public async Task OpsRun_RunsAllowedOperation_PassingInjectionAsOneArgument_AndAudits()
    {
        using var ws = await SetupAsync();

        var run = await CliRunner.RunAsync("ops", "run", "shop", "greet", "--env", "development", "--instance", "dev-1", "--param", "who=x; rm -rf /", "--json", "--root", ws.Root);

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal("succeeded", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal("run", doc.RootElement.GetProperty("decision").GetString());
        Assert.Equal("hello x; rm -rf /", doc.RootElement.GetProperty("result").GetProperty("stdout").GetString());

        await using var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        var entries = services.GetRequiredService<IAuditReader>().Query(new AuditQuery { OperationType = "ops.run" });
        Assert.Equal(["decided", "succeeded"], entries.Select(e => e.Outcome));
        Assert.All(entries, e => Assert.Equal("user", e.ActorKind));
        Assert.Equal(entries[0].CorrelationId, entries[1].CorrelationId);
        Assert.Equal("x; rm -rf /", entries[1].Parameters!["param.who"]);
    }

    [Fact]
    public async Task OpsRun_RejectsValueOutsideItsPattern()
    {
        using var ws = await SetupAsync();

        var run = await CliRunner.RunAsync("ops", "run", "shop", "greet", "--env", "development", "--param", "who=$(id)", "--root", ws.Root);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("ops.parameter_invalid", run.Err);
    }

    [Fact]
    public async Task OpsRun_DryRun_ShowsCommandAndDecision_RunsNothing()
    {
        using var ws = await SetupAsync();

        var run = await CliRunner.RunAsync("ops", "run", "shop", "wipe", "--env", "development", "--dry-run", "--json", "--root", ws.Root);

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal("dry_run", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal("queue_for_approval", doc.RootElement.GetProperty("decision").GetString());
        Assert.Equal("sh", doc.RootElement.GetProperty("argv")[0].GetString());
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "wiped.txt")));
    }

    [Fact]
    public async Task OpsRun_CriticalInProduction_IsNotRun()
    {
        using var ws = await SetupAsync();

        var run = await CliRunner.RunAsync("ops", "run", "shop", "wipe", "--env", "production", "--instance", "prod-1", "--json", "--root", ws.Root);

        Assert.Equal(4, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal("queued", doc.RootElement.GetProperty("status").GetString());
        Assert.False(doc.RootElement.TryGetProperty("result", out _));
    }
}
