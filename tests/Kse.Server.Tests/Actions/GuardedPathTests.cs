using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Server.Tests.Execution;
using Kse.Server.Tests.Http;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Actions;

/// <summary>One guarded path for every action, as an MCP client and an operator see it.</summary>
public sealed class GuardedPathTests
{
    private static Dictionary<string, object?> MarkWithoutInstance(string text) => new()
    {
        ["project"] = "shop", ["operation"] = "mark", ["environment"] = "production",
        ["parameters"] = new Dictionary<string, string> { ["text"] = text }, ["reason"] = "INC-21",
    };

    private static JsonElement Structured(CallToolResult r) => JsonSerializer.SerializeToElement(r.StructuredContent);

    private static async Task<string> QueueAsync(KseHttpTestHost host, string text)
    {
        await using var mcp = await host.ConnectMcpAsync();
        var queued = Structured(await mcp.CallToolAsync("ops_run", MarkWithoutInstance(text)));
        Assert.Equal("pending_approval", queued.GetProperty("status").GetString());
        return queued.GetProperty("approvalId").GetString()!;
    }

    private static async Task<IReadOnlyList<AuditEntry>> StoryAsync(KseHttpTestHost host, string correlation) =>
        (await host.Services.GetRequiredService<IAuditReader>().QueryAsync(new AuditQuery { CorrelationId = correlation }));

    [Fact]
    public async Task OpsRunWithoutInstance_QueuedOverMcp_ApprovedOnTheOperatorApi_RunsOnce_OnTheInstanceResolvedAtRequest()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var id = await QueueAsync(host, "first");

