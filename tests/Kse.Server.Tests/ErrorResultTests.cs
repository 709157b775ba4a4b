using Kse.TestKit;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests;

/// <summary>Errors reach an MCP client with their stable code and message, never as the SDK's generic "An error occurred".</summary>
public sealed class ErrorResultTests
{
    private static string Text(CallToolResult r) => string.Join("\n", r.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Theory]
    [InlineData("change_classify", null, "error change.source_missing: ")]
    [InlineData("change_classify", "not a diff", "error change.diff_invalid: ")]
    [InlineData("change_gate", "not a diff", "error change.diff_invalid: ")]
    [InlineData("rollout_plan", null, "error change.source_missing: ")]
    public async Task ChangeTools_BadInput_IsAnErrorResult_StartingWithTheStableCode(string tool, string? diff, string expected)
    {
        using var ws = ChangeFixtures.Workspace();
        await using var mcp = await McpTestServer.StartAsync(ws);

        var result = await mcp.Client.CallToolAsync(tool, new Dictionary<string, object?> { ["diff"] = diff });

        Assert.True(result.IsError);
        Assert.StartsWith(expected, Text(result));
        Assert.DoesNotContain("An error occurred", Text(result));
    }

    [Fact]
    public async Task ApprovalResource_UnknownId_IsResourceNotFound_NamingTheApproval()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);

        var ex = await Assert.ThrowsAnyAsync<McpProtocolException>(() => mcp.Client.ReadResourceAsync("kse://approvals/apr-000000000000").AsTask());

        Assert.Equal(McpErrorCode.ResourceNotFound, ex.ErrorCode);
        Assert.Contains("error approval.not_found: no approval 'apr-000000000000'", ex.Message);
    }
}
