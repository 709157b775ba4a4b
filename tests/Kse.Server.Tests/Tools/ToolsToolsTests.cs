using System.Text.Json;
using Kse.TestKit;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Tools;

public sealed class ToolsToolsTests
{
    private static async Task<TempWorkspace> WorkspaceAsync()
    {
        var ws = new TempWorkspace();
        new Kse.Core.Specs.SpecService(ws.Workspace, new Kse.Core.Specs.TemplateLibrary(), []).InitProject("shopdb");
        new Kse.Core.Specs.ProjectManifest
        {
            Name = "shopdb",
            Instances = [new Kse.Core.Specs.ProjectInstance { Id = "dev-1", Environment = Kse.Core.EnvironmentKind.Development, Host = "local" }],
        }.Save(ws.Workspace);
        await Task.CompletedTask;
        return ws;
    }

    private static JsonElement Structured(CallToolResult r)
    {
        Assert.True(r.IsError != true, string.Join("\n", r.Content.OfType<TextContentBlock>().Select(t => t.Text)));
        return JsonSerializer.SerializeToElement(r.StructuredContent);
    }

    /// <summary>Every required property present and every present property of the declared JSON type, recursively.</summary>
    private static void AssertFits(JsonElement schema, JsonElement value, string path)
    {
        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            var actual = value.ValueKind switch
            {
                JsonValueKind.Object => "object",
                JsonValueKind.Array => "array",
                JsonValueKind.String => "string",
                JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
                JsonValueKind.True or JsonValueKind.False => "boolean",
                _ => "null",
            };
            Assert.True(types.Contains(actual) || (actual == "integer" && types.Contains("number")), $"{path} is {actual}, the schema says {string.Join("|", types)}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var required in schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!) : [])
            {
                Assert.True(value.TryGetProperty(required, out _), $"{path}.{required} is required by the schema but missing");
            }

            if (schema.TryGetProperty("properties", out var props))
            {
                foreach (var p in value.EnumerateObject())
                {
                    if (props.TryGetProperty(p.Name, out var sub))
                    {
                        AssertFits(sub, p.Value, $"{path}.{p.Name}");
                    }
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                AssertFits(items, item, $"{path}[{i++}]");
            }
        }
    }

    [Fact]
    public async Task ToolsTools_AreListed_ReadOnly_WithOutputSchemas()
    {
        using var ws = await WorkspaceAsync();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var tools = await mcp.Client.ListToolsAsync();
        foreach (var name in new[] { "tools_select", "tools_check" })
        {
            var tool = tools.Single(t => t.Name == name);
            Assert.True(tool.ProtocolTool.Annotations?.ReadOnlyHint);
            Assert.NotNull(tool.ProtocolTool.OutputSchema);
        }
    }

    [Fact]
    public async Task ToolsSelect_RanksInContext_FitsItsSchema_AndIsAuditedAsTheAi()
    {
        using var ws = await WorkspaceAsync();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var schema = (await mcp.Client.ListToolsAsync()).Single(t => t.Name == "tools_select").ProtocolTool.OutputSchema!.Value;

        var small = Structured(await mcp.Client.CallToolAsync("tools_select", new Dictionary<string, object?> { ["project"] = "shopdb", ["operation"] = "postgres-backup", ["dataSize"] = "5GB" }));
        var large = Structured(await mcp.Client.CallToolAsync("tools_select", new Dictionary<string, object?> { ["project"] = "shopdb", ["operation"] = "postgres-backup", ["dataSize"] = "500GB", ["diskFree"] = "100GB" }));
        AssertFits(schema, small, "$");
        AssertFits(schema, large, "$");
        Assert.Equal("pg_dump", small.GetProperty("winner").GetString());
        Assert.Equal("lvm-snapshot", large.GetProperty("winner").GetString());
        var basebackup = large.GetProperty("ranking").EnumerateArray().Single(r => r.GetProperty("tool").GetString() == "pg_basebackup");
        Assert.Contains("of free disk", basebackup.GetProperty("disqualifications")[0].GetString());

        var entries = (await mcp.Get<Kse.Core.Audit.IAuditReader>().ReadChainAsync().ToListAsync()).Where(e => e.OperationType == "tools.select").ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal("ai", e.ActorKind));
        Assert.Equal("pg_dump", entries[0].Parameters!["tool"]);
    }

