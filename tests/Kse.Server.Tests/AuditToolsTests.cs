using System.Text.Json;
using Kse.Core.Audit;
using Kse.TestKit;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests;

public sealed class AuditToolsTests
{
    private static async Task SeedAsync(McpTestServer mcp)
    {
        var trail = mcp.Get<IAuditTrail>();
        await trail.AppendAsync(new AuditDraft { Actor = Actor.OperatorNamed("olga"), OperationType = "takeover.change", Project = "shop", Environment = "production", Outcome = "succeeded" });
        await trail.AppendAsync(new AuditDraft { Actor = Actor.Ai("claude"), OperationType = "tool.call", Project = "shop", Environment = "production", Target = "restart-service", Outcome = "failed", ErrorContext = "exit code 3" });
        await trail.AppendAsync(new AuditDraft { Actor = Actor.Ai("claude"), OperationType = "tool.call", Project = "web", Environment = "test", Outcome = "succeeded" });
    }

    private static JsonElement Structured(CallToolResult r)
    {
        Assert.True(r.IsError != true, string.Join("\n", r.Content.OfType<TextContentBlock>().Select(t => t.Text)));
        Assert.NotNull(r.StructuredContent);
        return JsonSerializer.SerializeToElement(r.StructuredContent);
    }

    [Fact]
    public async Task AuditTools_AreListed()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var tools = (await mcp.Client.ListToolsAsync()).Select(t => t.Name).ToList();
        Assert.Contains("audit_query", tools);
        Assert.Contains("audit_summary", tools);
        Assert.Contains("audit_verify", tools);
    }

    [Fact]
    public async Task AuditQuery_ReturnsStructuredEntries_FilteredByProjectAndOutcome()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        await SeedAsync(mcp);
        var result = Structured(await mcp.Client.CallToolAsync("audit_query", new Dictionary<string, object?> { ["project"] = "shop", ["outcome"] = "failed" }));
        var entry = Assert.Single(result.GetProperty("entries").EnumerateArray());
        Assert.Equal("restart-service", entry.GetProperty("target").GetString());
        Assert.Equal("exit code 3", entry.GetProperty("errorContext").GetString());
        Assert.Equal(64, entry.GetProperty("hash").GetString()!.Length);
    }

    [Fact]
    public async Task AuditVerify_ReportsAnIntactChain()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        await SeedAsync(mcp);
        var result = Structured(await mcp.Client.CallToolAsync("audit_verify", new Dictionary<string, object?>()));
        Assert.True(result.GetProperty("intact").GetBoolean());
        Assert.True(result.GetProperty("entries").GetInt64() >= 3);
    }

    [Fact]
    public async Task AuditSummary_CountsTheDay()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        await SeedAsync(mcp);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var result = Structured(await mcp.Client.CallToolAsync("audit_summary", new Dictionary<string, object?> { ["date"] = today }));
        Assert.True(result.GetProperty("byProject").GetProperty("shop").GetInt64() >= 2);
        Assert.Contains(result.GetProperty("failures").EnumerateArray(), f => f.GetProperty("errorContext").GetString() == "exit code 3");
    }
}
