using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.TestKit;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests;

/// <summary>Bad arguments reach the client as an error result naming the argument (denied and audited by the gate), never as the SDK's bare "An error occurred invoking".</summary>
public sealed class ToolArgumentsTests
{
    private static string Text(CallToolResult r) => string.Join("\n", r.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task EveryToolWithRequiredArguments_CalledWithoutThem_SaysWhichArgumentIsMissing()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        await using var mcp = await McpTestServer.StartAsync(ws);
        var tools = await mcp.Client.ListToolsAsync();
        var checkedTools = 0;
        foreach (var tool in tools)
        {
            var schema = tool.ProtocolTool.InputSchema;
            if (!schema.TryGetProperty("required", out var required) || required.GetArrayLength() == 0)
            {
                continue;
            }

            var result = await mcp.Client.CallToolAsync(tool.Name, new Dictionary<string, object?>());
            Assert.True(result.IsError, tool.Name);
            // Read tools name the argument; a non-read tool is first denied by the gate for its missing scope or operation.
            Assert.Matches("^error (input.argument_missing|policy.denied): ", Text(result));
            if (!Text(result).StartsWith("error policy.denied", StringComparison.Ordinal))
            {
                Assert.Contains(required.EnumerateArray(), r => Text(result).Contains($"'{r.GetString()}'", StringComparison.Ordinal));
            }

            Assert.DoesNotContain("An error occurred", Text(result));
            checkedTools++;
        }

        Assert.True(checkedTools >= 7, $"only {checkedTools} tools have required arguments");
    }

    [Theory]
    [InlineData("ops_validate", """{"project":5}""", "'project' must be a string, not the number 5")]
    [InlineData("approval_status", """{"approvalId":null}""", "needs the argument 'approvalId'")]
    [InlineData("audit_query", """{"from":"yesterday"}""", "'from' must be a date and time in ISO 8601")]
    [InlineData("audit_query", """{"limit":"ten"}""", "'limit' must be a whole number, not a string")]
    [InlineData("emergency_request", """{"project":"billing","environment":"test","level":"L4","reason":"x","minutes":1.5}""", "'minutes' must be a whole number")]
    [InlineData("ops_run", """{"project":"shop","operation":"greet","environment":"production","parameters":{"who":{"nested":5}}}""", "'parameters' must be an object whose values are each a string or a number or a boolean, not an object")]
    [InlineData("ops_run", """{"project":"shop","operation":"greet","environment":"production","parameters":{"who":"x"},"dryRun":"yes"}""", "'dryRun' must be a boolean, not a string")]
    public async Task WrongArgumentTypes_AreNamed_AndNothingIsQueued(string tool, string args, string expected)
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        Execution.ExecutionToolsTests.Seed(ws, ws.PathOf("marker.txt"));
        await using var mcp = await McpTestServer.StartAsync(ws);
        var arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(args)!.ToDictionary(p => p.Key, p => (object?)p.Value);

        var result = await mcp.Client.CallToolAsync(tool, arguments);

        Assert.True(result.IsError);
        Assert.Contains(expected, Text(result));
        Assert.DoesNotContain("An error occurred", Text(result));
        Assert.Empty((await mcp.Get<IApprovalStore>().ListAsync(null, null, 100)));
        // ops_run's entries are ops.run (target operation@instance) on every face; other tools' are tool.call with the tool as target.
        var entry = Assert.Single((await mcp.Get<IAuditReader>().ReadChainAsync().ToListAsync()), e => e.Target == tool || (tool == "ops_run" && e.OperationType == "ops.run"));
        Assert.Equal(("deny", "denied"), (entry.Decision, entry.Outcome));
    }

    [Fact]
    public async Task WellFormedArguments_PassTheCheck()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        await using var mcp = await McpTestServer.StartAsync(ws);

        var validate = await mcp.Client.CallToolAsync("ops_validate", new Dictionary<string, object?> { ["project"] = "billing" });
        var query = await mcp.Client.CallToolAsync("audit_query", new Dictionary<string, object?> { ["from"] = "2026-11-25T00:00:00Z", ["limit"] = 5, ["project"] = null });

        Assert.NotEqual(true, validate.IsError);
        Assert.NotEqual(true, query.IsError);
    }
}
