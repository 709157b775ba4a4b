using Kse.Core.Versions;
using Kse.TestKit;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests;

/// <summary>Spec versions and drift as an MCP client sees them: ops_resolve, ops_drift, the versioned document template, the update prompt.</summary>
public sealed class VersionsMcpTests : IDisposable
{
    private readonly TempWorkspace _ws = new();

    public VersionsMcpTests()
    {
        SpecFixtures.CreateFilled(_ws.Workspace, "billing");
        GitRepo.Run(_ws.Root, "init", "-q");
        GitRepo.Run(_ws.Root, "add", "-A");
        GitRepo.Run(_ws.Root, "commit", "-qm", "base");
    }

    public void Dispose() => _ws.Dispose();

    private void CreateVersionWithTroubleshooting()
    {
        var dir = Path.Combine(_ws.Workspace.OperationsDir("billing"), "versions", "2.4.0");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "version.yaml"), "version: \"2.4.0\"\nstrategy: diff\nbase: main\n");
        File.WriteAllText(Path.Combine(dir, "troubleshooting.md"), "## Common Issues\n\n- V240-ONLY\n");
    }

    [Fact]
    public async Task OpsResolveAndOpsDrift_AreReadOnlyTools_WithOutputSchemas()
    {
        await using var mcp = await McpTestServer.StartAsync(_ws);
        var tools = await mcp.Client.ListToolsAsync();
        foreach (var name in new[] { "ops_resolve", "ops_drift" })
        {
            var tool = tools.Single(t => t.Name == name);
            Assert.True(tool.ProtocolTool.Annotations?.ReadOnlyHint);
            Assert.NotNull(tool.ProtocolTool.OutputSchema);
        }
    }

    [Fact]
    public async Task OpsResolve_NamesTheVersionThatSuppliedEachDocument()
    {
        CreateVersionWithTroubleshooting();
        await using var mcp = await McpTestServer.StartAsync(_ws);

        var result = await mcp.Client.CallToolAsync("ops_resolve", new Dictionary<string, object?> { ["project"] = "billing", ["version"] = "2.4.1" });

        Assert.NotEqual(true, result.IsError);
        var sc = result.StructuredContent!.Value;
        Assert.Equal("2.4.0", sc.GetProperty("specVersion").GetString());
        var docs = sc.GetProperty("documents").EnumerateArray().ToList();
        Assert.Equal("2.4.0", docs.Single(d => d.GetProperty("name").GetString() == "troubleshooting.md").GetProperty("version").GetString());
        Assert.Equal("main", docs.Single(d => d.GetProperty("name").GetString() == "deployment.md").GetProperty("version").GetString());

        var bad = await mcp.Client.CallToolAsync("ops_resolve", new Dictionary<string, object?> { ["project"] = "billing", ["version"] = "../x" });
        Assert.True(bad.IsError);
        Assert.Contains("versions.version_invalid", ((TextContentBlock)bad.Content[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpsDrift_FindsTheStagedVariable_AndTakesADiffText()
    {
        _ws.Write(".env", "BILLING_NEW_FLAG_URL=https://flags.internal.example.com/x\n");
        GitRepo.Run(_ws.Root, "add", "-A");
        await using var mcp = await McpTestServer.StartAsync(_ws);

        var staged = await mcp.Client.CallToolAsync("ops_drift", new Dictionary<string, object?> { ["project"] = "billing", ["staged"] = true });
        var text = await mcp.Client.CallToolAsync("ops_drift", new Dictionary<string, object?>
        {
            ["project"] = "billing",
            ["diff"] = "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1 +1,2 @@\n FROM x\n+EXPOSE 9000\n",
        });
        var none = await mcp.Client.CallToolAsync("ops_drift", new Dictionary<string, object?> { ["project"] = "billing" });

        Assert.NotEqual(true, staged.IsError);
        var findings = staged.StructuredContent!.Value.GetProperty("findings").EnumerateArray().ToList();
        Assert.Contains(findings, f => f.GetProperty("rule").GetString() == "drift.env-var" && f.GetProperty("subject").GetString() == "BILLING_NEW_FLAG_URL");
        Assert.Contains(text.StructuredContent!.Value.GetProperty("findings").EnumerateArray(), f => f.GetProperty("rule").GetString() == "drift.port");
        Assert.True(none.IsError);
        Assert.Contains("change.source_missing", ((TextContentBlock)none.Content[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VersionedDocumentTemplate_ServesTheDocumentAsTheVersionResolvesIt()
    {
        CreateVersionWithTroubleshooting();
        await using var mcp = await McpTestServer.StartAsync(_ws);

        var templates = await mcp.Client.ListResourceTemplatesAsync();
        var v241 = await mcp.Client.ReadResourceAsync("kse://specs/billing/versions/2.4.1/troubleshooting.md");
        var v231 = await mcp.Client.ReadResourceAsync("kse://specs/billing/versions/2.3.1/troubleshooting");

        Assert.Contains(templates, t => t.UriTemplate == "kse://specs/{project}/versions/{version}/{doc}");
        Assert.Contains("V240-ONLY", ((TextResourceContents)v241.Contents[0]).Text, StringComparison.Ordinal);
        Assert.Contains("## Diagnostic Commands", ((TextResourceContents)v241.Contents[0]).Text, StringComparison.Ordinal);
        Assert.DoesNotContain("V240-ONLY", ((TextResourceContents)v231.Contents[0]).Text, StringComparison.Ordinal);
        var bad = await Assert.ThrowsAsync<McpProtocolException>(() => mcp.Client.ReadResourceAsync("kse://specs/billing/versions/x.y/troubleshooting").AsTask());
        Assert.Contains("versions.version_invalid", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpsListOperationsAndOpsRun_UseTheSpecVersionTheInstanceRuns_AndAQueuedRunIsBoundToIt()
    {
        var ops = _ws.Workspace.OperationsDir("billing");
        File.AppendAllText(Path.Combine(ops, "operations.md"), "\n```kse-operation\nname: say\nrisk: critical\ncommand: [\"echo\", \"main\"]\n```\n");
        var dir = Path.Combine(ops, "versions", "2.4.0");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "version.yaml"), "version: \"2.4.0\"\nstrategy: diff\nbase: main\n");
        File.WriteAllText(Path.Combine(dir, "operations.md"), File.ReadAllText(Path.Combine(ops, "operations.md")).Replace("[\"echo\", \"main\"]", "[\"echo\", \"v24\"]", StringComparison.Ordinal));
        (Kse.Core.Specs.ProjectManifest.Load(_ws.Workspace, "billing") with
        {
            Instances = [new Kse.Core.Specs.ProjectInstance { Id = "dev-new", Environment = Kse.Core.EnvironmentKind.Development, Host = "local", Version = "2.4.1" }],
        }).Save(_ws.Workspace);
        await using var mcp = await McpTestServer.StartAsync(_ws);

        var main = await mcp.Client.CallToolAsync("ops_list_operations", new Dictionary<string, object?> { ["project"] = "billing" });
        var v24 = await mcp.Client.CallToolAsync("ops_list_operations", new Dictionary<string, object?> { ["project"] = "billing", ["instance"] = "dev-new" });
        var dry = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?> { ["project"] = "billing", ["operation"] = "say", ["environment"] = "development", ["instance"] = "dev-new", ["dryRun"] = true });
        var queued = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?> { ["project"] = "billing", ["operation"] = "say", ["environment"] = "development", ["instance"] = "dev-new" });

        string Command(CallToolResult r) => string.Join(' ', r.StructuredContent!.Value.GetProperty("operations").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "say").GetProperty("command").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(("echo main", "main"), (Command(main), main.StructuredContent!.Value.GetProperty("specVersion").GetString()));
        Assert.Equal(("echo v24", "2.4.0"), (Command(v24), v24.StructuredContent!.Value.GetProperty("specVersion").GetString()));
        Assert.Equal(("echo v24", "2.4.0"), (dry.StructuredContent!.Value.GetProperty("commandLine").GetString(), dry.StructuredContent!.Value.GetProperty("specVersion").GetString()));

        // Critical at L3: queued with its plan, which names the spec version and that version's document hash.
        var approvalId = queued.StructuredContent!.Value.GetProperty("approvalId").GetString()!;
        var approval = await mcp.Get<Kse.Core.Approvals.ApprovalService>().GetAsync(approvalId);
        var versionDoc = System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, "operations.md")));
        Assert.Equal(("2.4.0", "operations.md", Convert.ToHexStringLower(versionDoc)), (approval.Plan!.SpecVersion, approval.Plan.Document, approval.Plan.DocumentSha256));
        var unknown = await mcp.Client.CallToolAsync("ops_list_operations", new Dictionary<string, object?> { ["project"] = "billing", ["instance"] = "ghost" });
        Assert.True(unknown.IsError);
    }

    [Fact]
    public async Task AnInvalidSpecVersion_KeepsTheAiToObservationOnItsInstancesOnly()
    {
        var ops = _ws.Workspace.OperationsDir("billing");
        File.AppendAllText(Path.Combine(ops, "operations.md"), "\n```kse-operation\nname: say\nrisk: normal\ncommand: [\"echo\", \"hi\"]\n```\n");
        var dir = Path.Combine(ops, "versions", "2.4.0");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "version.yaml"), "version: \"2.4.0\"\nstrategy: diff\nbase: main\n");
        File.WriteAllText(Path.Combine(dir, "monitoring.md"), "## Alert Rules\n\n" + SpecVersionService.RemovedMarker + "\n");
        (Kse.Core.Specs.ProjectManifest.Load(_ws.Workspace, "billing") with
        {
            Instances =
            [
                new Kse.Core.Specs.ProjectInstance { Id = "dev-old", Environment = Kse.Core.EnvironmentKind.Development, Host = "local", Version = "2.3.1" },
                new Kse.Core.Specs.ProjectInstance { Id = "dev-new", Environment = Kse.Core.EnvironmentKind.Development, Host = "local", Version = "2.4.1" },
            ],
        }).Save(_ws.Workspace);
        await using var mcp = await McpTestServer.StartAsync(_ws);

        var old = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?> { ["project"] = "billing", ["operation"] = "say", ["environment"] = "development", ["instance"] = "dev-old" });
        var neu = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?> { ["project"] = "billing", ["operation"] = "say", ["environment"] = "development", ["instance"] = "dev-new" });

        Assert.Equal("succeeded", old.StructuredContent!.Value.GetProperty("status").GetString());
        var observed = neu.StructuredContent!.Value;
        Assert.Equal("observed", observed.GetProperty("status").GetString());
        Assert.Contains(observed.GetProperty("rules").EnumerateArray(), r => r.GetProperty("id").GetString() == "spec.invalid" && r.GetProperty("text").GetString()!.Contains("Alert Rules", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VersionArgument_CompletesToTheProjectsSpecVersionsAndInstanceVersions()
    {
        CreateVersionWithTroubleshooting();
        (Kse.Core.Specs.ProjectManifest.Load(_ws.Workspace, "billing") with
        {
            Instances = [new Kse.Core.Specs.ProjectInstance { Id = "dev-new", Environment = Kse.Core.EnvironmentKind.Development, Host = "local", Version = "2.4.1" }],
        }).Save(_ws.Workspace);
        await using var mcp = await McpTestServer.StartAsync(_ws);

        var result = await mcp.Client.CompleteAsync(new CompleteRequestParams
        {
            Ref = new ResourceTemplateReference { Uri = "kse://specs/{project}/versions/{version}/{doc}" },
            Argument = new Argument { Name = "version", Value = "2." },
            Context = new CompleteContext { Arguments = new Dictionary<string, string> { ["project"] = "billing" } },
        });

        Assert.Equal(["2.4.0", "2.4.1"], result.Completion.Values);
    }

    [Fact]
    public async Task UpdateOperationsSpecPrompt_FeedsTheDriftReportAndTheDiff()
    {
        _ws.Write(".env", "BILLING_NEW_QUEUE_URL=amqp://mq-1.internal/billing\n");
        GitRepo.Run(_ws.Root, "add", "-A");
        GitRepo.Run(_ws.Root, "commit", "-qm", "queue");
        await using var mcp = await McpTestServer.StartAsync(_ws);

        var prompts = await mcp.Client.ListPromptsAsync();
        var prompt = await mcp.Client.GetPromptAsync(DriftPromptContext.PromptName, new Dictionary<string, object?> { ["project"] = "billing" });

        Assert.Contains(prompts, p => p.Name == DriftPromptContext.PromptName);
        var text = ((TextContentBlock)prompt.Messages[0].Content).Text;
        Assert.Contains("\"rule\": \"drift.env-var\"", text, StringComparison.Ordinal);
        Assert.Contains("+BILLING_NEW_QUEUE_URL=amqp://mq-1.internal/billing", text, StringComparison.Ordinal);
        Assert.Contains("HEAD~1..HEAD", text, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", text, StringComparison.Ordinal);
    }
}
