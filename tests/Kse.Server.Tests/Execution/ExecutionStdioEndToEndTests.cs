using System.Text.Json;
using Kse.Cli;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Execution;

/// <summary>The built <c>kse serve</c> over stdio: an AI lists and runs operations, and its user confirms a queued normal one.</summary>
public sealed class ExecutionStdioEndToEndTests
{
    [Fact]
    public async Task KseServe_OverStdio_ListsAndRunsOperations_AndElicitsWhereConfigured()
    {
        using var ws = new TempWorkspace();
        var marker = ws.PathOf("marker.txt");
        ExecutionToolsTests.Seed(ws, marker);
        var manifest = ProjectManifest.Load(ws.Workspace, "shop");
        (manifest with { Instances = [.. manifest.Instances, new ProjectInstance { Id = "test-1", Environment = EnvironmentKind.Test, Host = "local" }] }).Save(ws.Workspace);
        ws.Write(".sce/appsettings.json", """{ "Kse": { "Policy": { "Elicitation": { "Enabled": true } } } }""");
        await using (var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace)))
        {
            await services.GetRequiredService<PolicyService>().SetLevelAsync("shop", "test", "L2", "suggestions in test", Actor.OsUser("tester"));
        }

        var asked = new List<string>();
        var kse = Path.Combine(AppContext.BaseDirectory, "kse.dll");
        var transport = new StdioClientTransport(new StdioClientTransportOptions { Name = "kse", Command = "dotnet", Arguments = [kse, "serve", "--root", ws.Root] });
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var client = await McpClient.CreateAsync(
            transport,
            new McpClientOptions
            {
                ClientInfo = new() { Name = "stdio-ai", Version = "1.0" },
                Handlers = new McpClientHandlers
                {
                    ElicitationHandler = (request, _) =>
                    {
                        asked.Add(request?.Message ?? "");
                        return ValueTask.FromResult(new ElicitResult { Action = "accept", Content = new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(true) } });
                    },
                },
            },
            cancellationToken: cts.Token);

        var list = await client.CallToolAsync("ops_list_operations", new Dictionary<string, object?> { ["project"] = "shop" }, cancellationToken: cts.Token);
        Assert.Equal(2, list.StructuredContent!.Value.GetProperty("operations").GetArrayLength());

        var run = await client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "greet", ["environment"] = "development",
            ["parameters"] = new Dictionary<string, string> { ["who"] = "x; rm -rf /" },
        }, cancellationToken: cts.Token);
        Assert.Equal("hello x; rm -rf /", run.StructuredContent!.Value.GetProperty("result").GetProperty("stdout").GetString());

        var confirmed = await client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "greet", ["environment"] = "test",
            ["parameters"] = new Dictionary<string, string> { ["who"] = "team" },
        }, cancellationToken: cts.Token);
        Assert.Equal("succeeded", confirmed.StructuredContent!.Value.GetProperty("status").GetString());
        Assert.Contains("printf 'hello %s' team", Assert.Single(asked));

        var queued = await client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "mark", ["environment"] = "production",
            ["parameters"] = new Dictionary<string, string> { ["text"] = "x" },
        }, cancellationToken: cts.Token);
        Assert.Equal("pending_approval", queued.StructuredContent!.Value.GetProperty("status").GetString());
        Assert.False(File.Exists(marker));
    }
}
