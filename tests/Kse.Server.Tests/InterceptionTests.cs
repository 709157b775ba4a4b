using Kse.TestKit;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests;

public sealed class InterceptionTests
{
    [Fact]
    public async Task CallTool_UnknownName_IsDenied_NotExecuted()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        CallToolResult result;
        try
        {
            result = await mcp.Client.CallToolAsync("no_such_tool", new Dictionary<string, object?>());
        }
        catch (ModelContextProtocol.McpException)
        {
            // Some SDK versions surface an unknown tool as a protocol error: also a refusal.
            return;
        }

        Assert.True(result.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Contains("policy.denied", text);
    }
}
