#pragma warning disable MCP9005 // logging/setLevel and notifications/message, as clients up to protocol 2025-11-25 use them
using System.Text.Json;
using System.Threading.Channels;
using Kse.Core.Approvals;
using Kse.Server.Resources;
using Kse.TestKit;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Contract;

/// <summary>
/// What the server tells a connected client on its own: its log at the client's level (<c>logging/setLevel</c>,
/// <c>notifications/message</c>), and changes on disk (<c>notifications/resources/list_changed</c>, <c>/updated</c>);
/// and that it advertises exactly the capabilities it honours.
/// </summary>
public sealed class NotificationTests
{
    /// <summary>logging/setLevel is how clients of the initialize handshake ask for a server's log (2026-07-28 replaced it).</summary>
    private const string HandshakeProtocol = "2025-11-25";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string?> Settings = new() { ["Kse:Operators:0:Name"] = "alice", ["Kse:Operators:0:Roles:0"] = "approver" };

    private static McpClientOptions Client() => new() { ClientInfo = new() { Name = "kse-tests", Version = "1.0" }, ProtocolVersion = HandshakeProtocol };

    [Fact]
    public async Task Initialize_AdvertisesExactlyWhatIsHonoured_AndEachAdvertisedCapabilityAnswers()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings, clientOptions: Client());
        var capabilities = mcp.Client.ServerCapabilities;

        // The tool list and the prompt list are fixed while the server runs: no listChanged for them.
        Assert.NotNull(capabilities.Tools);
        Assert.NotEqual(true, capabilities.Tools!.ListChanged);
        Assert.NotNull(capabilities.Prompts);
        Assert.NotEqual(true, capabilities.Prompts!.ListChanged);
        // Resources: subscriptions and list changes are both sent (tests below).
        Assert.True(capabilities.Resources?.Subscribe);
        Assert.True(capabilities.Resources?.ListChanged);
        Assert.NotNull(capabilities.Logging);
        Assert.NotNull(capabilities.Completions);

        Assert.NotEmpty(await mcp.Client.ListToolsAsync());
        Assert.NotEmpty(await mcp.Client.ListPromptsAsync());
        var completion = await mcp.Client.CompleteAsync(new PromptReference { Name = "write_operations_spec" }, "project", "bi");
        Assert.Equal(["billing"], completion.Completion.Values);
        await mcp.Client.SetLoggingLevelAsync(LoggingLevel.Warning);
        Assert.Equal(1, mcp.Get<ClientLog>().Count);
        await mcp.Client.SubscribeToResourceAsync(SpecWatcher.ProjectsUri);
        await mcp.Client.UnsubscribeFromResourceAsync(SpecWatcher.ProjectsUri);
    }

    [Fact]
    public async Task TheResourceList_NamesEveryOperationsDocument_ReadableAtItsUri()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings, clientOptions: Client());

        var resources = await mcp.Client.ListResourcesAsync();

        Assert.Contains(resources, r => r.Uri == SpecWatcher.ProjectsUri);
        var deployment = Assert.Single(resources, r => r.Uri == "kse://specs/billing/operations/deployment.md");
        Assert.Equal("text/markdown", deployment.MimeType);
        var read = await mcp.Client.ReadResourceAsync(deployment.Uri);
        Assert.Contains("##", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text);
        Assert.Equal(Directory.GetFiles(ws.PathOf(".sce", "specs", "billing", "operations")).Count(f => f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith("tools.yaml", StringComparison.Ordinal)),
            resources.Count(r => r.Uri.StartsWith("kse://specs/billing/operations/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task LogMessages_ReachTheClient_AtTheLevelItAskedFor()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings, clientOptions: Client());
        var messages = Channel.CreateUnbounded<LoggingMessageNotificationParams>();
        await using var _ = mcp.Client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (n, _) =>
        {
            messages.Writer.TryWrite(JsonSerializer.Deserialize<LoggingMessageNotificationParams>(n.Params!.ToJsonString(), ModelContextProtocol.McpJsonUtilities.DefaultOptions)!);
            return ValueTask.CompletedTask;
        });
        await mcp.Get<SpecWatcher>().Started;

        // Warning and above: a queued approval (info) is not sent; a project that no longer loads (warning) is.
        await mcp.Client.SetLoggingLevelAsync(LoggingLevel.Warning);
        var queued = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "billing", ["operation"] = "c-critical", ["environment"] = "development", ["instance"] = "dev-local",
        });
        var id = queued.StructuredContent!.Value.GetProperty("approvalId").GetString()!;
        File.WriteAllText(ws.PathOf(".sce", "specs", "storefront", "project.yaml"), "system_type: [unclosed\n");

        var warning = await messages.Reader.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(LoggingLevel.Warning, warning.Level);
        Assert.Contains("storefront cannot be loaded", warning.Data.GetProperty("message").GetString());
        Assert.Equal("SpecWatcher", warning.Logger);

        // Info: the decision on the approval arrives (beside the notice that it ran: the client may hand the two over in either order).
        await mcp.Client.SetLoggingLevelAsync(LoggingLevel.Info);
        await mcp.Get<ApprovalService>().ApproveAsync(id, "alice", "fine");
        var decided = await NextAsync(messages, m => m.Data.GetProperty("message").GetString() is { } text && text.Contains(id, StringComparison.Ordinal) && text.Contains("approved by alice", StringComparison.Ordinal));
        Assert.Equal(LoggingLevel.Info, decided.Level);
    }

    [Fact]
    public async Task AddingAProject_SendsListChanged_AndEditingASubscribedDocument_SendsUpdated()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings, clientOptions: Client());
        var listChanged = Channel.CreateUnbounded<bool>();
        var updated = Channel.CreateUnbounded<string>();
        await using var a = mcp.Client.RegisterNotificationHandler(NotificationMethods.ResourceListChangedNotification, (_, _) =>
        {
            listChanged.Writer.TryWrite(true);
            return ValueTask.CompletedTask;
        });
        await using var b = mcp.Client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updated.Writer.TryWrite(n.Params!["uri"]!.GetValue<string>());
            return ValueTask.CompletedTask;
        });
        await mcp.Get<SpecWatcher>().Started;
        const string deployment = "kse://specs/billing/operations/deployment.md";
        await mcp.Client.SubscribeToResourceAsync(deployment);
        await mcp.Client.SubscribeToResourceAsync(SpecWatcher.ProjectsUri);

        // A new project folder with its documents: the list changes (perhaps over a few quiet periods while the files appear).
        SpecFixtures.CreateFilled(ws.Workspace, "payments");
        await UntilListedAsync(mcp, listChanged, resources => resources.Any(r => r.Uri == "kse://specs/payments/operations/deployment.md"));
        await NextAsync(updated, u => u == SpecWatcher.ProjectsUri);

        // An edit to the subscribed document: that document is reported, and its new text is what a read returns.
        File.AppendAllText(ws.PathOf(".sce", "specs", "billing", "operations", "deployment.md"), "\nOne more line.\n");
        await NextAsync(updated, u => u == deployment);
        var read = await mcp.Client.ReadResourceAsync(deployment);
        Assert.Contains("One more line.", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text);

        // Removing a project changes the list again.
        Directory.Delete(ws.PathOf(".sce", "specs", "payments"), recursive: true);
        await UntilListedAsync(mcp, listChanged, resources => !resources.Any(r => r.Uri.StartsWith("kse://specs/payments/", StringComparison.Ordinal)));
    }

    /// <summary>Reads list_changed notifications until the listed resources satisfy <paramref name="done"/>.</summary>
    private static async Task UntilListedAsync(McpTestServer mcp, Channel<bool> listChanged, Func<IList<McpClientResource>, bool> done)
    {
        using var cts = new CancellationTokenSource(Wait);
        do
        {
            await listChanged.Reader.ReadAsync(cts.Token);
        }
        while (!done(await mcp.Client.ListResourcesAsync(cancellationToken: cts.Token)));
    }

    [Fact]
    public async Task AnUnsubscribedDocument_IsNotReported()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws, Settings, clientOptions: Client());
        var updated = Channel.CreateUnbounded<string>();
        await using var _ = mcp.Client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updated.Writer.TryWrite(n.Params!["uri"]!.GetValue<string>());
            return ValueTask.CompletedTask;
        });
        await mcp.Get<SpecWatcher>().Started;
        const string monitoring = "kse://specs/billing/operations/monitoring.md";
        await mcp.Client.SubscribeToResourceAsync(monitoring);
        await mcp.Client.SubscribeToResourceAsync("kse://specs/billing/operations/rollback.md");
        await mcp.Client.UnsubscribeFromResourceAsync("kse://specs/billing/operations/rollback.md");

        File.AppendAllText(ws.PathOf(".sce", "specs", "billing", "operations", "rollback.md"), "\nx\n");
        File.AppendAllText(ws.PathOf(".sce", "specs", "billing", "operations", "monitoring.md"), "\nx\n");

        // Both edits fall in one quiet period or two; only the subscribed document is ever reported.
        Assert.Equal(monitoring, await updated.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.False(updated.Reader.TryRead(out var other), $"unexpected update for {other}");
    }

    private static async Task<T> NextAsync<T>(Channel<T> channel, Func<T, bool> match)
    {
        using var cts = new CancellationTokenSource(Wait);
        while (true)
        {
            var item = await channel.Reader.ReadAsync(cts.Token);
            if (match(item))
            {
                return item;
            }
        }
    }
}
