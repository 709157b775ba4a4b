using System.Net;
using System.Text.Json;
using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Policy;
using Kse.Storage.Postgres;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Storage;

/// <summary>Two servers (each its own workspace and service container) on one PostgreSQL store.</summary>
public sealed class SharedStoreTests
{
    private static Dictionary<string, string?> Store(string connectionString) => new()
    {
        ["Kse:Storage:Provider"] = "postgres",
        ["Kse:Storage:ConnectionString"] = connectionString,
        ["Kse:Operators:0:Name"] = "bob",
        ["Kse:Operators:0:Roles:0"] = "approver",
    };

    [Fact]
    public async Task AnApprovalMadeOnServerA_NotifiesASessionOnServerB_ThroughTheStore()
    {
        var cs = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        using var wsA = new TempWorkspace();
        using var wsB = new TempWorkspace();
        await using var a = await McpTestServer.StartAsync(wsA, Store(cs));

        // B's clock never moves, so its periodic re-read of followed approvals never runs: only the store's notification can tell it.
        var frozen = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var b = await McpTestServer.StartAsync(
            wsB,
            Store(cs),
            services => services.AddSingleton<TimeProvider>(frozen),
            new McpClientOptions { ClientInfo = new() { Name = "kse-tests", Version = "1.0" }, ProtocolVersion = "2025-11-25" });

        var queued = await a.Get<ApprovalService>().CreateAsync(new ApprovalDraft { Tool = "probe_drop", ArgumentsJson = "{}", Project = "shop", Requester = "ai:kse-tests", Reason = "shared queue", Risk = RiskClass.Critical });
        var uri = $"kse://approvals/{queued.Id}";
        var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await b.Client.SubscribeToResourceAsync(uri, (p, _) =>
        {
            updated.TrySetResult(p.Uri);
            return ValueTask.CompletedTask;
        });
        await ((PostgresChangeFeed)b.Get<IStoreChangeFeed>()).Listening.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains((await b.Get<IApprovalStore>().ListAsync()), x => x.Id == queued.Id);

        await a.Get<ApprovalService>().ApproveAsync(queued.Id, "bob", "checked");

        Assert.Equal(uri, await updated.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var read = await b.Client.ReadResourceAsync(uri);
        Assert.Contains("\"approved\"", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ReportsTheStoreAndItsLatency()
    {
        var cs = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        await using var host = await Http.KseHttpTestHost.StartAsync(settings: Store(cs));

        var health = await host.Http.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ok", body.GetProperty("status").GetString());
        var store = body.GetProperty("store");
        Assert.Equal("postgres", store.GetProperty("provider").GetString());
        Assert.True(store.GetProperty("available").GetBoolean());
        Assert.True(store.GetProperty("latencyMs").GetDouble() >= 0);
    }

    [Fact]
    public async Task Health_IsUnavailable_WhenTheStoreCannotBeReached()
    {
        await using var host = await Http.KseHttpTestHost.StartAsync(settings: Store("Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=2"));

        var health = await host.Http.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("unavailable", body.GetProperty("status").GetString());
        Assert.StartsWith("store.unavailable", body.GetProperty("store").GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
