using System.IO.Pipelines;
using Kse.Cli;
using Kse.Server;
using Kse.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Tests;

/// <summary>
/// The real Kse MCP server (real services, real LiteDB in the temp workspace) and a real SDK client,
/// connected in memory over two pipes, as the SDK's own tests do.
/// </summary>
public sealed class McpTestServer : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly CancellationTokenSource _cts;
    private readonly Task _serverRun;

    private McpTestServer(ServiceProvider services, CancellationTokenSource cts, Task serverRun, McpClient client)
    {
        _services = services;
        _cts = cts;
        _serverRun = serverRun;
        Client = client;
    }

    public McpClient Client { get; }

    public IServiceProvider Services => _services;

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <param name="settings">Extra configuration keys (e.g. <c>Kse:Operators:0:Name</c>).</param>
    /// <param name="configure">Last-minute service replacements, e.g. a fake <see cref="TimeProvider"/>.</param>
    public static async Task<McpTestServer> StartAsync(
        TempWorkspace workspace,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null,
        McpClientOptions? clientOptions = null,
        CancellationToken cancellationToken = default)
    {
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(KseComposition.LoadConfiguration(workspace.Workspace))
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddKse(workspace.Workspace, configuration);
        configure?.Invoke(services);
        services.AddKseMcpServer().WithStreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream());
        var provider = services.BuildServiceProvider();
        var cts = new CancellationTokenSource();
        var server = provider.GetRequiredService<McpServer>();
        var run = server.RunAsync(cts.Token);
        var client = await McpClient.CreateAsync(
            new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()),
            clientOptions ?? new McpClientOptions { ClientInfo = new() { Name = "kse-tests", Version = "1.0" } },
            cancellationToken: cancellationToken);
        return new McpTestServer(provider, cts, run, client);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _cts.CancelAsync();
        try
        {
            await _serverRun;
        }
        catch (OperationCanceledException)
        {
        }

        await _services.DisposeAsync();
        _cts.Dispose();
    }
}
