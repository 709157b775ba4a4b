using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kse.Server.Tests.Contract;

/// <summary>
/// An independent client: the TypeScript MCP SDK drives the built <c>kse serve</c> over stdio and calls every tool once.
/// That SDK validates each <c>structuredContent</c> against the tool's <c>outputSchema</c> and rejects a mismatch, as
/// the clients built on it do. Needs Node.js; the SDK is installed with npm into a temp folder when missing.
/// </summary>
public sealed class TypeScriptClientTests
{
    private const string ClientScript = """
        import { Client } from "@modelcontextprotocol/sdk/client/index.js";
        import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
        import fs from "fs";
        const [dll, root, planFile] = process.argv.slice(2);
        const plan = JSON.parse(fs.readFileSync(planFile, "utf8"));
        const client = new Client({ name: "kse-ts-contract", version: "1.0.0" });
        await client.connect(new StdioClientTransport({ command: "dotnet", args: [dll, "serve", "--root", root], stderr: "ignore" }));
        const listed = (await client.listTools()).tools.map(t => t.name);
        const calls = [];
        let approvalId = null, itemId = null, rolloutId = null;
        for (const step of plan) {
          let progress = 0;
          if (step.args.approvalId === "__queued__") step.args.approvalId = approvalId;
          if (step.args.id === "__item__") step.args.id = itemId;
          if (step.args.id === "__rollout__") step.args.id = rolloutId;
          try {
            const r = await client.callTool({ name: step.name, arguments: step.args }, undefined, { onprogress: () => { progress++; }, timeout: 60000 });
            approvalId = r.structuredContent?.approvalId ?? approvalId;
            if (step.name === "feedback_submit") itemId = r.structuredContent?.id ?? itemId;
            if (step.name === "rollout_start") rolloutId = r.structuredContent?.id ?? rolloutId;
            calls.push({ name: step.name, isError: !!r.isError, text: r.isError ? JSON.stringify(r.content) : "", progress });
          } catch (e) {
            calls.push({ name: step.name, rejected: String(e && e.message || e) });
          }
        }
        console.log(JSON.stringify({ listed, calls, capabilities: client.getServerCapabilities() }));
        await client.close();
        """;

    [Fact]
    public async Task TypeScriptSdkClient_CallsEveryToolOverStdio_AndAcceptsEveryResult()
    {
        var node = NodeModules();
        // approval_status follows the approvalId the emergency_request before it returned; feedback_get and _transition the submitted item.
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        // storefront's health check fails, so the rollout halts in wave 2 and can be resumed (failing again) and aborted.
        OutputSchemaContractTests.AddRolloutConsumer(ws);
        var health = ws.PathOf(".sce", "specs", "storefront", "operations", "deployment.md");
        File.WriteAllText(health, File.ReadAllText(health).Replace("[\"echo\", \"storefront: healthy (development)\"]", "[\"false\"]", StringComparison.Ordinal));
        var kse = Path.Combine(AppContext.BaseDirectory, "kse.dll");
        Assert.True(File.Exists(kse), $"built kse not found at {kse}");
        var script = Path.Combine(node, $"kse-contract-{Guid.NewGuid():N}.mjs");
        await File.WriteAllTextAsync(script, ClientScript);
        var planFile = ws.Write("plan.json", JsonSerializer.Serialize(Plan(), JsonSerializerOptions.Web));
        try
        {
            var (code, stdout, stderr) = await RunAsync("node", [script, kse, ws.Root, planFile], node, TimeSpan.FromMinutes(3));
            Assert.True(code == 0, $"the TypeScript client failed (exit {code}): {stderr}");
            var output = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
            var listed = output["listed"]!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet();
            var called = Plan().Select(p => p.Name).ToHashSet();
            Assert.True(listed.SetEquals(called), $"the plan must call every listed tool once; listed but not called: {string.Join(", ", listed.Except(called))}; called but not listed: {string.Join(", ", called.Except(listed))}");

            var problems = output["calls"]!.AsArray()
                .Where(c => c!["rejected"] is not null || c["isError"]!.GetValue<bool>())
                .Select(c => $"{c!["name"]}: {c["rejected"] ?? c["text"]}")
                .ToList();
            Assert.True(problems.Count == 0, "results the TypeScript SDK rejected or that failed:\n" + string.Join("\n", problems));
            Assert.Null(output["capabilities"]!["tools"]?["listChanged"]);
        }
        finally
        {
            File.Delete(script);
        }
    }

    private sealed record Step(string Name, Dictionary<string, object?> Args);

