using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kse.Core.Audit;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Http;

public sealed class OperatorApiTests
{
    private static Dictionary<string, object?> MarkArgs(string text = "from http") => new()
    {
        ["project"] = "shop", ["operation"] = "mark", ["environment"] = "production", ["instance"] = "prod-1",
        ["parameters"] = new Dictionary<string, string> { ["text"] = text }, ["reason"] = "INC-11 hotfix",
    };

    private static async Task<string> QueueAsync(KseHttpTestHost host)
    {
        await using var mcp = await host.ConnectMcpAsync();
        var queued = await mcp.CallToolAsync("ops_run", MarkArgs());
        var s = JsonSerializer.SerializeToElement(queued.StructuredContent);
        Assert.Equal("pending_approval", s.GetProperty("status").GetString());
        return s.GetProperty("approvalId").GetString()!;
    }

    [Fact]
    public async Task Api_WithoutToken_Is401_WithUnknownToken_Is401_AndBothAreAudited()
    {
        await using var host = await KseHttpTestHost.StartAsync();

        var none = await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/approvals", null));
        var wrong = await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/approvals", "not-a-token"));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        var attempts = (await host.Services.GetRequiredService<IAuditReader>().ReadChainAsync().ToListAsync()).Where(e => e.OperationType == "operator.api").ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, e => Assert.Equal("unauthenticated", e.Decision));
    }

    [Fact]
    public async Task Api_WrongRole_Is403_AndAudited()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var id = await QueueAsync(host);

        var approve = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", KseHttpTestHost.CarolToken, JsonContent.Create(new { reason = "looks fine" })));
        var grant = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/emergency", KseHttpTestHost.AliceToken, JsonContent.Create(new { project = "shop", environment = "production", level = "L2", reason = "x" })));

        Assert.Equal(HttpStatusCode.Forbidden, approve.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, grant.StatusCode);
        Assert.False(File.Exists(host.Marker));
        var forbidden = (await host.Services.GetRequiredService<IAuditReader>().ReadChainAsync().ToListAsync()).Where(e => e.OperationType == "operator.api" && e.Decision == "forbidden").ToList();
        Assert.Equal(["carol", "alice"], forbidden.Select(e => e.ActorName));
    }

    [Fact]
    public async Task QueuedOperation_IsListedWithExactCommand_ApprovedOverHttp_RunsOnce()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var id = await QueueAsync(host);

        var list = await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/approvals?status=pending", KseHttpTestHost.CarolToken));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var pending = (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("approvals").EnumerateArray().Single();
        Assert.Equal(id, pending.GetProperty("id").GetString());
        Assert.Equal("mark", pending.GetProperty("operation").GetString());
        Assert.Equal("prod-1", pending.GetProperty("instance").GetString());
        Assert.Contains("'from http'", pending.GetProperty("command").GetString());
        Assert.Equal("ai:http-ai", pending.GetProperty("requester").GetString());
        Assert.True(pending.GetProperty("timeLeftSeconds").GetInt64() > 0);

        var noReason = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "" })));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);

        var approve = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "hotfix approved" })));
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var done = await approve.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("executed", done.GetProperty("state").GetString());
        Assert.Equal("succeeded", done.GetProperty("outcome").GetString());
        Assert.Equal("from http\n", File.ReadAllText(host.Marker));

        var replay = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "again" })));
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal("from http\n", File.ReadAllText(host.Marker));

        var audit = await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/audit?operationType=ops.run", KseHttpTestHost.CarolToken));
        var entries = (await audit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries");
        var run = entries.EnumerateArray().Last();
        Assert.Equal("succeeded", run.GetProperty("outcome").GetString());
        Assert.Contains(run.GetProperty("rules").EnumerateArray(), r => r.GetString()!.Contains("operator:alice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reject_KeepsTheOperationFromRunning()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var id = await QueueAsync(host);

        var reject = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/reject", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "not now" })));

        Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        Assert.Equal("rejected", (await reject.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.False(File.Exists(host.Marker));
    }

    [Fact]
    public async Task Emergency_GrantedByEmergencyApprover_AndListed()
    {
        await using var host = await KseHttpTestHost.StartAsync();

        var grant = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/emergency", KseHttpTestHost.DaveToken, JsonContent.Create(new { project = "shop", environment = "production", level = "L2", minutes = 30, reason = "INC-12" })));
        var list = await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/emergency", KseHttpTestHost.DaveToken));

        Assert.Equal(HttpStatusCode.Created, grant.StatusCode);
        Assert.Contains("INC-12", await list.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Page_IsHtml_AndHealthNeedsNoToken()
    {
        await using var host = await KseHttpTestHost.StartAsync();

        var page = await host.Http.GetAsync("/");
        var health = await host.Http.GetAsync("/api/health");

        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("pending approvals", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Mcp_RefusesForeignHostHeader()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var r = host.Request(HttpMethod.Post, "/mcp", null, new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}""", System.Text.Encoding.UTF8, "application/json"));
        r.Headers.Host = "evil.example";
        r.Headers.Accept.ParseAdd("application/json");
        r.Headers.Accept.ParseAdd("text/event-stream");

        var response = await host.Http.SendAsync(r);

        Assert.False(response.IsSuccessStatusCode);
    }
}

public sealed class OperatorApiCommandCheckTests
{
    [Fact]
    public async Task Approve_IsRefused_WhenTheCommandShownIsNoLongerTheCommand()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        await using var mcp = await host.ConnectMcpAsync();
        var queued = await mcp.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "mark", ["environment"] = "production",
            ["parameters"] = new Dictionary<string, string> { ["text"] = "x" },
        });
        var id = JsonSerializer.SerializeToElement(queued.StructuredContent).GetProperty("approvalId").GetString()!;

        var approve = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "ok", command = "echo something else" })));

        Assert.Equal(HttpStatusCode.Conflict, approve.StatusCode);
        Assert.Contains("approval.command_changed", await approve.Content.ReadAsStringAsync());
        Assert.False(File.Exists(host.Marker));
    }
}
