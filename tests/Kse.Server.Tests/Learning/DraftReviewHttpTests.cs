using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kse.Core.Audit;
using Kse.Core.Execution;
using Kse.Core.Learning;
using Kse.Server.Tests.Http;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kse.Server.Tests.Learning;

/// <summary>Learned drafts on the operator API and the approval page (real Kestrel, real headless Chromium).</summary>
public sealed class DraftReviewHttpTests
{
    /// <summary>Six weeks of observed work on the host's 'shop', drafted, and operations.md proposed by bob.</summary>
    private static async Task<string> ProposedAsync(KseHttpTestHost host)
    {
        var learning = host.Services.GetRequiredService<LearningService>();
        await learning.RecordAsync(ObservedHistory.Generate("shop", DateTimeOffset.UtcNow), Actor.OsUser("ops"));
        var draft = await learning.DraftAsync("shop", null, Actor.OsUser("bob"));
        Assert.Empty(draft.ValidationErrors);
        var proposed = await host.Services.GetRequiredService<DraftReviewService>().ProposeAsync("shop", "operations.md", null, "first learned runbook", Actor.OsUser("bob"));
        var p = Assert.Single(proposed.Proposals);
        Assert.Equal("queued", p.Status);
        return p.ApprovalId!;
    }

    private static async Task<JsonElement> GetAsync(KseHttpTestHost host, string path, string token, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var r = await host.Http.SendAsync(host.Request(HttpMethod.Get, path, token));
        Assert.Equal(expected, r.StatusCode);
        return await r.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task DraftsApi_ListsDraftsAndProposal_AndApprovingItThroughTheApi_MergesIt()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var id = await ProposedAsync(host);

        var list = await GetAsync(host, "/api/drafts?project=shop", CarolToken);
        Assert.Equal(4, list.GetProperty("documents").GetArrayLength());
        Assert.Equal(id, list.GetProperty("pending")[0].GetProperty("approvalId").GetString());
        var ops = list.GetProperty("documents").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "operations.md");
        Assert.Contains(ops.GetProperty("sections").EnumerateArray(), s => s.GetProperty("heading").GetString() == "Backup Procedures" && s.GetProperty("confidence").GetDouble() >= 0.85);

        var doc = await GetAsync(host, "/api/drafts/shop/operations.md", CarolToken);
        Assert.Contains("```kse-operation", doc.GetProperty("markdown").GetString());
        var unknown = await GetAsync(host, "/api/drafts/shop/nonsense.md", CarolToken, HttpStatusCode.BadRequest);
        Assert.Equal("spec.document_unknown", unknown.GetProperty("error").GetString());
        using (var anonymous = await host.Http.GetAsync("/api/drafts?project=shop"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        Assert.Equal("approval.not_found", (await GetAsync(host, "/api/drafts/proposals/apr-000000000000", CarolToken, HttpStatusCode.NotFound)).GetProperty("error").GetString());
        Assert.Equal("learn.project_missing", (await GetAsync(host, "/api/drafts", CarolToken, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Equal("spec.project_invalid", (await GetAsync(host, "/api/drafts?project=..%2Fetc", CarolToken, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        var proposal = await GetAsync(host, $"/api/drafts/proposals/{id}", CarolToken);
        Assert.Equal("operations.md", proposal.GetProperty("document").GetString());
        Assert.Contains(proposal.GetProperty("changes").EnumerateArray(), c => c.GetProperty("kind").GetString() == "appended");
        Assert.False(proposal.TryGetProperty("stale", out _));

        // The auditor reads but cannot decide; the approver accepts through the same approval route as any action.
        using (var denied = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", CarolToken, JsonContent.Create(new { reason = "ok" }))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        using var approved = await host.Http.SendAsync(host.Request(HttpMethod.Post, $"/api/approvals/{id}/approve", KseHttpTestHost.AliceToken, JsonContent.Create(new { reason = "matches the runbook" })));
        var body = await approved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(approved.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("executed", body.GetProperty("state").GetString());
        Assert.Equal("succeeded", body.GetProperty("outcome").GetString());
        var merged = File.ReadAllText(host.Workspace.PathOf(".sce", "specs", "shop", "operations", "operations.md"));
        Assert.Contains(DraftMerge.Marker, merged);
        Assert.Contains(OperationCatalog.Load(host.Workspace.Workspace, "shop").Operations, o => o.Name.StartsWith("pg-dump", StringComparison.Ordinal));
        Assert.Contains(OperationCatalog.Load(host.Workspace.Workspace, "shop").Operations, o => o.Name == "mark");
    }

    [Fact]
    public async Task ApprovalPage_ShowsTheProposal_WithConfidenceEvidenceAndDiff_AndAcceptingItMergesIt()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var id = await ProposedAsync(host);
        await using var browser = await ApprovalPageSession.OpenAsync(host);
        var page = browser.Page;

        var card = page.Locator($"article[data-id='{id}']");
        await Assertions.Expect(card).ToBeVisibleAsync(new() { Timeout = 15000 });
        await Assertions.Expect(card).ToContainTextAsync("user:bob");
        var proposal = card.Locator("[data-testid=learn-proposal]");
        await Assertions.Expect(proposal).ToBeVisibleAsync(new() { Timeout = 15000 });
        var backup = proposal.Locator("[data-testid=learn-section]", new() { HasText = "Backup Procedures" });
        await Assertions.Expect(backup).ToHaveCountAsync(1);
        var shown = double.Parse(await backup.Locator("[data-testid=learn-confidence]").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(shown >= 0.85, $"confidence shown: {shown}");
        await Assertions.Expect(backup.Locator("[data-testid=learn-evidence]")).ToContainTextAsync("obs-");
        await Assertions.Expect(backup.Locator("[data-testid=learn-operation]").First).ToContainTextAsync(ObservedHistory.Backup);
        await Assertions.Expect(proposal.Locator("[data-testid=learn-diff]")).ToContainTextAsync("+ ```kse-operation");
        await Assertions.Expect(proposal.Locator("[data-testid=learn-diff]")).ToContainTextAsync("pg_dump");
        Assert.DoesNotContain(DraftMerge.Marker, File.ReadAllText(host.Workspace.PathOf(".sce", "specs", "shop", "operations", "operations.md")));

        await card.Locator("input[name=reason]").FillAsync("matches the runbook");
        await card.Locator("button.approve").ClickAsync();

        var decided = page.Locator($"tr[data-id='{id}']");
        await Assertions.Expect(decided.Locator("[data-testid=state]")).ToHaveTextAsync("executed", new() { Timeout = 15000 });
        await Assertions.Expect(decided.Locator("[data-testid=outcome]")).ToContainTextAsync("succeeded");
        Assert.Contains(DraftMerge.Marker, File.ReadAllText(host.Workspace.PathOf(".sce", "specs", "shop", "operations", "operations.md")));
        var entries = (await host.Services.GetRequiredService<IAuditReader>().ScanAsync(new AuditQuery { OperationType = "learn.accept" }).ToListAsync()).ToList();
        Assert.Contains(entries, e => e.Outcome == "succeeded" && e.Parameters!["documentSha256After"] is { Length: 64 });
        // Every call the page made for the proposal answered, and nothing failed in the page.
        Assert.True(browser.Failures.Count == 0, string.Join("\n", browser.Failures));
    }

    private const string CarolToken = KseHttpTestHost.CarolToken;
}