    private static List<Step> Plan()
    {
        const string diff = "diff --git a/src/A.cs b/src/A.cs\n--- a/src/A.cs\n+++ b/src/A.cs\n@@ -1 +1 @@\n-int a = 1;\n+int a = 2;\n";
        return
        [
            new("ops_list_projects", []),
            new("ops_validate", new() { ["project"] = "billing" }),
            new("ops_status", []),
            new("ops_list_operations", new() { ["project"] = "billing" }),
            new("ops_run", new() { ["project"] = "billing", ["operation"] = "c-echo", ["environment"] = "development", ["instance"] = "dev-local", ["parameters"] = new Dictionary<string, object?> { ["word"] = "hello", ["count"] = 2, ["loud"] = true } }),
            new("emergency_request", new() { ["project"] = "billing", ["environment"] = "test", ["level"] = "L4", ["reason"] = "incident", ["minutes"] = 30 }),
            new("approval_status", new() { ["approvalId"] = "__queued__" }),
            new("policy_explain", new() { ["project"] = "billing", ["environment"] = "production", ["operation"] = "c-echo", ["risk"] = "normal" }),
            new("takeover_show", new() { ["project"] = "billing" }),
            new("takeover_progress", new() { ["project"] = "billing" }),
            new("audit_query", new() { ["limit"] = 200 }),
            new("audit_summary", new() { ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd") }),
            new("audit_verify", []),
            new("change_classify", new() { ["diff"] = diff }),
            new("change_gate", new() { ["diff"] = diff }),
            new("rollout_plan", new() { ["diff"] = diff, ["project"] = "billing" }),
            new("rollout_start", new() { ["diff"] = File.ReadAllText(Path.Combine(OutputSchemaContractTests.RepositoryRoot(), "samples", "changes", "billing-invoice-summary.diff")), ["project"] = "billing", ["environment"] = "development" }),
            new("rollout_status", new() { ["id"] = "__rollout__" }),
            new("rollout_resume", new() { ["id"] = "__rollout__" }),
            new("rollout_abort", new() { ["id"] = "__rollout__", ["reason"] = "stop" }),
            new("graph_show", []),
            new("graph_dependents", new() { ["project"] = "billing", ["transitive"] = true }),
            new("tools_select", new() { ["project"] = "billing", ["operation"] = "backup", ["dataSize"] = "50GB", ["window"] = "2h" }),
            new("tools_check", new() { ["project"] = "billing" }),
            new("tools_install", new() { ["project"] = "billing", ["tool"] = "pg_dump", ["environment"] = "development", ["instance"] = "dev-local", ["dryRun"] = true }),
            new("ops_resolve", new() { ["project"] = "billing", ["version"] = "2.4.1" }),
            new("ops_drift", new() { ["project"] = "billing", ["diff"] = "diff --git a/.env b/.env\n--- a/.env\n+++ b/.env\n@@ -1 +1,2 @@\n A=1\n+BILLING_NEW_QUEUE_URL=amqp://mq-1.internal/x\n" }),
            new("feedback_submit", new() { ["project"] = "billing", ["channel"] = "monitoring-alert", ["title"] = "Checkout down: payments fail with 500", ["environment"] = "production" }),
            new("feedback_list", []),
            new("feedback_get", new() { ["id"] = "__item__" }),
            new("feedback_triage", new() { ["channel"] = "support-ticket", ["title"] = "Invoices slow to load" }),
            new("feedback_transition", new() { ["project"] = "billing", ["environment"] = "development", ["id"] = "__item__", ["to"] = "acknowledged", ["reason"] = "looking" }),
            new("learn_draft", new() { ["project"] = "billing" }),
        ];
    }

    /// <summary>A folder whose node_modules holds the TypeScript SDK: the acceptance checks' copy when present, else one installed once into the temp folder.</summary>
    private static string NodeModules()
    {
        foreach (var candidate in new[] { "/tmp/kse-acceptance/node", Path.Combine(Path.GetTempPath(), "kse-ts-sdk") })
        {
            if (Directory.Exists(Path.Combine(candidate, "node_modules", "@modelcontextprotocol", "sdk")))
            {
                return candidate;
            }
        }

        var folder = Path.Combine(Path.GetTempPath(), "kse-ts-sdk");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "package.json"), """{ "name": "kse-ts-sdk", "private": true, "type": "module" }""");
        var (code, _, stderr) = RunAsync("npm", ["install", "--no-audit", "--no-fund", "@modelcontextprotocol/sdk"], folder, TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
        Assert.True(code == 0, $"npm install @modelcontextprotocol/sdk failed (Node.js and npm are needed by this test): {stderr}");
        return folder;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string program, string[] args, string directory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        using var cts = new CancellationTokenSource(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
