using System.Text.Json;
using Kse.Core.Audit;
using Kse.Core.Learning;
using Kse.TestKit;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Learning;

public sealed class LearningMcpTests
{
    [Fact]
    public async Task LearnDraft_DraftsFromObservations_ServesTheDrafts_AndTheReviewPrompt()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        await using var mcp = await McpTestServer.StartAsync(ws);
        var tool = (await mcp.Client.ListToolsAsync()).Single(t => t.Name == "learn_draft");
        Assert.Equal(false, tool.ProtocolTool.Annotations?.DestructiveHint);
        await Assert.ThrowsAnyAsync<McpException>(() => mcp.Client.ReadResourceAsync("kse://drafts/billing/operations.md").AsTask());
        await mcp.Get<LearningService>().RecordAsync(ObservedHistory.Generate("billing", DateTimeOffset.UtcNow), Actor.OsUser("ops"));

        var result = await mcp.Client.CallToolAsync("learn_draft", new Dictionary<string, object?> { ["project"] = "billing" });

        Assert.True(result.IsError != true, string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text)));
        var draft = JsonSerializer.SerializeToElement(result.StructuredContent);
        Assert.Equal(0, draft.GetProperty("validationErrors").GetArrayLength());
        var backup = draft.GetProperty("operations").EnumerateArray().Single(o => o.GetProperty("command").GetString() == ObservedHistory.Backup);
        Assert.True(backup.GetProperty("confidence").GetDouble() >= 0.85);
        Assert.True(backup.GetProperty("evidence").GetArrayLength() > 0);

        var doc = await mcp.Client.ReadResourceAsync("kse://drafts/billing/operations.md");
        var text = Assert.IsType<TextResourceContents>(Assert.Single(doc.Contents)).Text;
        Assert.Contains("```kse-operation", text);
        Assert.Contains(ObservedHistory.Backup, text);
        Assert.All(ObservedHistory.Secrets, s => Assert.DoesNotContain(s, text));

        var prompt = await mcp.Client.GetPromptAsync("review_drafted_spec", new Dictionary<string, object?> { ["project"] = "billing" });
        var body = Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text;
        Assert.Contains("kse://drafts/billing/", body);
        Assert.Contains("pg_dump", body);
        Assert.Contains("confidenceFactors", body);
    }
}
