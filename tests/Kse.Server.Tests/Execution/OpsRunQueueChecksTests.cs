using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Execution;

/// <summary>An ops_run that could never run as given is refused when asked, not queued for a human whose approval could only fail.</summary>
public sealed class OpsRunQueueChecksTests
{
    [Theory]
    [InlineData(null, "abc", "instances.ambiguous")]
    [InlineData("prod-1", "$(reboot)", "ops.parameter_invalid")]
    [InlineData("nowhere-1", "abc", "instance")]
    public async Task InProduction_AnUnrunnableCall_IsDenied_AndNothingIsQueued(string? instance, string who, string named)
    {
        using var ws = new TempWorkspace();
        ExecutionToolsTests.Seed(ws, ws.PathOf("marker.txt"));
        new ProjectManifest
        {
            Name = "shop",
            SystemType = SystemType.Kse,
            Instances =
            [
                new ProjectInstance { Id = "prod-1", Environment = EnvironmentKind.Production, Host = "local" },
                new ProjectInstance { Id = "prod-2", Environment = EnvironmentKind.Production, Host = "local" },
            ],
        }.Save(ws.Workspace);
        await using var mcp = await McpTestServer.StartAsync(ws);

        var result = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop",
            ["operation"] = "greet",
            ["environment"] = "production",
            ["instance"] = instance,
            ["parameters"] = new Dictionary<string, string> { ["who"] = who },
        });

        Assert.True(result.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.StartsWith("error policy.denied:", text);
        Assert.Contains(named, text);
        Assert.Empty((await mcp.Get<IApprovalStore>().ListAsync(null, null, 100)));

        // The audited rule carries the cause's own stable code, so the trail can be queried by it.
        var denied = Assert.Single((await mcp.Get<IAuditReader>().ReadChainAsync().ToListAsync()), e => e.OperationType == "ops.run" && e.Outcome == "denied");
        var rule = Assert.Single(denied.Rules!);
        Assert.DoesNotContain("tool.risk_unresolved", rule);
        Assert.Contains(named, rule.Split(':')[0]);
    }

    [Fact]
    public async Task InProduction_ARunnableCall_IsStillQueued()
    {
        using var ws = new TempWorkspace();
        ExecutionToolsTests.Seed(ws, ws.PathOf("marker.txt"));
        await using var mcp = await McpTestServer.StartAsync(ws);

        var result = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop",
            ["operation"] = "greet",
            ["environment"] = "production",
            ["parameters"] = new Dictionary<string, string> { ["who"] = "abc" },
        });

        Assert.NotEqual(true, result.IsError);
        Assert.Single((await mcp.Get<IApprovalStore>().ListAsync(null, null, 100)));
    }

    [Fact]
    public async Task AnEnvironmentAlias_IsQueuedAndAudited_UnderTheEnvironmentsName()
    {
        using var ws = new TempWorkspace();
        ExecutionToolsTests.Seed(ws, ws.PathOf("marker.txt"));
        await using var mcp = await McpTestServer.StartAsync(ws);

        var result = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop",
            ["operation"] = "greet",
            ["environment"] = "prod",
            ["parameters"] = new Dictionary<string, string> { ["who"] = "abc" },
        });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("production", Assert.Single((await mcp.Get<IApprovalStore>().ListAsync(null, null, 100))).Environment);
        var entry = Assert.Single((await mcp.Get<Kse.Core.Audit.IAuditReader>().ReadChainAsync().ToListAsync()), e => e.OperationType == "ops.run");
        Assert.Equal("production", entry.Environment);
    }
}
