using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Execution;

public sealed class ExecutionToolsTests
{
    internal static readonly Dictionary<string, string?> Operators = new()
    {
        ["Kse:Operators:0:Name"] = "alice",
        ["Kse:Operators:0:Roles:0"] = "approver",
    };

    internal static string OpsFor(string marker) => $$"""
        # Operations

        ```kse-operation
        name: greet
        risk: normal
        command: [printf, "hello %s", "{who}"]
        parameters:
          who: { type: string, pattern: "[a-z ;/-]+" }
        ```

        ```kse-operation
        name: mark
        risk: critical
        command: [sh, -c, 'printf "%s\n" "$1" >> "$2"', mark, "{text}", "{{marker}}"]
        parameters:
          text: { type: string, pattern: "[a-z ;/-]+" }
        ```
        """;

    internal static void Seed(TempWorkspace ws, string marker)
    {
        // A complete spec: an invalid one would keep the AI to observation (spec.invalid).
        SpecFixtures.WriteValidSpec(ws.Workspace, "shop", OpsFor(marker));
        new ProjectManifest
        {
            Name = "shop",
            SystemType = SystemType.Kse,
            Instances =
            [
                new ProjectInstance { Id = "dev-1", Environment = EnvironmentKind.Development, Host = "local" },
                new ProjectInstance { Id = "prod-1", Environment = EnvironmentKind.Production, Host = "local" },
            ],
        }.Save(ws.Workspace);
    }

    private static JsonElement Structured(CallToolResult r) => JsonSerializer.SerializeToElement(r.StructuredContent);

    [Fact]
    public async Task ListOperations_ShowsOperationsAndInstances()
    {
        using var ws = new TempWorkspace();
        Seed(ws, ws.PathOf("marker.txt"));
        await using var mcp = await McpTestServer.StartAsync(ws, Operators);

        var result = await mcp.Client.CallToolAsync("ops_list_operations", new Dictionary<string, object?> { ["project"] = "shop" });

        Assert.NotEqual(true, result.IsError);
        var s = Structured(result);
        Assert.Equal(["greet", "mark"], s.GetProperty("operations").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        Assert.Equal("critical", s.GetProperty("operations")[1].GetProperty("risk").GetString());
        Assert.Equal(2, s.GetProperty("instances").GetArrayLength());
    }

    [Fact]
    public async Task OpsRun_NormalInDevelopment_Runs_WithInjectionAsOneArgument()
    {
        using var ws = new TempWorkspace();
        Seed(ws, ws.PathOf("marker.txt"));
        await using var mcp = await McpTestServer.StartAsync(ws, Operators);

        var result = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "greet", ["environment"] = "development", ["instance"] = "dev-1",
            ["parameters"] = new Dictionary<string, string> { ["who"] = "x; rm -rf /" },
        });

