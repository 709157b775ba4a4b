using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelContextProtocol.Client;

namespace Kse.Server.Tests.Http;

/// <summary>The operator API and the page show what will run without showing the secrets it runs with; approving still runs them.</summary>
public sealed class ApprovalSecretsTests
{
    private const string LoginOperation = """

        ```kse-operation
        name: login
        risk: critical
        command: [sh, -c, 'printf "%s\n" "$1" >> "$2"', login, "--token={token}", "{out}"]
        parameters:
          token: { type: string, pattern: "[A-Za-z0-9]+" }
          out: { type: string, pattern: "[A-Za-z0-9/._-]+" }
        ```
        """;

    [Fact]
    public async Task QueuedRunWithAToken_IsShownMasked_InArgumentsCommandAndArgv_AndRunsWithTheRealToken()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        File.AppendAllText(host.Workspace.PathOf(".sce", "specs", "shop", "operations", "operations.md"), LoginOperation);
        var output = host.Workspace.PathOf("login.txt");
        await using (var mcp = await host.ConnectMcpAsync())
        {
            var queued = await mcp.CallToolAsync("ops_run", new Dictionary<string, object?>
            {
                ["project"] = "shop",
                ["operation"] = "login",
                ["environment"] = "production",
                ["instance"] = "prod-1",
                ["parameters"] = new Dictionary<string, string> { ["token"] = "S3cretTokenValue", ["out"] = output },
            });
            Assert.Equal("pending_approval", JsonSerializer.SerializeToElement(queued.StructuredContent).GetProperty("status").GetString());
        }

        var list = await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/approvals?status=pending", KseHttpTestHost.AliceToken));
        var body = await list.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.DoesNotContain("S3cretTokenValue", body);
        var view = JsonDocument.Parse(body).RootElement.GetProperty("approvals")[0];
        Assert.Contains("--token=[REDACTED]", view.GetProperty("command").GetString());
        Assert.Contains("[REDACTED]", view.GetProperty("arguments").GetString());

        // The page sends back the command it showed; the masked form still matches, and the real token runs.
        var approve = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{view.GetProperty("id").GetString()}/approve", KseHttpTestHost.AliceToken,
            JsonContent.Create(new { reason = "rotating the token", command = view.GetProperty("command").GetString() })));
        var approved = await approve.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        Assert.DoesNotContain("S3cretTokenValue", approved);
        Assert.Equal("--token=S3cretTokenValue\n", File.ReadAllText(output));
    }
}
