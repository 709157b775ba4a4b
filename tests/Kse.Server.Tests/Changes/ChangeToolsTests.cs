using System.Text.Json;
using Kse.TestKit;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Changes;

public sealed class ChangeToolsTests
{
    private static JsonElement Structured(CallToolResult r)
    {
        Assert.True(r.IsError != true, string.Join("\n", r.Content.OfType<TextContentBlock>().Select(t => t.Text)));
        Assert.NotNull(r.StructuredContent);
        return r.StructuredContent!.Value;
    }

    [Fact]
    public async Task ChangeTools_AreListed_ReadOnly_WithOutputSchemas()
    {
        using var ws = ChangeFixtures.Workspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var tools = await mcp.Client.ListToolsAsync();
        foreach (var name in new[] { "change_classify", "change_gate", "rollout_plan", "graph_show", "graph_dependents" })
        {
            var tool = tools.Single(t => t.Name == name);
            Assert.True(tool.ProtocolTool.Annotations?.ReadOnlyHint);
            Assert.NotNull(tool.ProtocolTool.OutputSchema);
        }
    }

    [Fact]
    public async Task ChangeClassify_DiffText_ReturnsLevelFindingsAndDependents()
    {
        using var ws = ChangeFixtures.Workspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var sc = Structured(await mcp.Client.CallToolAsync("change_classify", new Dictionary<string, object?> { ["diff"] = ChangeFixtures.RemoveInvoicePathDiff }));
        Assert.Equal("L3", sc.GetProperty("level").GetString());
        var finding = sc.GetProperty("findings")[0];
        Assert.Equal("api.openapi.path-removed", finding.GetProperty("rule").GetString());
        Assert.Equal("services/billing/openapi.yaml", finding.GetProperty("file").GetString());
        Assert.True(finding.GetProperty("breaking").GetBoolean());
        Assert.Equal("ledger", sc.GetProperty("dependencyAnalysis").GetProperty("incompatibilities")[0].GetProperty("consumer").GetString());
    }

    [Fact]
    public async Task ChangeClassify_GitRange_ReadsTheWorkspaceRepository()
    {
        using var ws = ChangeFixtures.Workspace();
        GitRepo.Run(ws.Root, "init", "-q");
        GitRepo.Run(ws.Root, "add", "-A");
        GitRepo.Run(ws.Root, "commit", "-qm", "init");
        ws.Write("services/billing/Dockerfile", "FROM mcr.microsoft.com/dotnet/aspnet:10.0\n");
        GitRepo.Run(ws.Root, "add", "-A");
        GitRepo.Run(ws.Root, "commit", "-qm", "image");
        await using var mcp = await McpTestServer.StartAsync(ws);
        var sc = Structured(await mcp.Client.CallToolAsync("change_classify", new Dictionary<string, object?> { ["base"] = "HEAD~1", ["head"] = "HEAD" }));
        Assert.Equal("L5", sc.GetProperty("level").GetString());
        Assert.Equal("arch.service-added", sc.GetProperty("findings")[0].GetProperty("rule").GetString());
    }

    [Fact]
    public async Task ChangeGate_IncompletePlan_ReturnsPassedFalse_WithTheMissingSections()
    {
        using var ws = ChangeFixtures.Workspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var sc = Structured(await mcp.Client.CallToolAsync("change_gate", new Dictionary<string, object?> { ["diff"] = ChangeFixtures.DropColumnDiff, ["project"] = "billing" }));
        Assert.False(sc.GetProperty("passed").GetBoolean());
        Assert.Equal(["Migration Strategy", "Data Mapping", "Validation Steps", "Rollback Plan"], sc.GetProperty("missingSections").EnumerateArray().Select(e => e.GetString()));

        ws.Write(".sce/specs/billing/operations/migration-plan.md", ChangeFixtures.CompleteMigrationPlan);
        var ok = Structured(await mcp.Client.CallToolAsync("change_gate", new Dictionary<string, object?> { ["diff"] = ChangeFixtures.DropColumnDiff, ["project"] = "billing" }));
        Assert.True(ok.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task RolloutPlan_ReturnsWaves_AndIsAuditedWithEveryProject()
    {
        using var ws = ChangeFixtures.Workspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var sc = Structured(await mcp.Client.CallToolAsync("rollout_plan", new Dictionary<string, object?> { ["diff"] = ChangeFixtures.RemoveInvoicePathDiff + ChangeFixtures.DropColumnDiff }));
        Assert.True(sc.GetProperty("coordinationNeeded").GetBoolean());
        Assert.Equal(["expand", "migrate", "migrate", "contract"], sc.GetProperty("waves").EnumerateArray().Select(w => w.GetProperty("phase").GetString()));

        var audit = Structured(await mcp.Client.CallToolAsync("audit_query", new Dictionary<string, object?> { ["project"] = "reports" }));
        var entry = audit.GetProperty("entries").EnumerateArray().First(e => e.GetProperty("operationType").GetString() == "rollout.plan");
        Assert.Equal("billing", entry.GetProperty("project").GetString());
        Assert.Equal(["ledger", "reports"], entry.GetProperty("relatedProjects").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("ai", entry.GetProperty("actorKind").GetString());
    }

    [Fact]
    public async Task ChangeClassify_BadInput_IsAnErrorResult_WithTheStableCode()
    {
        using var ws = ChangeFixtures.Workspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var none = await mcp.Client.CallToolAsync("change_classify", new Dictionary<string, object?>());
        Assert.True(none.IsError);
        Assert.Contains("change.source_missing", ((TextContentBlock)none.Content[0]).Text);
        var injected = await mcp.Client.CallToolAsync("change_classify", new Dictionary<string, object?> { ["base"] = "--output=/tmp/pwned" });
        Assert.True(injected.IsError);
        Assert.Contains("change.revision_invalid", ((TextContentBlock)injected.Content[0]).Text);
    }

    [Fact]
    public async Task GraphTools_ShowTheGraphWithItsCheck_AndTransitiveDependents()
    {
        using var ws = ChangeFixtures.Workspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var graph = Structured(await mcp.Client.CallToolAsync("graph_show", new Dictionary<string, object?>()));
        Assert.Equal(4, graph.GetProperty("projects").GetArrayLength());
        Assert.True(graph.GetProperty("check").GetProperty("valid").GetBoolean());
        var dependents = Structured(await mcp.Client.CallToolAsync("graph_dependents", new Dictionary<string, object?> { ["project"] = "billing", ["transitive"] = true }));
        Assert.Equal(["ledger", "reports", "web"], dependents.GetProperty("dependents").EnumerateArray().Select(d => d.GetProperty("project").GetString()));
        var unknown = await mcp.Client.CallToolAsync("graph_dependents", new Dictionary<string, object?> { ["project"] = "nobody" });
        Assert.True(unknown.IsError);
        Assert.Contains("graph.project_unknown", ((TextContentBlock)unknown.Content[0]).Text);
    }

}
