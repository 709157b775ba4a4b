using Kse.Core.Approvals;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Contract;

/// <summary><c>completion/complete</c> offers the names that exist for every prompt argument and template variable that names something.</summary>
public sealed class CompletionTests
{
    private static readonly Dictionary<string, string?> Settings = new() { ["Kse:Operators:0:Name"] = "alice", ["Kse:Operators:0:Roles:0"] = "approver" };

    [Fact]
    public async Task PromptProjectArgument_OffersProjectsStartingWithWhatWasTyped()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings);

        var result = await mcp.Client.CompleteAsync(new PromptReference { Name = "write_operations_spec" }, "project", "bi");

        Assert.Equal(["billing"], result.Completion.Values);
        Assert.True(mcp.Client.ServerCapabilities.Completions is not null, "completions are advertised");
    }

    [Fact]
    public async Task EmptyPrefix_OffersEveryProject_AndADocumentArgumentOffersDocuments()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings);

        var projects = await mcp.Client.CompleteAsync(new ResourceTemplateReference { Uri = "kse://specs/{project}/operations/{doc}" }, "project", "");
        var docs = await mcp.Client.CompleteAsync(new ResourceTemplateReference { Uri = "kse://specs/{project}/operations/{doc}" }, "doc", "depl");
        var reviewDocs = await mcp.Client.CompleteAsync(new PromptReference { Name = "review_operations_spec" }, "document", "t");

        Assert.Equal(["bare", "billing", "legacy", "storefront"], projects.Completion.Values);
        Assert.Equal(4, projects.Completion.Total);
        Assert.Equal(["deployment"], docs.Completion.Values);
        Assert.Equal(["tools.yaml", "troubleshooting"], reviewDocs.Completion.Values);
    }

    [Fact]
    public async Task ApprovalTemplate_OffersPendingApprovalIds()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings);
        var queued = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "billing", ["operation"] = "c-critical", ["environment"] = "development", ["instance"] = "dev-local",
        });
        var id = queued.StructuredContent!.Value.GetProperty("approvalId").GetString()!;

        var offered = await mcp.Client.CompleteAsync(new ResourceTemplateReference { Uri = "kse://approvals/{id}" }, "id", "apr-");
        await mcp.Get<ApprovalService>().ApproveAsync(id, "alice", "fine");
        var afterApproval = await mcp.Client.CompleteAsync(new ResourceTemplateReference { Uri = "kse://approvals/{id}" }, "id", "apr-");

        Assert.Equal([id], offered.Completion.Values);
        Assert.Empty(afterApproval.Completion.Values);
    }

    [Fact]
    public async Task UnknownPromptOrTemplate_OrAnArgumentThatNamesNothing_GetsNoValues()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings);

        var unknownPrompt = await mcp.Client.CompleteAsync(new PromptReference { Name = "no_such_prompt" }, "project", "");
        var unknownTemplate = await mcp.Client.CompleteAsync(new ResourceTemplateReference { Uri = "kse://nothing/{project}" }, "project", "");
        var freeText = await mcp.Client.CompleteAsync(new PromptReference { Name = "write_operations_spec" }, "reason", "");

        Assert.Empty(unknownPrompt.Completion.Values);
        Assert.Empty(unknownTemplate.Completion.Values);
        Assert.Empty(freeText.Completion.Values);
    }
}
