using System.Net.Http.Json;
using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Learning;
using Kse.Server.Tests.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ModelContextProtocol.Client;

namespace Kse.Server.Tests.Learning;

/// <summary>A call the AI makes at L2 is queued with the confidence of the matching observed operation, shown on every face.</summary>
public sealed class QueuedConfidenceTests
{
    private static Dictionary<string, object?> Mark(bool dryRun = false) => new()
    {
        ["project"] = "shop", ["operation"] = "mark", ["environment"] = "production", ["instance"] = "prod-1",
        ["parameters"] = new Dictionary<string, string> { ["text"] = "clicked" }, ["reason"] = "INC-7", ["dryRun"] = dryRun,
    };

    [Fact]
    public async Task QueuedCall_CarriesTheObservedOperationsConfidence_InTheResult_ApprovalStatus_Api_AndPage()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        await using var mcp = await host.ConnectMcpAsync("confidence-ai");

        // Humans ran exactly this command in production six times, every day this week.
        var dry = JsonSerializer.SerializeToElement((await mcp.CallToolAsync("ops_run", Mark(dryRun: true))).StructuredContent);
        var command = dry.GetProperty("commandLine").GetString()!;
        var now = DateTimeOffset.UtcNow;
        await host.Services.GetRequiredService<LearningService>().RecordAsync(
            Enumerable.Range(1, 6).Select(i => new ObservedCommand { Project = "shop", Environment = "production", Host = "local", User = "ops", CommandLine = command, StartedAt = now.AddDays(-i), ExitCode = 0 }).ToList(),
            Actor.OsUser("ops"));

        // production caps the AI at L2: the critical call is queued, with the confidence of what was observed.
        var queued = await mcp.CallToolAsync("ops_run", Mark());
        var result = JsonSerializer.SerializeToElement(queued.StructuredContent);
        Assert.Equal("pending_approval", result.GetProperty("status").GetString());
        var id = result.GetProperty("approvalId").GetString()!;
        Assert.Contains("Confidence of the matching observed operation: 0.", result.GetProperty("message").GetString());

        var stored = await host.Services.GetRequiredService<ApprovalService>().GetAsync(id);
        var confidence = Assert.IsType<ApprovalConfidence>(stored.Confidence);
        Assert.Equal("observed", confidence.Source);
        Assert.Equal(6, confidence.Support);
        Assert.Equal(command, confidence.Command);
        var mined = await host.Services.GetRequiredService<LearningService>().MineAsync("shop", "production");
        Assert.Equal(Assert.Single(mined.Recurring, r => r.Command == command).Confidence, confidence.Score);
        Assert.True(confidence.Score > 0);
        Assert.Equal(6, confidence.Evidence.Count);

        var status = JsonSerializer.SerializeToElement((await mcp.CallToolAsync("approval_status", new Dictionary<string, object?> { ["approvalId"] = id })).StructuredContent);
        Assert.Equal(confidence.Score, status.GetProperty("confidence").GetProperty("score").GetDouble());
        using (var r = await host.Http.SendAsync(host.Request(HttpMethod.Get, $"/api/approvals/{id}", KseHttpTestHost.CarolToken)))
        {
            var view = await r.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("observed", view.GetProperty("confidence").GetProperty("source").GetString());
        }

        Assert.Contains((await host.Services.GetRequiredService<IAuditReader>().ScanAsync(new AuditQuery { OperationType = "approval.request" }).ToListAsync()),
            e => e.Parameters!["approvalId"] == id && e.Parameters["confidence"]!.StartsWith(confidence.Score.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        // An operation nobody ran and that has no history carries none.
        var greet = JsonSerializer.SerializeToElement((await mcp.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "greet", ["environment"] = "production", ["instance"] = "prod-1",
            ["parameters"] = new Dictionary<string, string> { ["who"] = "ops" },
        })).StructuredContent);
        var greetId = greet.GetProperty("approvalId").GetString()!;
        Assert.Null((await host.Services.GetRequiredService<ApprovalService>().GetAsync(greetId)).Confidence);
        Assert.DoesNotContain("Confidence", greet.GetProperty("message").GetString());

        await using var browser = await ApprovalPageSession.OpenAsync(host);
        var page = browser.Page;
        var card = page.Locator($"article[data-id='{id}']");
        await Assertions.Expect(card.Locator("[data-testid=confidence]")).ToContainTextAsync(confidence.Score.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 15000 });
        await Assertions.Expect(card.Locator("[data-testid=confidence-evidence]")).ToContainTextAsync("obs-");
        await Assertions.Expect(page.Locator($"article[data-id='{greetId}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"article[data-id='{greetId}'] [data-testid=confidence]")).ToHaveCountAsync(0);
    }
}
