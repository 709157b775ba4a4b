using Kse.TestKit;
using ModelContextProtocol.Client;

namespace Kse.Server.Tests;

/// <summary>Starts the built <c>kse serve</c> as a real process and talks to it over stdio, as an MCP client would.</summary>
public sealed class StdioEndToEndTests
{
    [Fact]
    public async Task KseServe_OverStdio_ListsToolsAndValidates()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        var kse = Path.Combine(AppContext.BaseDirectory, "kse.dll");
        Assert.True(File.Exists(kse), $"built kse not found at {kse}");
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "kse",
            Command = "dotnet",
            Arguments = [kse, "serve", "--root", ws.Root],
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: cts.Token);

        Assert.Equal("kse", client.ServerInfo?.Name);
        var tools = await client.ListToolsAsync(cancellationToken: cts.Token);
        Assert.Contains(tools, t => t.Name == "ops_validate");
        var result = await client.CallToolAsync("ops_validate", new Dictionary<string, object?> { ["project"] = "billing" }, cancellationToken: cts.Token);
        Assert.True(result.StructuredContent!.Value.GetProperty("valid").GetBoolean());
        Assert.True(Directory.Exists(ws.Workspace.LogsDir), "logs are written under .sce/state/logs");
    }
}
