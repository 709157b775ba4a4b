#pragma warning disable MCP9005 // logging/setLevel and notifications/message, as clients up to protocol 2025-11-25 use them
using System.Threading.Channels;
using Kse.Server.Resources;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Http;

/// <summary>Over Streamable HTTP, a session of the initialize handshake hears list changes and the server's log on its stream, as over stdio.</summary>
public sealed class HttpNotificationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AnHttpSession_HearsListChangesAndTheLogItAskedFor()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        SpecFixtures.CreateFilled(host.Workspace.Workspace, "billing");
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(host.BaseUrl + "/mcp") }),
            new McpClientOptions { ClientInfo = new() { Name = "http-ai", Version = "1.0" }, ProtocolVersion = "2025-11-25" });
        var listChanged = Channel.CreateUnbounded<bool>();
        var messages = Channel.CreateUnbounded<string>();
        await using var a = client.RegisterNotificationHandler(NotificationMethods.ResourceListChangedNotification, (_, _) =>
        {
            listChanged.Writer.TryWrite(true);
            return ValueTask.CompletedTask;
        });
        await using var b = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (n, _) =>
        {
            messages.Writer.TryWrite(n.Params!["data"]!["message"]!.GetValue<string>());
            return ValueTask.CompletedTask;
        });
        await client.SetLoggingLevelAsync(LoggingLevel.Warning);
        Assert.Contains(await client.ListResourcesAsync(), r => r.Uri == "kse://specs/billing/operations/deployment.md");
        await host.Services.GetRequiredService<SpecWatcher>().Started;

        SpecFixtures.CreateFilled(host.Workspace.Workspace, "payments");
        Assert.True(await listChanged.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        File.WriteAllText(host.Workspace.PathOf(".sce", "specs", "billing", "project.yaml"), "system_type: [unclosed\n");
        using var cts = new CancellationTokenSource(Wait);
        while (!(await messages.Reader.ReadAsync(cts.Token)).Contains("billing cannot be loaded", StringComparison.Ordinal))
        {
        }
    }
}
