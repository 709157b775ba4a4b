using System.Text.Json;
using Kse.Core.Audit;
using Kse.Core.Specs;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli.Tests.Policy;

public sealed class ProgressionCommandTests
{
    // Small thresholds so a handful of entries written now is enough evidence.
    // dana is an operator (promotions need an operator credential).
    private static readonly string Settings = $$"""
        { "Kse": { "Policy": { "Progression": {
            "MinDays": 0, "MinOperations": 5, "MinConfidence": 0.5,
            "ErrorRateThresholds": { "test": 0.1 } } },
            "Operators": [ { "Name": "dana", "TokenSha256": "{{TestOperators.Hash("dana")}}" } ] } }
        """;

    private static TempWorkspace Workspace(string? settings = null)
    {
        var ws = new TempWorkspace();
        new ProjectManifest { Name = "web", SystemType = SystemType.Kse }.Save(ws.Workspace);
        ws.Write(".sce/appsettings.json", settings ?? Settings);
        return ws;
    }

    private static Task<CliRunner.Result> Kse(TempWorkspace ws, params string[] args) => CliRunner.RunAsync([.. args, "--root", ws.Root]);

    private static async Task OperationsAsync(TempWorkspace ws, string env, int succeeded, int failed)
    {
        await using var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        var audit = services.GetRequiredService<IAuditTrail>();
        foreach (var outcome in Enumerable.Repeat("succeeded", succeeded).Concat(Enumerable.Repeat("failed", failed)))
        {
            await audit.AppendAsync(new AuditDraft { Actor = Actor.OsUser("dana"), OperationType = "ops.run", Project = "web", Environment = env, Target = "restart@web-1", Decision = "run", Outcome = outcome });
        }
    }

    [Fact]
    public async Task Progress_SuggestsAPromotion_PromoteAppliesIt_ThenRefusesASecondOne()
    {
        using var ws = Workspace();
        var early = await Kse(ws, "takeover", "promote", "web", "--env", "test", "--reason", "eager", "--token-file", ws.TokenFile("dana"));
        Assert.Equal(4, early.ExitCode);
        Assert.StartsWith("error progression.not_recommended:", early.Err);

        await OperationsAsync(ws, "test", succeeded: 6, failed: 0);
        var progress = await Kse(ws, "takeover", "progress", "web", "--env", "test", "--json");
        Assert.Equal(0, progress.ExitCode);
        using (var doc = JsonDocument.Parse(progress.Out))
        {
            var a = Assert.Single(doc.RootElement.GetProperty("environments").EnumerateArray().ToList());
            Assert.Equal("L3", a.GetProperty("level").GetString());
            Assert.Equal("L4", a.GetProperty("cap").GetString());
            Assert.Equal(6, a.GetProperty("evidence").GetProperty("operations").GetInt32());
            Assert.Equal(5, a.GetProperty("thresholds").GetProperty("minOperations").GetInt32());
            var r = a.GetProperty("recommendation");
            Assert.Equal("promote", r.GetProperty("action").GetString());
            Assert.Equal("L4", r.GetProperty("to").GetString());
        }

        var text = await Kse(ws, "takeover", "progress", "web", "--env", "test");
        Assert.Contains("promote L3 -> L4 suggested", text.Out);

        var promote = await Kse(ws, "takeover", "promote", "web", "--env", "test", "--reason", "six clean runs", "--token-file", ws.TokenFile("dana"), "--json");
        Assert.Equal(0, promote.ExitCode);
        using (var change = JsonDocument.Parse(promote.Out))
        {
            Assert.Equal("L3", change.RootElement.GetProperty("from").GetString());
            Assert.Equal("L4", change.RootElement.GetProperty("to").GetString());
            Assert.Equal("dana", change.RootElement.GetProperty("user").GetString());
        }

        // L4 is the test cap, and the new level starts a new evidence period.
        Assert.Equal(4, (await Kse(ws, "takeover", "promote", "web", "--env", "test", "--reason", "more", "--token-file", ws.TokenFile("dana"))).ExitCode);
        Assert.Equal(2, (await Kse(ws, "takeover", "promote", "web", "--env", "test", "--token-file", ws.TokenFile("dana"))).ExitCode);
    }

    [Fact]
    public async Task Progress_AppliesADueDemotion_AndShowNamesTheSystemAsWhoSetIt()
    {
        using var ws = Workspace();
        await OperationsAsync(ws, "test", succeeded: 8, failed: 2);
        var progress = await Kse(ws, "takeover", "progress", "web", "--env", "test");
        Assert.Equal(0, progress.ExitCode);
        Assert.Contains("demoted L3 -> L2", progress.Out);
        Assert.Contains("demote.error_rate: 2 of the last 10 operations failed (20%), above the 10% threshold", progress.Out);

        var show = await Kse(ws, "takeover", "show", "web", "--env", "test", "--json");
        using var doc = JsonDocument.Parse(show.Out);
        var env = Assert.Single(doc.RootElement.GetProperty("environments").EnumerateArray().ToList());
        Assert.Equal("L2", env.GetProperty("level").GetString());
        Assert.Equal("kse", env.GetProperty("setBy").GetString());
        Assert.StartsWith("automatic demotion:", env.GetProperty("reason").GetString());

        var audit = await Kse(ws, "audit", "query", "--type", "takeover.change", "--json");
        Assert.Contains("progression.demote", audit.Out);
    }

    [Theory]
    [InlineData("""{ "Kse": { "Policy": { "Progression": { "MinConfidence": 2 } } } }""")]
    [InlineData("""{ "Kse": { "Policy": { "Progression": { "ErrorRateThresholds": { "prod-eu": 0.1 } } } } }""")]
    [InlineData("""{ "Kse": { "Policy": { "Progression": { "MinOperations": "many" } } } }""")]
    public async Task Progress_WithInvalidSettings_IsAConfigurationError(string settings)
    {
        using var ws = Workspace(settings);
        var r = await Kse(ws, "takeover", "progress", "web");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error config.invalid:", r.Err);
    }
}
