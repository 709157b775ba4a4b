using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Kse.Cli;
using Kse.Core;
using Kse.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Benchmarks;

/// <summary>
/// One tool call through the whole MCP pipeline over the SDK's in-memory transport (a client and the real server, real LiteDB
/// stores in a temporary copy of samples/), with the interception point and with it removed, in the same process:
/// a read tool (takeover_show) and an ops_run dry run (planned, decided and audited; it needs the gate, which plans it).
/// dotnet run -c Release --project bench/Kse.Benchmarks -- --filter '*GatedCall*' --job short
/// </summary>
[MemoryDiagnoser]
public class GatedCallBenchmarks
{
    private readonly Dictionary<string, object?> _show = new() { ["project"] = "billing" };
    private readonly Dictionary<string, object?> _dryRun = new()
    {
        ["project"] = "billing", ["operation"] = "health-check", ["environment"] = "test",
        ["parameters"] = new Dictionary<string, object?> { ["port"] = 8080 }, ["dryRun"] = true,
    };

    private string _root = "";
    private Server? _gated;
    private Server? _bare;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _root = Path.Combine(Path.GetTempPath(), "kse-bench-gate-" + Guid.NewGuid().ToString("N")[..8]);
        CopyDirectory(Path.Combine(RepositoryRoot(), "samples"), _root);
        var state = Path.Combine(_root, ".sce", "state");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }

        _gated = await Server.StartAsync(new KseWorkspace(_root), gated: true);
        _bare = await Server.StartAsync(new KseWorkspace(_root), gated: false);
        await ReadWithGate();
        await ReadWithoutGate();
        await DryRunWithGate();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _gated!.DisposeAsync();
        await _bare!.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public Task<CallToolResult> ReadWithoutGate() => Call(_bare!, "takeover_show", _show);

    [Benchmark]
    public Task<CallToolResult> ReadWithGate() => Call(_gated!, "takeover_show", _show);

    [Benchmark]
    public Task<CallToolResult> DryRunWithGate() => Call(_gated!, "ops_run", _dryRun);

    private static async Task<CallToolResult> Call(Server server, string tool, Dictionary<string, object?> args)
    {
        var result = await server.Client.CallToolAsync(tool, args);
        return result.IsError == true ? throw new InvalidOperationException($"{tool} failed: {string.Join(" ", result.Content.OfType<TextContentBlock>().Select(c => c.Text))}") : result;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kse.Mcp.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal), overwrite: true);
        }
    }

    private sealed class Server : IAsyncDisposable
    {
        private ServiceProvider _services = null!;
        private CancellationTokenSource _cts = null!;
        private Task _run = Task.CompletedTask;

        public McpClient Client { get; private set; } = null!;

        public static async Task<Server> StartAsync(KseWorkspace workspace, bool gated)
        {
            var clientToServer = new Pipe();
            var serverToClient = new Pipe();
            var configuration = KseComposition.LoadConfiguration(workspace);
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddKse(workspace, configuration);
            services.AddKseMcpServer(gated).WithStreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream());
            var s = new Server { _services = services.BuildServiceProvider(), _cts = new CancellationTokenSource() };
            s._run = s._services.GetRequiredService<McpServer>().RunAsync(s._cts.Token);
            s.Client = await McpClient.CreateAsync(
                new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()),
                new McpClientOptions { ClientInfo = new() { Name = "kse-bench", Version = "1.0" } });
            return s;
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await _cts.CancelAsync();
            try
            {
                await _run;
            }
            catch (OperationCanceledException)
            {
            }

            await _services.DisposeAsync();
            _cts.Dispose();
        }
    }
}
