using System.Text.Json;
using Kse.TestKit;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests;

public sealed class SpecsMcpTests
{
    [Fact]
    public async Task ListTools_OffersTheSpecTools_AsReadOnly()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var tools = await mcp.Client.ListToolsAsync();
        foreach (var name in new[] { "ops_list_projects", "ops_validate", "ops_status" })
        {
            var tool = tools.Single(t => t.Name == name);
            Assert.True(tool.ProtocolTool.Annotations?.ReadOnlyHint);
            Assert.NotNull(tool.ProtocolTool.OutputSchema);
        }
    }

    [Fact]
    public async Task OpsValidate_ReturnsTheCliShape_AsStructuredContent()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        File.Delete(Path.Combine(ws.Workspace.OperationsDir("billing"), "rollback.md"));
        await using var mcp = await McpTestServer.StartAsync(ws);

        var result = await mcp.Client.CallToolAsync("ops_validate", new Dictionary<string, object?> { ["project"] = "billing" });
        Assert.NotEqual(true, result.IsError);
        var sc = result.StructuredContent!.Value;
        Assert.Equal("billing", sc.GetProperty("project").GetString());
        Assert.False(sc.GetProperty("valid").GetBoolean());
        var docs = sc.GetProperty("documents").EnumerateArray().ToList();
        Assert.Equal(9, docs.Count);
        Assert.False(docs.Single(d => d.GetProperty("name").GetString() == "rollback.md").GetProperty("present").GetBoolean());
    }

    [Fact]
    public async Task OpsValidate_InvalidOrUnknownProject_IsAnErrorResult_WithTheStableCode()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var traversal = await mcp.Client.CallToolAsync("ops_validate", new Dictionary<string, object?> { ["project"] = "../../etc" });
        Assert.True(traversal.IsError);
        Assert.Contains("spec.project_invalid", ((TextContentBlock)traversal.Content[0]).Text);
        var unknown = await mcp.Client.CallToolAsync("ops_validate", new Dictionary<string, object?> { ["project"] = "ghost" });
        Assert.True(unknown.IsError);
        Assert.Contains("spec.project_not_found", ((TextContentBlock)unknown.Content[0]).Text);
    }

    [Fact]
    public async Task OpsListProjects_AndOpsStatus_ReportTheWorkspace()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        ws.Write(".sce/specs/refunds/tasks.md", "- [x] done\n");
        await using var mcp = await McpTestServer.StartAsync(ws);

        var list = await mcp.Client.CallToolAsync("ops_list_projects", new Dictionary<string, object?>());
        var project = Assert.Single(list.StructuredContent!.Value.GetProperty("projects").EnumerateArray());
        Assert.Equal("billing", project.GetProperty("name").GetString());
        Assert.True(project.GetProperty("valid").GetBoolean());

        var status = await mcp.Client.CallToolAsync("ops_status", new Dictionary<string, object?>());
        Assert.Equal("refunds", Assert.Single(status.StructuredContent!.Value.GetProperty("needOperationsSpec").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Resources_ServeResolvedDocuments_AndTheProjectList()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        ws.Write(".sce/shared/operations/rollback.md", "# shared\n\n## Escalation\n\nCall the lead.\n");
        await using var mcp = await McpTestServer.StartAsync(ws);

        var templates = await mcp.Client.ListResourceTemplatesAsync();
        Assert.Contains(templates, t => t.UriTemplate == "kse://specs/{project}/operations/{doc}");

        var doc = await mcp.Client.ReadResourceAsync("kse://specs/billing/operations/rollback.md");
        var text = Assert.IsType<TextResourceContents>(Assert.Single(doc.Contents)).Text;
        Assert.Contains("## Rollback Steps", text);
        Assert.Contains("Call the lead.", text);

        var projects = await mcp.Client.ReadResourceAsync("kse://projects");
        using var json = JsonDocument.Parse(Assert.IsType<TextResourceContents>(Assert.Single(projects.Contents)).Text);
        Assert.Equal("billing", json.RootElement.GetProperty("projects")[0].GetProperty("name").GetString());

        await Assert.ThrowsAnyAsync<McpException>(() => mcp.Client.ReadResourceAsync("kse://specs/ghost/operations/rollback.md").AsTask());
    }

    [Fact]
    public async Task Prompts_AreServedFromPromptFiles_WithTheProjectsValidation()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        await using var mcp = await McpTestServer.StartAsync(ws);

        var prompts = await mcp.Client.ListPromptsAsync();
        Assert.Contains(prompts, p => p.Name == "write_operations_spec");
        Assert.Contains(prompts, p => p.Name == "review_operations_spec");
        Assert.Contains(prompts, p => p.Name == "operations_spec_handoff");

        var prompt = await mcp.Client.GetPromptAsync("write_operations_spec", new Dictionary<string, object?> { ["project"] = "billing" });
        var text = Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text;
        Assert.Contains("`billing`", text);
        Assert.Contains("Prerequisites, Deployment Steps", text);
        Assert.Contains("\"valid\": true", text);

        await Assert.ThrowsAnyAsync<McpException>(() => mcp.Client.GetPromptAsync("write_operations_spec").AsTask());
    }
}
