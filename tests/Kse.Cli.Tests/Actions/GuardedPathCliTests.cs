using System.Text.Json;
using Kse.Core.Audit;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kse.Cli.Tests.Actions;

/// <summary>The guarded path as a human at the command line sees it.</summary>
public sealed class GuardedPathCliTests
{
    private const string Ops = """

        ```kse-operation
        name: greet
        risk: normal
        command: [printf, "hello %s", "{who}"]
        parameters:
          who: { type: string, pattern: "[a-z]+" }
        ```
        """;

    /// <summary>A project whose spec validates (as 'kse ops init' then filled in), with one local instance in development.</summary>
    private static async Task<TempWorkspace> SetupAsync(string type)
    {
        var ws = new TempWorkspace();
        await CliRunner.RunAsync("ops", "init", "shop", "--system-type", type, "--root", ws.Root);
        SpecFixtures.WriteValidSpec(ws.Workspace, "shop", Ops);
        await CliRunner.RunAsync("instances", "add", "shop", "dev-1", "--env", "development", "--host", "local", "--root", ws.Root);
        return ws;
    }

    [Fact]
    public async Task CliRun_OneCorrelationId_JoinsDecisionAndOutcome_AndAuditQueryFindsIt()
    {
        using var ws = await SetupAsync("kse");

        var run = await CliRunner.RunAsync("ops", "run", "shop", "greet", "--env", "development", "--param", "who=team", "--json", "--root", ws.Root);

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var correlation = doc.RootElement.GetProperty("correlationId").GetString()!;
        var query = await CliRunner.RunAsync("audit", "query", "--correlation", correlation, "--json", "--root", ws.Root);
        Assert.Equal(0, query.ExitCode);
        var entries = JsonSerializer.Deserialize<AuditQueryResult>(query.Out, Kse.Core.KseJson.Options)!.Entries;
        ActionStory.AssertOneAction(entries, correlation, "ops.run", "succeeded");
        Assert.Equal(2, entries.Count);
    }

    [Fact]
    public async Task HumanAtL1_Runs_AndTheEntriesSayObserved()
    {
        using var ws = await SetupAsync("existing");

        var run = await CliRunner.RunAsync("ops", "run", "shop", "greet", "--env", "development", "--param", "who=human", "--json", "--root", ws.Root);

        Assert.True(run.ExitCode == 0, run.Err + run.Out);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal("succeeded", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal("L1", doc.RootElement.GetProperty("effectiveLevel").GetString());
        Assert.True(doc.RootElement.GetProperty("observed").GetBoolean());
        Assert.Equal("hello human", doc.RootElement.GetProperty("result").GetProperty("stdout").GetString());
        await using var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        var entries = (await services.GetRequiredService<IAuditReader>().QueryAsync(new AuditQuery { OperationType = "ops.run" }));
        Assert.Equal(["decided", "succeeded"], entries.Select(e => e.Outcome));
        Assert.All(entries, e => Assert.Equal("true", e.Parameters!["observed"]));
    }

    [Fact]
    public async Task PolicyExplain_ForHumanAndAi_ShowsWhoIsBoundByWhat()
    {
        using var ws = await SetupAsync("existing");

        var ai = await CliRunner.RunAsync("policy", "explain", "--project", "shop", "--env", "development", "--operation", "greet", "--risk", "normal", "--actor", "ai", "--json", "--root", ws.Root);
        var human = await CliRunner.RunAsync("policy", "explain", "--project", "shop", "--env", "development", "--operation", "greet", "--risk", "normal", "--actor", "human", "--json", "--root", ws.Root);
        var fourEyes = await CliRunner.RunAsync("policy", "explain", "--project", "shop", "--env", "production", "--operation", "wipe", "--risk", "critical", "--actor", "human", "--json", "--root", ws.Root);

        Assert.Equal("observe_only", JsonDocument.Parse(ai.Out).RootElement.GetProperty("decision").GetString());
        Assert.Equal("run", JsonDocument.Parse(human.Out).RootElement.GetProperty("decision").GetString());
        var queued = JsonDocument.Parse(fourEyes.Out).RootElement;
        Assert.Equal("queue_for_approval", queued.GetProperty("decision").GetString());
        Assert.Contains(queued.GetProperty("rules").EnumerateArray(), r => r.GetProperty("id").GetString() == "human.four_eyes");
    }

    [Fact]
    public async Task ServiceContainer_ValidatesOnBuild_AndResolvesEveryRegisteredService()
    {
        using var ws = new TempWorkspace();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        var configuration = KseComposition.LoadConfiguration(ws.Workspace);
        services.AddKse(ws.Workspace, configuration);
        Kse.Server.KseMcpServer.AddKseMcpServer(services);

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        foreach (var type in services.Where(d => !d.ServiceType.IsGenericTypeDefinition).Select(d => d.ServiceType).Distinct())
        {
            Assert.Contains(provider.GetServices(type), s => s is not null);
        }
    }
}
