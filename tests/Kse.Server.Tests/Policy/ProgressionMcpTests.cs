using System.Text.Json;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Policy;

public sealed class ProgressionMcpTests
{
    private static async Task<McpTestServer> StartAsync(TempWorkspace ws)
    {
        // A complete spec: an invalid one would keep the AI to observation (spec.invalid).
        SpecFixtures.WriteValidSpec(ws.Workspace, "web", """
            # Operations

            ```kse-operation
            name: flaky-restart
            risk: normal
            command: ["false"]
            ```
            """);
        new ProjectManifest
        {
            Name = "web",
            SystemType = SystemType.Kse,
            Instances = [new ProjectInstance { Id = "web-1", Environment = EnvironmentKind.Development, Host = "local" }],
        }.Save(ws.Workspace);
        return await McpTestServer.StartAsync(ws, configure: services =>
        {
            services.AddSingleton<ProbeLog>();
            services.AddMcpServer().WithTools<ProbeTools>();
        });
    }

    private static Dictionary<string, object?> Args(string project, string environment) => new() { ["project"] = project, ["environment"] = environment };

    private static JsonElement Structured(CallToolResult r) => JsonSerializer.SerializeToElement(r.StructuredContent);

    private static async Task<TakeoverSetting?> LevelAsync(McpTestServer mcp) => (await mcp.Get<ITakeoverStore>().GetLevelAsync("web", EnvironmentKind.Development));

    [Fact]
    public async Task FailingCalls_DemoteTheLevelByThemselves_AtTheTenthOutcome_AndTheNextCallIsQueued()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        for (var i = 1; i <= 9; i++)
        {
            Assert.True((await mcp.Client.CallToolAsync("probe_failing", Args("web", "development"))).IsError);
        }

        Assert.Null((await LevelAsync(mcp)));
        Assert.True((await mcp.Client.CallToolAsync("probe_failing", Args("web", "development"))).IsError);
        var level = (await LevelAsync(mcp));
        Assert.NotNull(level);
        Assert.Equal(TakeoverLevel.L2, level.Level);
        Assert.Equal("kse", level.SetBy);

        var change = Assert.Single((await mcp.Get<IAuditReader>().ReadChainAsync().ToListAsync()), e => e.OperationType == "takeover.change");
        Assert.Equal("system", change.ActorKind);
        Assert.Equal("L3", change.Parameters!["from"]);
        Assert.Equal("L2", change.Parameters["to"]);
        Assert.Equal("automatic demotion: 10 of the last 10 operations in development failed (100%), above the 20% threshold", change.Parameters["reason"]);

        var next = await mcp.Client.CallToolAsync("probe_restart", Args("web", "development"));
        Assert.Equal("pending_approval", Structured(next).GetProperty("status").GetString());
    }

    [Fact]
    public async Task TakeoverProgress_IsARead_ReturnsEvidenceAndRecommendation_AndNoToolCanPromote()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        await mcp.Client.CallToolAsync("probe_restart", Args("web", "development"));
        await mcp.Client.CallToolAsync("probe_failing", Args("web", "development"));

        var result = await mcp.Client.CallToolAsync("takeover_progress", new Dictionary<string, object?> { ["project"] = "web", ["environment"] = "development" });
        Assert.NotEqual(true, result.IsError);
        var a = Structured(result).GetProperty("environments")[0];
        Assert.Equal("development", a.GetProperty("environment").GetString());
        Assert.Equal("L3", a.GetProperty("level").GetString());
        Assert.Equal("L5", a.GetProperty("cap").GetString());
        Assert.Equal(2, a.GetProperty("evidence").GetProperty("operations").GetInt32());
        Assert.Equal(1, a.GetProperty("evidence").GetProperty("errors").GetInt32());
        Assert.Equal(0.2, a.GetProperty("thresholds").GetProperty("errorRateThreshold").GetDouble());
        Assert.Equal("hold", a.GetProperty("recommendation").GetProperty("action").GetString());
        Assert.Contains(a.GetProperty("recommendation").GetProperty("criteria").EnumerateArray(), c => c.GetProperty("id").GetString() == "promote.operations" && !c.GetProperty("met").GetBoolean());

        var all = Structured(await mcp.Client.CallToolAsync("takeover_progress", new Dictionary<string, object?> { ["project"] = "web" }));
        Assert.Equal(4, all.GetProperty("environments").GetArrayLength());
        Assert.True((await mcp.Client.CallToolAsync("takeover_progress", new Dictionary<string, object?> { ["project"] = "web", ["environment"] = "prod-eu" })).IsError);

        var tools = await mcp.Client.ListToolsAsync();
        Assert.Contains(tools, t => t.Name == "takeover_progress" && t.ProtocolTool.Annotations?.ReadOnlyHint == true);
        Assert.DoesNotContain(tools, t => t.Name.Contains("promote", StringComparison.Ordinal) || t.Name == "takeover_set");
    }

    [Fact]
    public async Task FailingOpsRuns_CountOnce_AndDemoteAtTheTenth()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var args = new Dictionary<string, object?> { ["project"] = "web", ["operation"] = "flaky-restart", ["environment"] = "development", ["instance"] = "web-1" };
        for (var i = 1; i <= 9; i++)
        {
            await mcp.Client.CallToolAsync("ops_run", args);
        }

        // The tool.call outcome of ops_run is not counted next to its ops.run outcome: nine runs are nine operations.
        Assert.Null((await LevelAsync(mcp)));
        Assert.Equal(9, (await mcp.Get<ProgressionService>().AssessAsync("web", "development", DateTimeOffset.UtcNow)).Evidence.Operations);

        await mcp.Client.CallToolAsync("ops_run", args);
        Assert.Equal(TakeoverLevel.L2, (await LevelAsync(mcp))?.Level);
        Assert.Single((await mcp.Get<IAuditReader>().ReadChainAsync().ToListAsync()), e => e.OperationType == "takeover.change" && e.Parameters!["trigger"] == ProgressionService.DemotionTrigger);
    }
}
