using System.Text.Json;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Execution;

/// <summary>A queued normal operation in development/test may be confirmed by the client's user when configured; anything but a yes is a refusal.</summary>
public sealed class ElicitationTests
{
    private static readonly Dictionary<string, string?> Enabled = new(ExecutionToolsTests.Operators)
    {
        ["Kse:Policy:Elicitation:Enabled"] = "true",
    };

    private static McpClientOptions Client(Func<ElicitRequestParams?, ElicitResult>? answer, List<string>? asked = null) => new()
    {
        ClientInfo = new() { Name = "eliciting-client", Version = "1.0" },
        Handlers = answer is null ? new McpClientHandlers() : new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                asked?.Add(request?.Message ?? "");
                return ValueTask.FromResult(answer(request));
            },
        },
    };

    private static async Task<McpTestServer> StartAsync(TempWorkspace ws, IDictionary<string, string?> settings, McpClientOptions client)
    {
        ExecutionToolsTests.Seed(ws, ws.PathOf("marker.txt"));
        var manifest = ProjectManifest.Load(ws.Workspace, "shop");
        (manifest with { Instances = [.. manifest.Instances, new ProjectInstance { Id = "test-1", Environment = EnvironmentKind.Test, Host = "local" }] }).Save(ws.Workspace);
        var mcp = await McpTestServer.StartAsync(ws, settings, clientOptions: client);
        var policy = mcp.Get<PolicyService>();
        await policy.SetLevelAsync("shop", "test", "L2", "suggestions only in test", Actor.OsUser("tester"));
        await policy.SetLevelAsync("shop", "production", "L2", "suggestions only", Actor.OsUser("tester"));
        return mcp;
    }

    private static Dictionary<string, object?> Greet(string env, string instance) => new()
    {
        ["project"] = "shop", ["operation"] = "greet", ["environment"] = env, ["instance"] = instance,
        ["parameters"] = new Dictionary<string, string> { ["who"] = "team" },
    };

    private static ElicitResult Accept() => new() { Action = "accept", Content = new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(true) } };

    [Fact]
    public async Task NormalInTest_ConfirmedByUser_Runs_AndTheConfirmationIsAudited()
    {
        using var ws = new TempWorkspace();
        var asked = new List<string>();
        await using var mcp = await StartAsync(ws, Enabled, Client(_ => Accept(), asked));

        var result = await mcp.Client.CallToolAsync("ops_run", Greet("test", "test-1"));

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("hello team", JsonSerializer.SerializeToElement(result.StructuredContent).GetProperty("result").GetProperty("stdout").GetString());
        Assert.Contains("printf 'hello %s' team", Assert.Single(asked));
        var decision = (await mcp.Get<IAuditReader>().ReadChainAsync().ToListAsync()).First(e => e.OperationType == "ops.run" && e.Outcome == "decided");
        Assert.Contains(decision.Rules!, r => r.StartsWith("elicitation.accepted", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("decline")]
    [InlineData("cancel")]
    public async Task NormalInTest_DeclinedOrCancelled_IsRefused(string action)
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws, Enabled, Client(_ => new ElicitResult { Action = action }));

        var result = await mcp.Client.CallToolAsync("ops_run", Greet("test", "test-1"));

        Assert.True(result.IsError);
        Assert.Contains("policy.denied", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        // Refused and audited as such; nothing was decided to run.
        Assert.Single((await mcp.Get<IAuditReader>().ReadChainAsync().ToListAsync()), e => e.OperationType == "ops.run" && e.Outcome == "denied");
        Assert.DoesNotContain((await mcp.Get<IAuditReader>().ReadChainAsync().ToListAsync()), e => e.OperationType == "ops.run" && e.Outcome is "decided" or "succeeded" or "failed");
    }

    [Fact]
    public async Task ClientThatCannotElicit_IsRefused()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws, Enabled, Client(null));

        var result = await mcp.Client.CallToolAsync("ops_run", Greet("test", "test-1"));

        Assert.True(result.IsError);
        Assert.Contains("cannot ask its user", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task Production_NeverAcceptsConfirmation_ItQueues()
    {
        using var ws = new TempWorkspace();
        var asked = new List<string>();
        await using var mcp = await StartAsync(ws, Enabled, Client(_ => Accept(), asked));

        var result = await mcp.Client.CallToolAsync("ops_run", Greet("production", "prod-1"));

        Assert.Equal("pending_approval", JsonSerializer.SerializeToElement(result.StructuredContent).GetProperty("status").GetString());
        Assert.Empty(asked);
    }

    [Fact]
    public async Task NotConfigured_Queues_WithoutAsking()
    {
        using var ws = new TempWorkspace();
        var asked = new List<string>();
        await using var mcp = await StartAsync(ws, ExecutionToolsTests.Operators, Client(_ => Accept(), asked));

        var result = await mcp.Client.CallToolAsync("ops_run", Greet("test", "test-1"));

        Assert.Equal("pending_approval", JsonSerializer.SerializeToElement(result.StructuredContent).GetProperty("status").GetString());
        Assert.Empty(asked);
    }
}