        Assert.NotEqual(true, result.IsError);
        var s = Structured(result);
        Assert.Equal("succeeded", s.GetProperty("status").GetString());
        Assert.Equal("hello x; rm -rf /", s.GetProperty("result").GetProperty("stdout").GetString());
    }

    [Fact]
    public async Task OpsRun_ValueOutsidePattern_IsAnError_AndNothingRuns()
    {
        using var ws = new TempWorkspace();
        Seed(ws, ws.PathOf("marker.txt"));
        await using var mcp = await McpTestServer.StartAsync(ws, Operators);

        var result = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "greet", ["environment"] = "development",
            ["parameters"] = new Dictionary<string, string> { ["who"] = "$(touch /tmp/x)" },
        });

        Assert.True(result.IsError);
        Assert.Contains("ops.parameter_invalid", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task OpsRun_UnknownOperation_IsDenied()
    {
        using var ws = new TempWorkspace();
        Seed(ws, ws.PathOf("marker.txt"));
        await using var mcp = await McpTestServer.StartAsync(ws, Operators);

        var result = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?> { ["project"] = "shop", ["operation"] = "nope", ["environment"] = "development" });

        Assert.True(result.IsError);
        Assert.Contains("policy.denied", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task OpsRun_CriticalInProduction_IsQueued_RunsOnceAfterApproval_AndCannotBeReplayed()
    {
        using var ws = new TempWorkspace();
        var marker = ws.PathOf("marker.txt");
        Seed(ws, marker);
        await using var mcp = await McpTestServer.StartAsync(ws, Operators);
        var args = new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "mark", ["environment"] = "production", ["instance"] = "prod-1",
            ["parameters"] = new Dictionary<string, string> { ["text"] = "deploy; now" }, ["reason"] = "INC-9",
        };

        var queued = await mcp.Client.CallToolAsync("ops_run", args);
        var s = Structured(queued);
        Assert.Equal("pending_approval", s.GetProperty("status").GetString());
        Assert.False(File.Exists(marker));
        var id = s.GetProperty("approvalId").GetString()!;

        var approvals = mcp.Get<ApprovalService>();
        var done = await approvals.ApproveAsync(id, "alice", "go");

        Assert.Equal(ApprovalState.Executed, done.State);
        Assert.Equal("succeeded", done.Outcome);
        Assert.Equal("deploy; now\n", File.ReadAllText(marker));
        await Assert.ThrowsAsync<Kse.Core.KseException>(() => approvals.ApproveAsync(id, "alice", "again"));

        var again = await mcp.Client.CallToolAsync("ops_run", args);
        Assert.Equal("pending_approval", Structured(again).GetProperty("status").GetString());
        Assert.Equal("deploy; now\n", File.ReadAllText(marker));

        var run = (await mcp.Get<IAuditReader>().ReadChainAsync().ToListAsync()).Last(e => e.OperationType == "ops.run" && e.Outcome == "succeeded");
        Assert.Equal("system", run.ActorKind);
        Assert.Contains(run.Rules!, r => r.Contains("operator:alice", StringComparison.Ordinal));
        Assert.Contains(run.Rules!, r => r.Contains("ai:kse-tests", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpsRun_DryRun_ShowsPlanAndDecision_RunsNothing()
    {
        using var ws = new TempWorkspace();
        var marker = ws.PathOf("marker.txt");
        Seed(ws, marker);
        await using var mcp = await McpTestServer.StartAsync(ws, Operators);

        var result = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "mark", ["environment"] = "production", ["dryRun"] = true,
            ["parameters"] = new Dictionary<string, string> { ["text"] = "x" },
        });

        var s = Structured(result);
        Assert.Equal("dry_run", s.GetProperty("status").GetString());
        Assert.Equal("queue_for_approval", s.GetProperty("decision").GetString());
        Assert.Equal("sh", s.GetProperty("argv")[0].GetString());
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task OpsRun_QueuedAnswer_FitsTheToolsOutputSchema()
    {
        // Clients such as the TypeScript SDK reject structured content that does not match the declared output schema.
        using var ws = new TempWorkspace();
        Seed(ws, ws.PathOf("marker.txt"));
        await using var mcp = await McpTestServer.StartAsync(ws, Operators);
        var tool = (await mcp.Client.ListToolsAsync()).Single(t => t.Name == "ops_run");
        var schema = tool.ProtocolTool.OutputSchema!.Value;

        var queued = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?> { ["project"] = "shop", ["operation"] = "mark", ["environment"] = "production", ["parameters"] = new Dictionary<string, string> { ["text"] = "x" } });
        var ran = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?> { ["project"] = "shop", ["operation"] = "greet", ["environment"] = "development", ["parameters"] = new Dictionary<string, string> { ["who"] = "x" } });

        foreach (var result in new[] { queued, ran })
        {
            var content = Structured(result);
            foreach (var required in schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!) : [])
            {
                Assert.True(content.TryGetProperty(required, out _), $"'{required}' is required by the schema but missing in {content}");
            }

            var properties = schema.GetProperty("properties");
            foreach (var p in content.EnumerateObject())
            {
                Assert.True(properties.TryGetProperty(p.Name, out var ps), $"'{p.Name}' is not in the schema");
                if (ps.TryGetProperty("type", out var type))
                {
                    var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()).ToList() : [type.GetString()];
                    var actual = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => "string",
                        JsonValueKind.Array => "array",
                        JsonValueKind.Object => "object",
                        JsonValueKind.Number => allowed.Contains("integer") ? "integer" : "number",
                        JsonValueKind.True or JsonValueKind.False => "boolean",
                        _ => "null",
                    };
                    Assert.True(allowed.Contains(actual), $"'{p.Name}' is {actual}, the schema says {type}");
                    if (actual == "array" && ps.TryGetProperty("items", out var items) && items.TryGetProperty("type", out var itemType) && p.Value.GetArrayLength() > 0)
                    {
                        var first = p.Value[0].ValueKind == JsonValueKind.Object ? "object" : p.Value[0].ValueKind == JsonValueKind.String ? "string" : "other";
                        Assert.Contains(first, itemType.ValueKind == JsonValueKind.Array ? itemType.EnumerateArray().Select(t => t.GetString()) : [itemType.GetString()]);
                    }
                }
            }
        }
    }
}
