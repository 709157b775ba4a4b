using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Kse.Core.Approvals;
using Kse.Core.Specs;
using Kse.TestKit;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Contract;

/// <summary>
/// Every tool's result validates against the output schema that tool advertises, across the workspace states a
/// client meets: real runs that succeed, fail, time out or roll back, dry runs, queued and observed calls, audit
/// entries with null and redacted parameters, summaries with failures, versionless graph edges, development specs.
/// Clients built on the TypeScript SDK reject a result that does not validate, so this is the contract they see.
/// </summary>
public sealed class OutputSchemaContractTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Kse:Operators:0:Name"] = "alice",
        ["Kse:Operators:0:Roles:0"] = "approver",
        ["Kse:Operators:0:Roles:1"] = "emergency-approver",
        ["Kse:Execution:RetryDelay"] = "00:00:00.050",
    };

    private const string Operations = """

        ```kse-operation
        name: c-echo
        description: Print one word
        risk: normal
        command: [echo, "{word}", "{count}", "{loud}"]
        parameters:
          word: { type: string, pattern: "^[a-z]{1,20}$" }
          count: { type: int, min: 1, max: 9, default: "1" }
          loud: { type: bool, default: "false" }
        verify: c-probe
        timeout: 10s
        ```

        ```kse-operation
        name: c-probe
        risk: read
        command: ["true"]
        timeout: 10s
        ```

        ```kse-operation
        name: c-fail
        risk: normal
        command: ["false"]
        rollback: c-undo
        idempotent: true
        timeout: 10s
        ```

        ```kse-operation
        name: c-undo
        risk: normal
        command: ["true"]
        timeout: 10s
        ```

        ```kse-operation
        name: c-slow
        risk: normal
        command: [sleep, "5"]
        timeout: 300ms
        ```

        ```kse-operation
        name: c-login
        risk: normal
        command: [echo, "{token}"]
        parameters:
          token: { type: string, pattern: "^[a-z0-9]{1,40}$" }
        timeout: 10s
        ```

        ```kse-operation
        name: c-critical
        risk: critical
        command: [echo, critical]
        timeout: 10s
        ```
        """;

    private const string SmallDiff = "diff --git a/src/A.cs b/src/A.cs\n--- a/src/A.cs\n+++ b/src/A.cs\n@@ -1 +1 @@\n-int a = 1;\n+int a = 2;\n";

    private const string DriftDiff = "diff --git a/.env.production b/.env.production\n--- a/.env.production\n+++ b/.env.production\n@@ -1 +1,2 @@\n ASPNETCORE_URLS=http://0.0.0.0:8080\n+BILLING_NEW_QUEUE_URL=amqp://mq-1.internal:5672/billing\n";

    private const string MigrationDiff = "diff --git a/db/migrations/002_drop.sql b/db/migrations/002_drop.sql\nnew file mode 100644\n--- /dev/null\n+++ b/db/migrations/002_drop.sql\n@@ -0,0 +1 @@\n+ALTER TABLE invoices DROP COLUMN legacy_total;\n";

    [Fact]
    public async Task AdvertisedOutputSchemas_NeverRequireAPropertyThatMayBeNull()
    {
        using var ws = SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings);

        var offenders = new List<string>();
        foreach (var tool in await mcp.Client.ListToolsAsync())
        {
            Assert.True(tool.ProtocolTool.OutputSchema is not null, $"{tool.Name} advertises no output schema");
            Walk(JsonNode.Parse(tool.ProtocolTool.OutputSchema!.Value.GetRawText()), tool.Name, offenders);
        }

        Assert.True(offenders.Count == 0, "required properties that may be null: " + string.Join(", ", offenders));
    }

    [Fact]
    public async Task EveryTool_HasATitle_AndEnvironmentRiskLevelInputsAreEnums()
    {
        using var ws = SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings);

        foreach (var tool in await mcp.Client.ListToolsAsync())
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.ProtocolTool.Title), $"{tool.Name} has no title");
            var properties = tool.ProtocolTool.InputSchema.GetProperty("properties");
            foreach (var name in new[] { "environment", "risk", "level" })
            {
                if (properties.TryGetProperty(name, out var p))
                {
                    Assert.True(p.TryGetProperty("enum", out var values) && values.GetArrayLength() >= 3, $"{tool.Name}: input '{name}' is not an enum: {p.GetRawText()}");
                }
            }
        }
    }

    [Fact]
    public async Task TheToolList_IsNotAdvertisedAsChanging()
    {
        using var ws = SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings);

        Assert.NotEqual(true, mcp.Client.ServerCapabilities.Tools?.ListChanged);
    }

    [Fact]
    public async Task EveryToolResult_ValidatesAgainstItsOwnOutputSchema_AcrossWorkspaceStates()
    {
        using var ws = SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings);
        var tools = (await mcp.Client.ListToolsAsync()).ToDictionary(t => t.Name, t => JsonSchema.FromText(t.ProtocolTool.OutputSchema!.Value.GetRawText()));
        var exercised = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();

        async Task<JsonElement?> Call(string state, string tool, Dictionary<string, object?>? args = null, string? expectStatus = null)
        {
            var result = await mcp.Client.CallToolAsync(tool, args ?? []);
            var label = $"{tool} ({state})";
            if (result.IsError == true)
            {
                problems.Add($"{label}: error result {Text(result)}");
                return null;
            }

            if (result.StructuredContent is not { } content)
            {
                problems.Add($"{label}: no structured content");
                return null;
            }

            exercised.Add(tool);
            var element = JsonSerializer.SerializeToElement(content);
            var evaluation = tools[tool].Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
            if (!evaluation.IsValid)
            {
                problems.Add($"{label}: {Errors(evaluation)}");
            }

            if (expectStatus is not null && (!element.TryGetProperty("status", out var s) || s.GetString() != expectStatus))
            {
                problems.Add($"{label}: expected status {expectStatus}, got {element.GetRawText()[..Math.Min(300, element.GetRawText().Length)]}");
            }

            return element;
        }

        Dictionary<string, object?> Run(string operation, string environment, string instance, object? parameters = null, bool dryRun = false) => new()
        {
            ["project"] = "billing", ["operation"] = operation, ["environment"] = environment, ["instance"] = instance,
            ["parameters"] = parameters, ["dryRun"] = dryRun,
        };

        // Specs and projects, with a finished development spec (needs an operations spec) and an unfinished one.
        await Call("projects", "ops_list_projects");
        await Call("valid spec", "ops_validate", new() { ["project"] = "billing" });
        await Call("incomplete spec", "ops_validate", new() { ["project"] = "bare" });
        await Call("dev specs done and unfinished", "ops_status");
        await Call("operations with defaults, verify and rollback", "ops_list_operations", new() { ["project"] = "billing" });

        // Rollouts (before any run fails, so billing keeps its level): one that runs every wave, then (storefront's health check broken) one halted and rolled back in wave 2,
        // resumed (fails again), then aborted; the status of one and of all.
        var change = File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "changes", "billing-invoice-summary.diff"));
        var rollout = new Dictionary<string, object?> { ["project"] = "billing", ["environment"] = "development", ["diff"] = change };
        AddRolloutConsumer(ws);
        await Call("completed", "rollout_start", rollout);
        var health = ws.PathOf(".sce", "specs", "storefront", "operations", "deployment.md");
        File.WriteAllText(health, File.ReadAllText(health).Replace("[\"echo\", \"storefront: healthy (development)\"]", "[\"false\"]", StringComparison.Ordinal));
        var failed = await Call("failed and rolled back", "rollout_start", rollout);
        if (failed?.TryGetProperty("id", out var rid) == true)
        {
            await Call("failed", "rollout_status", new() { ["id"] = rid.GetString() });
            await Call("failed again", "rollout_resume", new() { ["id"] = rid.GetString() });
            await Call("aborted", "rollout_abort", new() { ["id"] = rid.GetString(), ["reason"] = "broken health check" });
        }
        else
        {
            problems.Add("rollout_start returned no id: " + failed?.GetRawText());
        }

        await Call("all", "rollout_status");

        // Real runs: succeeded (with verify), numbers and booleans for int/bool parameters, failed with a rollback
        // and retries, timed out, a redacted parameter, dry run, queued (critical at L3), observed (an adopted system at L1).
        await Call("succeeded", "ops_run", Run("c-echo", "development", "dev-local", new Dictionary<string, object?> { ["word"] = "hello" }), "succeeded");
        await Call("typed parameters", "ops_run", Run("c-echo", "development", "dev-local", new Dictionary<string, object?> { ["word"] = "hi", ["count"] = 3, ["loud"] = true }), "succeeded");
        await Call("failed with rollback", "ops_run", Run("c-fail", "development", "dev-local"), "failed");
        await Call("timed out", "ops_run", Run("c-slow", "development", "dev-local"), "timed_out");
        await Call("secret parameter", "ops_run", Run("c-login", "development", "dev-local", new Dictionary<string, object?> { ["token"] = "abc123" }), "succeeded");
        await Call("dry run", "ops_run", Run("c-echo", "development", "dev-local", new Dictionary<string, object?> { ["word"] = "dry" }, dryRun: true), "dry_run");
        var queued = await Call("queued", "ops_run", Run("c-critical", "development", "dev-local"), "pending_approval");
        await Call("observed", "ops_run", new() { ["project"] = "legacy", ["operation"] = "c-echo", ["environment"] = "development", ["instance"] = "legacy-1", ["parameters"] = new Dictionary<string, object?> { ["word"] = "look" } }, "observed");

        // Approvals: pending, then approved, and one rejected.
        if (queued?.TryGetProperty("approvalId", out var id) == true)
        {
            await Call("pending", "approval_status", new() { ["approvalId"] = id.GetString() });
            var approvals = mcp.Get<ApprovalService>();
            await approvals.ApproveAsync(id.GetString()!, "alice", "fine");
            await Call("approved", "approval_status", new() { ["approvalId"] = id.GetString() });
        }

        var emergency = await Call("emergency", "emergency_request", new() { ["project"] = "billing", ["environment"] = "test", ["level"] = "L4", ["reason"] = "incident", ["minutes"] = 30 }, "pending_approval");
        if (emergency?.TryGetProperty("approvalId", out var eid) == true)
        {
            await mcp.Get<ApprovalService>().RejectAsync(eid.GetString()!, "alice", "not now");
            await Call("rejected", "approval_status", new() { ["approvalId"] = eid.GetString() });
        }
        else
        {
            problems.Add("emergency_request returned no approvalId");
        }

        // Policy and levels.
        await Call("production", "policy_explain", new() { ["project"] = "billing", ["environment"] = "production", ["operation"] = "c-echo", ["risk"] = "normal" });
        await Call("development critical", "policy_explain", new() { ["project"] = "billing", ["environment"] = "development", ["operation"] = "c-critical", ["risk"] = "critical" });
        await Call("all environments", "takeover_show", new() { ["project"] = "billing" });
        await Call("one environment", "takeover_show", new() { ["project"] = "legacy", ["environment"] = "production" });
        await Call("with failures", "takeover_progress", new() { ["project"] = "billing" });

        // The audit trail now holds null and redacted parameters, failures, queued and observed entries.
        await Call("everything", "audit_query", new() { ["limit"] = 500 });
        await Call("failures", "audit_query", new() { ["outcome"] = "failed" });
        await Call("today with failures", "audit_summary", new() { ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd") });
        await Call("a day without entries", "audit_summary", new() { ["date"] = "2020-01-01" });
        await Call("intact", "audit_verify");

        // Changes and the graph, with a versionless consumer edge.
        await Call("code", "change_classify", new() { ["diff"] = SmallDiff });
        await Call("data", "change_classify", new() { ["diff"] = MigrationDiff, ["project"] = "billing" });
        await Call("code", "change_gate", new() { ["diff"] = SmallDiff });
        await Call("data", "change_gate", new() { ["diff"] = MigrationDiff, ["project"] = "billing" });
        await Call("code", "rollout_plan", new() { ["diff"] = SmallDiff, ["project"] = "billing" });
        await Call("data", "rollout_plan", new() { ["diff"] = MigrationDiff, ["project"] = "billing" });
        await Call("versionless edge", "graph_show");

        await Call("transitive", "graph_dependents", new() { ["project"] = "billing", ["transitive"] = true });

        // Tool selection and version checks on the server's machine.
        await Call("in context", "tools_select", new() { ["project"] = "billing", ["operation"] = "backup", ["dataSize"] = "50GB", ["window"] = "2h" });
        await Call("local machine", "tools_check", new() { ["project"] = "billing" });

        // Tool installs (never approved here: nothing is installed): a dry run, and queued (apt needs root: critical, queued at L3).
        await Call("dry run", "tools_install", new() { ["project"] = "billing", ["tool"] = "pg_dump", ["environment"] = "development", ["instance"] = "dev-local", ["dryRun"] = true }, "dry_run");
        await Call("queued", "tools_install", new() { ["project"] = "billing", ["tool"] = "pg_dump", ["environment"] = "development", ["instance"] = "dev-local" }, "pending_approval");

        // Spec versions (a diff version 2.4.0 overlaying main) and drift of a change from the spec.
        await Call("main spec", "ops_resolve", new() { ["project"] = "billing", ["version"] = "2.3.1" });
        await Call("diff version overlay", "ops_resolve", new() { ["project"] = "billing", ["version"] = "2.4.1" });
        await Call("no drift", "ops_drift", new() { ["project"] = "billing", ["diff"] = SmallDiff });
        await Call("new variable", "ops_drift", new() { ["project"] = "billing", ["diff"] = DriftDiff });

        // Feedback: a critical report (with a prepared response), a duplicate folded into it, triage, lifecycle.
        var feedback = await Call("critical", "feedback_submit", new() { ["project"] = "billing", ["channel"] = "monitoring-alert", ["title"] = "Checkout down: payments fail with 500", ["body"] = "all payments fail since 14:00", ["environment"] = "production" });
        await Call("duplicate", "feedback_submit", new() { ["project"] = "billing", ["channel"] = "user-report", ["title"] = "Checkout down: payments fail with 500" });
        await Call("minor", "feedback_submit", new() { ["project"] = "billing", ["channel"] = "customer-survey", ["title"] = "Please add dark mode" });
        await Call("all", "feedback_list");
        await Call("report", "feedback_triage", new() { ["channel"] = "support-ticket", ["title"] = "Invoices slow to load" });
        if (feedback?.TryGetProperty("id", out var fid) == true)
        {
            var itemId = fid.GetString();
            await Call("critical item", "feedback_get", new() { ["id"] = itemId });
            await Call("acknowledged", "feedback_transition", new() { ["project"] = "billing", ["environment"] = "development", ["id"] = itemId, ["to"] = "acknowledged", ["reason"] = "looking" });
        }
        else
        {
            problems.Add("feedback_submit returned no id: " + feedback?.GetRawText());
        }

        // Learning: drafts with nothing observed, and drafts from a generated history (patterns, sequences, fixes).
        await Call("nothing observed", "learn_draft", new() { ["project"] = "bare" });
        await mcp.Get<Kse.Core.Learning.LearningService>().RecordAsync(Kse.TestKit.ObservedHistory.Generate("billing", DateTimeOffset.UtcNow, days: 21), Kse.Core.Actor.OsUser("ops"));
        await Call("observed history", "learn_draft", new() { ["project"] = "billing", ["environment"] = "production" });

        Assert.True(problems.Count == 0, "results that a validating client rejects:\n" + string.Join("\n", problems));
        var untested = tools.Keys.Except(exercised).Order().ToList();
        Assert.True(untested.Count == 0, "tools the matrix does not exercise (add a state for each): " + string.Join(", ", untested));
    }

    /// <summary>A copy of samples/ with harmless local operations, an adopted system, a bare project, dev specs and a versionless edge.</summary>
    internal static TempWorkspace SampleWorkspace()
    {
        var ws = new TempWorkspace(initialize: false);
        CopyDirectory(Path.Combine(RepositoryRoot(), "samples", ".sce"), ws.PathOf(".sce"));
        var state = ws.PathOf(".sce", "state");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }

        Directory.CreateDirectory(state);
        File.AppendAllText(ws.PathOf(".sce", "specs", "billing", "operations", "operations.md"), Operations);
        SpecFixtures.CreateFilled(ws.Workspace, "legacy", SystemType.Existing);
        ws.Write(".sce/specs/legacy/operations/operations.md", SpecFixtures.FilledMarkdown("legacy", SpecDocuments.Find("operations")) + Operations);
        new ProjectManifest
        {
            Name = "legacy",
            SystemType = SystemType.Existing,
            Instances = [new ProjectInstance { Id = "legacy-1", Environment = Kse.Core.EnvironmentKind.Development, Host = "local" }],
        }.Save(ws.Workspace);
        new SpecService(ws.Workspace, new TemplateLibrary(), []).InitProject("bare");
        ws.Write(".sce/specs/billing/operations/versions/2.4.0/version.yaml", "version: \"2.4.0\"\nstrategy: diff\nbase: main\n");
        ws.Write(".sce/specs/billing/operations/versions/2.4.0/troubleshooting.md", "## Common Issues\n\n- Only in 2.4: the invoice renderer retries twice.\n");
        ws.Write(".sce/specs/checkout/tasks.md", "# Tasks\n\n- [x] 1. Done\n- [x] 2. Done too\n");
        ws.Write(".sce/specs/search/tasks.md", "# Tasks\n\n- [x] 1. Done\n- [ ] 2. Not yet\n");
        File.AppendAllText(ws.PathOf(".sce", "dependencies.yaml"), "  - name: reports\n    consumes:\n      - project: billing\n        api: billing-api\n");
        return ws;
    }

    /// <summary>Gives the graph-only consumer 'reports' a valid spec with development rollout operations, so a rollout can migrate it.</summary>
    internal static void AddRolloutConsumer(TempWorkspace ws)
    {
        SpecFixtures.WriteValidSpec(ws.Workspace, "reports", """

            ```kse-operation
            name: dev-deploy
            risk: normal
            rollout: deploy
            command: [echo, reports-deployed]
            timeout: 10s
            ```

            ```kse-operation
            name: dev-health
            risk: read
            rollout: health-check
            command: ["true"]
            timeout: 10s
            ```
            """);
        new ProjectManifest
        {
            Name = "reports",
            Instances = [new ProjectInstance { Id = "dev-local", Environment = Kse.Core.EnvironmentKind.Development, Host = "local" }],
        }.Save(ws.Workspace);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kse.Mcp.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Kse.Mcp.sln not found above the test output folder");
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }

    private static void Walk(JsonNode? node, string path, List<string> offenders)
    {
        if (node is JsonObject o)
        {
            if (o["properties"] is JsonObject properties && o["required"] is JsonArray required)
            {
                offenders.AddRange(required.Select(r => r!.GetValue<string>()).Where(n => ToolContract.AdmitsNull(properties[n])).Select(n => $"{path}/{n}"));
            }

            foreach (var (key, child) in o)
            {
                Walk(child, $"{path}/{key}", offenders);
            }
        }
        else if (node is JsonArray a)
        {
            for (var i = 0; i < a.Count; i++)
            {
                Walk(a[i], $"{path}/{i}", offenders);
            }
        }
    }

    private static string Errors(EvaluationResults results) =>
        string.Join("; ", (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Key}: {e.Value}"))
            .Take(8));

    private static string Text(CallToolResult result) =>
        string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
}