        var stored = (await host.Services.GetRequiredService<IApprovalStore>().GetAsync(id))!;
        Assert.Equal("prod-1", stored.Instance);
        Assert.Equal("prod-1", stored.Plan!.Instance);
        Assert.Equal("operations.md", stored.Plan.Document);
        Assert.Equal(64, stored.Plan.DocumentSha256!.Length);
        var view = await (await host.Http.SendAsync(host.Request(HttpMethod.Get, $"/api/approvals/{id}", KseHttpTestHost.CarolToken))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("first", view.GetProperty("command").GetString());

        var approve = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "go" })));

        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var done = await approve.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("executed", done.GetProperty("state").GetString());
        Assert.Equal("succeeded", done.GetProperty("outcome").GetString());
        Assert.Equal("first\n", File.ReadAllText(host.Marker));
    }

    [Fact]
    public async Task ApprovedRun_OneCorrelationId_JoinsDecisionApprovalRunAndOutcome()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var id = await QueueAsync(host, "joined");
        await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "go" })));
        var correlation = (await host.Services.GetRequiredService<IApprovalStore>().GetAsync(id))!.CorrelationId!;

        var story = (await StoryAsync(host, correlation));

        ActionStory.AssertOneAction(story, correlation, "ops.run", "succeeded");
        Assert.Contains(story, e => e.OperationType == "ops.run" && e.Outcome == "queued" && e.ActorKind == "ai");
        Assert.Contains(story, e => e.OperationType == "approval.request");
        Assert.Contains(story, e => e.OperationType == "approval.approve" && e.ActorName == "alice");
        Assert.Contains(story, e => e.OperationType == "approval.execute" && e.Outcome == "succeeded");
    }

    [Fact]
    public async Task EmergencyRequest_IsAnActionOnThePath_DecidedAuditedAndQueued_UnderOneCorrelationId_AndItsGrantIsTheOperators()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        await using var mcp = await host.ConnectMcpAsync("incident-ai");

        // Checked when planned: a level above the environment's cap is refused before anything is queued.
        var tooHigh = await mcp.CallToolAsync("emergency_request", new Dictionary<string, object?> { ["project"] = "shop", ["environment"] = "production", ["level"] = "L5", ["reason"] = "INC-9" });
        Assert.True(tooHigh.IsError);
        Assert.Empty((await host.Services.GetRequiredService<ApprovalService>().ListAsync(ApprovalState.Pending)).Approvals);

        var call = await mcp.CallToolAsync("emergency_request", new Dictionary<string, object?> { ["project"] = "shop", ["environment"] = "pre-production", ["level"] = "L3", ["minutes"] = 30, ["reason"] = "INC-9 checkout down" });
        Assert.True(call.IsError != true, JsonSerializer.Serialize(call.Content));
        var asked = Structured(call);
        Assert.Equal("pending_approval", asked.GetProperty("status").GetString());
        var id = asked.GetProperty("approvalId").GetString()!;
        var request = await host.Services.GetRequiredService<ApprovalService>().GetAsync(id);
        Assert.Equal(("ai:incident-ai", RiskClass.Critical), (request.Requester, request.Risk));
        var correlation = request.CorrelationId!;

        // One story: the kernel's decision on the request (audited before it was queued), the queued request, the operator's grant.
        var approve = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", KseHttpTestHost.DaveToken, JsonContent.Create(new { reason = "incident confirmed" })));
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var story = await StoryAsync(host, correlation);
        var types = story.Select(e => $"{e.OperationType}:{e.Outcome}").ToList();
        Assert.Equal("tool.call:decided", types[0]);
        Assert.Equal("30", story[0].Parameters!["minutes"]);
        Assert.Contains("approval.request:pending", types);
        Assert.Contains("approval.approve:approved", types);
        Assert.Contains("approval.execute:succeeded", types);
        Assert.True(types.IndexOf("tool.call:decided") < types.IndexOf("approval.request:pending"));
        Assert.Equal(TakeoverLevel.L3, Assert.Single((await host.Services.GetRequiredService<Kse.Core.Policy.PolicyService>().ShowAsync("shop", "pre-production")).Environments).EffectiveLevel);
    }

    [Fact]
    public async Task McpRun_OneCorrelationId_JoinsDecisionAndOutcome()
    {
        using var ws = new TempWorkspace();
        ExecutionToolsTests.Seed(ws, ws.PathOf("marker.txt"));
        await using var mcp = await McpTestServer.StartAsync(ws, ExecutionToolsTests.Operators);

        var ran = Structured(await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "greet", ["environment"] = "development",
            ["parameters"] = new Dictionary<string, string> { ["who"] = "team" },
        }));

        Assert.Equal("succeeded", ran.GetProperty("status").GetString());
        Assert.Equal("dev-1", ran.GetProperty("instance").GetString());
        var correlation = ran.GetProperty("correlationId").GetString()!;
        var story = (await mcp.Get<IAuditReader>().QueryAsync(new AuditQuery { CorrelationId = correlation }));
        ActionStory.AssertOneAction(story, correlation, "ops.run", "succeeded");
        Assert.Equal(2, story.Count);

        var queried = Structured(await mcp.Client.CallToolAsync("audit_query", new Dictionary<string, object?> { ["correlationId"] = correlation }));
        Assert.Equal(2, queried.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task DocumentEditedAfterTheRequest_ApprovalIsStale_NamesWhatChanged_AndNothingRuns()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var id = await QueueAsync(host, "second");
        var ops = host.Workspace.PathOf(".sce", "specs", "shop", "operations", "operations.md");
        File.WriteAllText(ops, File.ReadAllText(ops).Replace("mark, \"{text}\"", "mark, \"changed {text}\"", StringComparison.Ordinal));

        var approve = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "go" })));

        Assert.Equal(HttpStatusCode.Conflict, approve.StatusCode);
        var error = await approve.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("approvals.stale", error.GetProperty("error").GetString());
        Assert.Contains("changed second", error.GetProperty("message").GetString());
        Assert.False(File.Exists(host.Marker));
        var stale = (await host.Services.GetRequiredService<IApprovalStore>().GetAsync(id))!;
        Assert.Equal(ApprovalState.Stale, stale.State);
        var story = (await StoryAsync(host, stale.CorrelationId!));
        Assert.Single(story, e => e.OperationType == "approval.stale");
        Assert.DoesNotContain(story, e => e.OperationType == "ops.run" && e.Outcome is "decided" or "succeeded" or "failed");
    }

    [Fact]
    public async Task AiAtL3_OnAProjectWithAMissingDocument_IsObserveOnly_WithSpecInvalid()
    {
        using var ws = new TempWorkspace();
        var marker = ws.PathOf("marker.txt");
        ExecutionToolsTests.Seed(ws, marker);
        File.Delete(ws.PathOf(".sce", "specs", "shop", "operations", "monitoring.md"));
        await using var mcp = await McpTestServer.StartAsync(ws, ExecutionToolsTests.Operators);

        var result = Structured(await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "mark", ["environment"] = "development", ["instance"] = "dev-1",
            ["parameters"] = new Dictionary<string, string> { ["text"] = "nope" },
        }));

        Assert.Equal("observed", result.GetProperty("status").GetString());
        Assert.Equal("L3", result.GetProperty("effectiveLevel").GetString());
        var rule = result.GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "spec.invalid");
        Assert.Contains("monitoring.md", rule.GetProperty("text").GetString());
        Assert.False(File.Exists(marker));

        // A read still runs.
        var listed = await mcp.Client.CallToolAsync("ops_list_operations", new Dictionary<string, object?> { ["project"] = "shop" });
        Assert.NotEqual(true, listed.IsError);
    }
}
