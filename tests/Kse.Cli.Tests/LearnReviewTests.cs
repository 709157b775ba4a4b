using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kse.Cli;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Execution;
using Kse.Core.Learning;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli.Tests;

/// <summary>Drafts reviewed as approvals: <c>kse learn propose</c>, <c>show</c>, <c>accept</c>, <c>reject</c> and <c>kse approvals approve</c>, over a real workspace.</summary>
public sealed class LearnReviewTests : IDisposable
{
    private readonly TempWorkspace _ws = new();

    public LearnReviewTests()
    {
        _ws.Write(".sce/appsettings.json", TestOperators.Settings("alice:approver", "carol:auditor"));
    }

    public void Dispose() => _ws.Dispose();

    private string OperationsMd => _ws.PathOf(".sce", "specs", "shop", "operations", "operations.md");

    private async Task<CliRunner.Result> Kse(params string[] args) => await CliRunner.RunAsync([.. args, "--root", _ws.Root]);

    /// <summary>A project from the templates, six weeks of observed work on two hosts, and its drafts.</summary>
    private async Task DraftedAsync()
    {
        Assert.Equal(0, (await Kse("ops", "init", "shop")).ExitCode);
        await using (var services = KseComposition.BuildServiceProvider(_ws.Workspace, KseComposition.LoadConfiguration(_ws.Workspace)))
        {
            await services.GetRequiredService<LearningService>().RecordAsync(ObservedHistory.Generate("shop", DateTimeOffset.UtcNow), Actor.OsUser("ops"));
        }

        var draft = await Kse("learn", "draft", "shop");
        Assert.True(draft.ExitCode == 0, draft.Out + draft.Err);
    }

    private async Task<string> ProposeAsync(string document = "operations.md")
    {
        var r = await Kse("learn", "propose", "shop", "--doc", document, "--json");
        Assert.True(r.ExitCode == 0, r.Out + r.Err);
        using var json = JsonDocument.Parse(r.Out);
        var p = json.RootElement.GetProperty("proposals").EnumerateArray().Single();
        Assert.Equal("queued", p.GetProperty("status").GetString());
        return p.GetProperty("approvalId").GetString()!;
    }

    private async Task<IReadOnlyList<AuditEntry>> Audit(string type)
    {
        await using var services = KseComposition.BuildServiceProvider(_ws.Workspace, KseComposition.LoadConfiguration(_ws.Workspace));
        return (await services.GetRequiredService<IAuditReader>().ScanAsync(new AuditQuery { OperationType = type }).ToListAsync()).ToList();
    }

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task Propose_Show_Accept_MergesTheObservedSections_IntoTheRealDocument_AuditedWithHashes()
    {
        await DraftedAsync();
        var before = File.ReadAllText(OperationsMd);
        var id = await ProposeAsync();

        // Queued, nothing merged yet; what the reviewer sees: the sections with confidence and evidence, and the change.
        Assert.Equal(before, File.ReadAllText(OperationsMd));
        var show = await Kse("learn", "show", id, "--json");
        Assert.True(show.ExitCode == 0, show.Err);
        using (var view = JsonDocument.Parse(show.Out))
        {
            var sections = view.RootElement.GetProperty("sections").EnumerateArray().ToList();
            var backup = sections.Single(s => s.GetProperty("heading").GetString() == "Backup Procedures");
            Assert.True(backup.GetProperty("confidence").GetDouble() >= 0.85);
            Assert.NotEmpty(backup.GetProperty("evidence").EnumerateArray());
            Assert.Contains(backup.GetProperty("operations").EnumerateArray(), o => o.GetProperty("command").GetString() == ObservedHistory.Backup && o.GetProperty("confidence").GetDouble() >= 0.85);
            Assert.False(backup.GetProperty("edited").GetBoolean());
            Assert.Contains(view.RootElement.GetProperty("changes").EnumerateArray(), c => c.GetProperty("heading").GetString() == "Backup Procedures" && c.GetProperty("kind").GetString() == "filled");
            Assert.Equal(Sha(before), view.RootElement.GetProperty("documentSha256AtProposal").GetString());
        }

        // The proposer cannot review it; an auditor may not; the approver accepts.
        var asAuditor = await Kse("learn", "accept", id, "--reason", "ok", "--token-file", _ws.TokenFile("carol"));
        Assert.Equal(4, asAuditor.ExitCode);
        var accepted = await Kse("learn", "accept", id, "--reason", "matches the runbook", "--token-file", _ws.TokenFile("alice"));
        Assert.True(accepted.ExitCode == 0, accepted.Out + accepted.Err);
        Assert.Contains("executed by alice; merged: succeeded", accepted.Out);

        var after = File.ReadAllText(OperationsMd);
        Assert.Contains(ObservedHistory.Backup.Split(' ')[0], after);
        var catalog = OperationCatalog.Load(_ws.Workspace, "shop");
        Assert.Empty(catalog.Errors);
        Assert.Contains(catalog.Operations, o => o.Document == "operations.md" && o.Name.StartsWith("pg-dump", StringComparison.Ordinal));
        await using (var services = KseComposition.BuildServiceProvider(_ws.Workspace, KseComposition.LoadConfiguration(_ws.Workspace)))
        {
            var report = services.GetRequiredService<SpecService>().Validate("shop").Documents.Single(d => d.Name == "operations.md");
            Assert.Empty(report.Errors);
            Assert.Empty(report.MissingSections);
        }

        var entries = (await Audit("learn.accept"));
        var outcome = Assert.Single(entries, e => e.Outcome == "succeeded");
        Assert.Equal(Sha(before), outcome.Parameters!["documentSha256Before"]);
        Assert.Equal(Sha(after), outcome.Parameters!["documentSha256After"]);
        Assert.Contains(entries, e => e.Outcome == "decided" && e.CorrelationId == outcome.CorrelationId);
        Assert.Contains(entries, e => e.Outcome == "queued");

        // Proposing the same draft again: nothing left to merge in operations.md.
        var again = await Kse("learn", "propose", "shop", "--doc", "operations.md");
        Assert.Equal(4, again.ExitCode);
        Assert.Contains("learn.nothing_to_merge", again.Err);
    }