    [Fact]
    public async Task ToolsCheck_OnALocalInstance_FitsItsSchema()
    {
        using var ws = await WorkspaceAsync();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var schema = (await mcp.Client.ListToolsAsync()).Single(t => t.Name == "tools_check").ProtocolTool.OutputSchema!.Value;
        var report = Structured(await mcp.Client.CallToolAsync("tools_check", new Dictionary<string, object?> { ["project"] = "shopdb", ["environment"] = "development", ["tools"] = new[] { "grep", "lvm-snapshot" }, ["targetVersion"] = "15" }));
        AssertFits(schema, report, "$");
        Assert.Equal("dev-1", report.GetProperty("instance").GetString());
        Assert.Equal("15.0.0", report.GetProperty("targetVersion").GetString());
        Assert.Equal("given", report.GetProperty("targetVersionSource").GetString());
        Assert.Equal(["lvm-snapshot", "grep"], report.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("tool").GetString()));
    }

    [Theory]
    [InlineData("tools_select", "operation", "nope", "tools.strategy_not_found")]
    [InlineData("tools_select", "dataSize", "a lot", "tools.context_invalid")]
    [InlineData("tools_check", "tools", "nope", "tools.tool_not_found")]
    public async Task BadArguments_AreErrorResults_WithTheStableCode(string tool, string key, string value, string code)
    {
        using var ws = await WorkspaceAsync();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var args = new Dictionary<string, object?> { ["project"] = "shopdb" };
        if (tool == "tools_select")
        {
            args["operation"] = "postgres-backup";
        }

        args[key] = key == "tools" ? new[] { value } : value;
        var result = await mcp.Client.CallToolAsync(tool, args);
        Assert.True(result.IsError);
        Assert.StartsWith($"error {code}:", result.Content.OfType<TextContentBlock>().Single().Text);
    }

    private const string FakeTool = """

          - name: fakeq
            purpose: A tool no repository has (an install that runs fails in apt-get)
            command: kse-fake-tool-qz
            install: { apt: kse-fake-package-qz, dnf: kse-fake-package-qz, apk: kse-fake-package-qz }
        """;

    private static async Task<TempWorkspace> InstallWorkspaceAsync()
    {
        // A complete spec (an AI only observes a project whose spec does not validate), whose tools.yaml has the fake tool.
        var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "shopdb");
        File.WriteAllText(ws.PathOf(".sce", "specs", "shopdb", "operations", "tools.yaml"), "version: 1\ntools:" + FakeTool.Replace("\r", "") + "\n");
        await Task.CompletedTask;
        new Kse.Core.Specs.ProjectManifest
        {
            Name = "shopdb",
            Instances =
            [
                new Kse.Core.Specs.ProjectInstance { Id = "dev-1", Environment = Kse.Core.EnvironmentKind.Development, Host = "local" },
                new Kse.Core.Specs.ProjectInstance { Id = "test-1", Environment = Kse.Core.EnvironmentKind.Test, Host = "local" },
                new Kse.Core.Specs.ProjectInstance { Id = "prod-1", Environment = Kse.Core.EnvironmentKind.Production, Host = "local" },
            ],
        }.Save(ws.Workspace);
        return ws;
    }

    private static Dictionary<string, object?> Install(string environment, bool dryRun = false) => new()
    {
        ["project"] = "shopdb", ["tool"] = "fakeq", ["environment"] = environment, ["dryRun"] = dryRun,
    };

    [Fact]
    public async Task ToolsInstall_IsDecidedByTheKernel_PerEnvironment()
    {
        using var ws = await InstallWorkspaceAsync();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var policy = mcp.Get<Kse.Core.Policy.PolicyService>();
        var schema = (await mcp.Client.ListToolsAsync()).Single(t => t.Name == "tools_install").ProtocolTool.OutputSchema!.Value;

        // Development at L3: apt installs as root, so the install is critical and queued.
        var queued = Structured(await mcp.Client.CallToolAsync("tools_install", Install("development")));
        AssertFits(schema, queued, "$");
        Assert.Equal("pending_approval", queued.GetProperty("status").GetString());

        // Development at L4: critical runs (flagged); the fake package makes apt-get fail, and the outcome says so.
        await policy.SetLevelAsync("shopdb", "development", "L4", "trusted in development", Kse.Core.Actor.OsUser("tester"));
        var ran = Structured(await mcp.Client.CallToolAsync("tools_install", Install("development")));
        AssertFits(schema, ran, "$");
        Assert.Equal("failed", ran.GetProperty("status").GetString());
        Assert.Equal("run_and_flag", ran.GetProperty("decision").GetString());
        Assert.Equal("apt-get install -y kse-fake-package-qz", ran.GetProperty("commandLine").GetString());

        // Test at L4 would run a critical call; an install there still waits for an operator.
        await policy.SetLevelAsync("shopdb", "test", "L4", "trusted in test", Kse.Core.Actor.OsUser("tester"));
        var test = Structured(await mcp.Client.CallToolAsync("tools_install", Install("test")));
        Assert.Equal("pending_approval", test.GetProperty("status").GetString());
        Assert.Contains(test.GetProperty("rules").EnumerateArray(), r => r.GetProperty("id").GetString() == "tools.install_needs_approval");

        // Production: refused.
        var production = await mcp.Client.CallToolAsync("tools_install", Install("production"));
        Assert.True(production.IsError);
        Assert.Contains("never installed in production", production.Content.OfType<TextContentBlock>().Single().Text);

        var entries = (await mcp.Get<Kse.Core.Audit.IAuditReader>().ReadChainAsync().ToListAsync()).Where(e => e.OperationType == "tools.install").ToList();
        Assert.Equal(["queued", "decided", "failed", "queued", "denied"], entries.Select(e => e.Outcome));
        Assert.All(entries, e => Assert.Equal("ai", e.ActorKind));
    }
}
