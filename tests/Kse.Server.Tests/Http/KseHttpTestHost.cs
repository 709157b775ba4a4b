using Kse.Cli;
using Kse.Core.Policy;
using Kse.Server.Tests.Execution;
using Kse.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using ModelContextProtocol.Client;

namespace Kse.Server.Tests.Http;

/// <summary>The real HTTP host (Kestrel on 127.0.0.1, a free port) over a temp workspace with the shop project and three operators.</summary>
public sealed class KseHttpTestHost : IAsyncDisposable
{
    public const string AliceToken = "alice-approver-token";
    public const string CarolToken = "carol-auditor-token";
    public const string DaveToken = "dave-emergency-token";

    private KseHttpTestHost(TempWorkspace ws, WebApplication app, string baseUrl, string marker)
    {
        Workspace = ws;
        App = app;
        BaseUrl = baseUrl;
        Marker = marker;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl) };
    }

    public TempWorkspace Workspace { get; }

    public WebApplication App { get; }

    public string BaseUrl { get; }

    /// <summary>The file the <c>mark</c> operation appends to.</summary>
    public string Marker { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<KseHttpTestHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var ws = new TempWorkspace();
        var marker = ws.PathOf("marker.txt");
        ExecutionToolsTests.Seed(ws, marker);
        var values = new Dictionary<string, string?>
        {
            ["Kse:Operators:0:Name"] = "alice",
            ["Kse:Operators:0:Roles:0"] = "approver",
            ["Kse:Operators:0:TokenSha256"] = OperatorDirectory.HashToken(AliceToken),
            ["Kse:Operators:1:Name"] = "carol",
            ["Kse:Operators:1:Roles:0"] = "auditor",
            ["Kse:Operators:1:TokenSha256"] = OperatorDirectory.HashToken(CarolToken),
            ["Kse:Operators:2:Name"] = "dave",
            ["Kse:Operators:2:Roles:0"] = "emergency-approver",
            ["Kse:Operators:2:TokenSha256"] = OperatorDirectory.HashToken(DaveToken),
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            values[k] = v;
        }

        var configuration = new ConfigurationBuilder()
            .AddConfiguration(KseComposition.LoadConfiguration(ws.Workspace))
            .AddInMemoryCollection(values)
            .Build();
        var app = KseHost.BuildHttp(ws.Workspace, configuration, ["http://127.0.0.1:0"], s => s.AddKse(ws.Workspace, configuration));
        await app.StartAsync();
        return new KseHttpTestHost(ws, app, app.Urls.First().TrimEnd('/'), marker);
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string? token, HttpContent? content = null)
    {
        var r = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            r.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return r;
    }

    /// <summary>An MCP client over Streamable HTTP at <c>/mcp</c>, as an AI assistant connects.</summary>
    public Task<McpClient> ConnectMcpAsync(string clientName = "http-ai") =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(BaseUrl + "/mcp") }),
            new McpClientOptions { ClientInfo = new() { Name = clientName, Version = "1.0" } });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Workspace.Dispose();
    }
}
