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
        var entries = (await services.GetRequiredService<IAuditReader>().QueryAsync(new AuditQuery { OperationType = "ops.run" }));
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
        // A human is bound by role and four-eyes, not by the AI's takeover level: a critical operation in development runs.
        Assert.Equal("run", doc.RootElement.GetProperty("decision").GetString());
        Assert.Contains(doc.RootElement.GetProperty("rules").EnumerateArray(), r => r.GetProperty("id").GetString() == "human.runs");
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

public sealed class OpsRunApprovalTests
{
    [Fact]
    public async Task QueuedRun_ExecutesOnceAfterAnotherOperatorApproves_AttributedToBoth()
    {
        using var ws = new TempWorkspace();
        await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root);
        var marker = ws.PathOf("ran.txt");
        File.AppendAllText(ws.PathOf(".sce", "specs", "shop", "operations", "operations.md"), $"\n```kse-operation\nname: mark\nrisk: critical\ncommand: [sh, -c, 'echo \"$1\" >> \"$2\"', mark, \"{{text}}\", \"{marker}\"]\nparameters:\n  text: {{ type: string, pattern: \"[a-z ;]+\" }}\n```\n");
        await CliRunner.RunAsync("instances", "add", "shop", "prod-1", "--env", "production", "--host", "local", "--root", ws.Root);
        var settings = ws.Write(".sce/appsettings.json", TestOperators.Settings("alice:approver", "bob:approver"));
        _ = settings;

        var run = await CliRunner.RunAsync("ops", "run", "shop", "mark", "--env", "production", "--param", "text=a; b", "--user", "bob", "--reason", "INC-7", "--json", "--root", ws.Root);
        Assert.Equal(4, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var id = doc.RootElement.GetProperty("approvalId").GetString()!;
        Assert.False(File.Exists(marker));

        var self = await CliRunner.RunAsync("approvals", "approve", id, "--token-file", ws.TokenFile("bob"), "--reason", "mine", "--root", ws.Root);
        Assert.Equal(4, self.ExitCode);

        var approve = await CliRunner.RunAsync("approvals", "approve", id, "--token-file", ws.TokenFile("alice"), "--reason", "ok", "--json", "--root", ws.Root);
        Assert.True(approve.ExitCode == 0, approve.Err + approve.Out);
        Assert.Equal("a; b\n", File.ReadAllText(marker));

        var again = await CliRunner.RunAsync("approvals", "approve", id, "--token-file", ws.TokenFile("alice"), "--reason", "again", "--root", ws.Root);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Equal("a; b\n", File.ReadAllText(marker));

        await using var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        var outcome = (await services.GetRequiredService<IAuditReader>().QueryAsync(new AuditQuery { OperationType = "ops.run" })).Last();
        Assert.Equal("system", outcome.ActorKind);
        Assert.Equal("succeeded", outcome.Outcome);
        Assert.Contains(outcome.Rules!, r => r.Contains("operator:alice", StringComparison.Ordinal));
        Assert.Contains(outcome.Rules!, r => r.StartsWith("approval.requested: by operator:bob", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApprovedRun_IsRefused_WhenTheSpecChangedTheCommand()
    {
        using var ws = new TempWorkspace();
        await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root);
        var ops = ws.PathOf(".sce", "specs", "shop", "operations", "operations.md");
        var original = File.ReadAllText(ops);
        File.WriteAllText(ops, original + "\n```kse-operation\nname: wipe\nrisk: critical\ncommand: [echo, safe]\n```\n");
        await CliRunner.RunAsync("instances", "add", "shop", "prod-1", "--env", "production", "--host", "local", "--root", ws.Root);
        ws.Write(".sce/appsettings.json", TestOperators.Settings("alice:approver"));
        var run = await CliRunner.RunAsync("ops", "run", "shop", "wipe", "--env", "production", "--user", "bob", "--json", "--root", ws.Root);
        using var doc = JsonDocument.Parse(run.Out);
        var id = doc.RootElement.GetProperty("approvalId").GetString()!;

        File.WriteAllText(ops, original + "\n```kse-operation\nname: wipe\nrisk: critical\ncommand: [echo, changed]\n```\n");
        var approve = await CliRunner.RunAsync("approvals", "approve", id, "--token-file", ws.TokenFile("alice"), "--reason", "ok", "--root", ws.Root);

        Assert.Equal(4, approve.ExitCode);
        Assert.Contains("approvals.stale", approve.Err);
        Assert.Contains("echo changed", approve.Err);
        var show = await CliRunner.RunAsync("approvals", "show", id, "--json", "--root", ws.Root);
        using var shown = JsonDocument.Parse(show.Out);
        Assert.Equal("stale", shown.RootElement.GetProperty("state").GetString());
        Assert.Equal("echo safe", shown.RootElement.GetProperty("plan").GetProperty("command").GetString());
    }
}