    [Fact]
    public async Task Accept_IsRefusedAsStale_WhenTheRealDocumentChangedSinceTheProposal_AndNothingIsWritten()
    {
        await DraftedAsync();
        var id = await ProposeAsync();
        File.AppendAllText(OperationsMd, "\nAn operator's note written after the proposal.\n");
        var edited = File.ReadAllText(OperationsMd);

        var r = await Kse("approvals", "approve", id, "--reason", "looks fine", "--token-file", _ws.TokenFile("alice"));

        Assert.Equal(4, r.ExitCode);
        Assert.Contains("approvals.stale", r.Err);
        Assert.Contains("operations.md changed since the request", r.Err);
        Assert.Equal(edited, File.ReadAllText(OperationsMd));
        var shown = await Kse("approvals", "show", id, "--json");
        Assert.Equal("stale", JsonDocument.Parse(shown.Out).RootElement.GetProperty("state").GetString());
        Assert.Contains((await Audit("approval.stale")), e => e.Parameters!["approvalId"] == id);
        Assert.DoesNotContain((await Audit("learn.accept")), e => e.Outcome == "succeeded");
    }

    [Fact]
    public async Task Propose_IsRefused_WhenTheMergedSpecWouldNotValidate_AndNothingIsQueued()
    {
        await DraftedAsync();
        var draft = _ws.PathOf(".sce", "specs", "shop", "operations", "drafts", "operations.md");
        // A reviewer's edit of the draft breaks an operation block.
        File.WriteAllText(draft, File.ReadAllText(draft).Replace("risk: critical", "risk: catastrophic", StringComparison.Ordinal));

        var r = await Kse("learn", "propose", "shop", "--doc", "operations.md");

        Assert.Equal(4, r.ExitCode);
        Assert.Contains("learn.merge_invalid", r.Err);
        var list = await Kse("approvals", "list", "--json");
        Assert.Empty(JsonDocument.Parse(list.Out).RootElement.GetProperty("approvals").EnumerateArray());
    }

    [Fact]
    public async Task Reject_NeedsAReason_AndLeavesTheRealDocumentAlone()
    {
        await DraftedAsync();
        var before = File.ReadAllText(OperationsMd);
        var id = await ProposeAsync();

        var noReason = await Kse("learn", "reject", id, "--token-file", _ws.TokenFile("alice"));
        Assert.Equal(2, noReason.ExitCode);
        Assert.Contains("learn.reason_required", noReason.Err);
        var rejected = await Kse("learn", "reject", id, "--reason", "the restart belongs to the deploy", "--token-file", _ws.TokenFile("alice"));
        Assert.True(rejected.ExitCode == 0, rejected.Err);
        Assert.Contains("rejected by alice", rejected.Out);
        Assert.Equal(before, File.ReadAllText(OperationsMd));
        Assert.Contains((await Audit("approval.reject")), e => e.Parameters!["approvalId"] == id && e.Parameters["reason"] == "the restart belongs to the deploy");
    }

    [Fact]
    public async Task Accept_RefusesAnApprovalThatIsNotAProposal()
    {
        await DraftedAsync();
        string id;
        await using (var services = KseComposition.BuildServiceProvider(_ws.Workspace, KseComposition.LoadConfiguration(_ws.Workspace)))
        {
            id = (await services.GetRequiredService<ApprovalService>().CreateAsync(new ApprovalDraft
            {
                Tool = "ops_run",
                ArgumentsJson = """{"operation":"x","project":"shop"}""",
                Project = "shop",
                Environment = "test",
                Requester = "ai:claude",
                Reason = "r",
                Risk = RiskClass.Normal,
            })).Id;
        }

        var r = await Kse("learn", "accept", id, "--reason", "ok", "--token-file", _ws.TokenFile("alice"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("learn.not_a_proposal", r.Err);
    }

    [Fact]
    public async Task Propose_ByAnAi_IsDenied_AndNothingIsQueued()
    {
        await DraftedAsync();
        await using var services = KseComposition.BuildServiceProvider(_ws.Workspace, KseComposition.LoadConfiguration(_ws.Workspace));

        var result = await services.GetRequiredService<DraftReviewService>().ProposeAsync("shop", "operations.md", null, null, Actor.Ai("claude"));

        var p = Assert.Single(result.Proposals);
        Assert.Equal("denied", p.Status);
        Assert.Contains("only a human proposes", p.Message, StringComparison.Ordinal);
        Assert.Empty((await services.GetRequiredService<ApprovalService>().ListAsync()).Approvals);
    }
}
