using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Policy;

public sealed class PolicyInterceptionTests
{
    private static readonly Dictionary<string, string?> Operators = new()
    {
        ["Kse:Operators:0:Name"] = "bob",
        ["Kse:Operators:0:Roles:0"] = "approver",
        ["Kse:Operators:1:Name"] = "alice",
        ["Kse:Operators:1:Roles:0"] = "approver",
        ["Kse:Operators:1:Roles:1"] = "emergency-approver",
    };

    private static async Task<McpTestServer> StartAsync(TempWorkspace ws, Action<IServiceCollection>? configure = null, string? protocolVersion = null)
    {
        new ProjectManifest { Name = "shop", SystemType = SystemType.Existing }.Save(ws.Workspace);
        new ProjectManifest
        {
            Name = "web",
            SystemType = SystemType.Kse,
            Instances =
            [
                new ProjectInstance { Id = "web-1", Environment = EnvironmentKind.Development, Host = "local" },
                new ProjectInstance { Id = "web-prod-1", Environment = EnvironmentKind.Production, Host = "deploy@web-prod-1.internal" },
            ],
        }.Save(ws.Workspace);
        return await McpTestServer.StartAsync(ws, Operators, services =>
        {
            services.AddSingleton<ProbeLog>();
            services.AddMcpServer().WithTools<ProbeTools>();
            configure?.Invoke(services);
        },
        protocolVersion is null ? null : new ModelContextProtocol.Client.McpClientOptions { ClientInfo = new() { Name = "kse-tests", Version = "1.0" }, ProtocolVersion = protocolVersion });
    }

    private static Dictionary<string, object?> Args(string project, string environment, params (string Key, object? Value)[] more)
    {
        var d = new Dictionary<string, object?> { ["project"] = project, ["environment"] = environment };
        foreach (var (k, v) in more)
        {
            d[k] = v;
        }

        return d;
    }

    private static JsonElement Structured(CallToolResult r) => JsonSerializer.SerializeToElement(r.StructuredContent);

    private static async Task<List<AuditEntry>> AuditAsync(McpTestServer mcp) => (await mcp.Get<IAuditReader>().ReadChainAsync().ToListAsync()).ToList();

    [Fact]
    public async Task NormalCall_AtL3_Runs_WithTheDecisionAuditedBeforeTheBodyAndTheOutcomeAfter()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var result = await mcp.Client.CallToolAsync("probe_restart", Args("web", "development", ("instance", "web-1")));
        Assert.NotEqual(true, result.IsError);
        var run = Assert.Single(mcp.Get<ProbeLog>().Runs);
        var calls = (await AuditAsync(mcp)).Where(e => e.OperationType == "tool.call" && e.Target == "probe_restart").ToList();
        Assert.Equal(2, calls.Count);
        var (decision, outcome) = (calls[0], calls[1]);
        Assert.Equal("run", decision.Decision);
        Assert.Equal("decided", decision.Outcome);
        Assert.Equal("succeeded", outcome.Outcome);
        Assert.Equal(decision.CorrelationId, outcome.CorrelationId);
        Assert.True(run.AuditHeadAtRun >= decision.Sequence, "the decision entry was in the trail when the body ran");
        Assert.True(outcome.Sequence > run.AuditHeadAtRun, "the outcome entry was written after the body ran");
        Assert.Equal("ai", decision.ActorKind);
        Assert.Equal("kse-tests", decision.ActorName);
        Assert.Equal("L3", decision.TakeoverLevel);
        Assert.Contains(decision.Rules!, r => r.StartsWith("decide.l3_normal_runs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task QueuedCall_ReturnsPendingApprovalAtOnce_AndDoesNotRun()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var result = await mcp.Client.CallToolAsync("probe_drop", Args("web", "development"));
        Assert.NotEqual(true, result.IsError);
        var s = Structured(result);
        Assert.Equal("pending_approval", s.GetProperty("status").GetString());
        var id = s.GetProperty("approvalId").GetString()!;
        Assert.StartsWith("apr-", id);
        Assert.True(s.TryGetProperty("expiresAt", out _));
        Assert.Empty(mcp.Get<ProbeLog>().Runs);
        var approval = await mcp.Get<ApprovalService>().GetAsync(id);
        Assert.Equal(ApprovalState.Pending, approval.State);
        Assert.Equal("ai:kse-tests", approval.Requester);
        Assert.Equal("""{"environment":"development","project":"web"}""", approval.ArgumentsJson);
        var decision = Assert.Single((await AuditAsync(mcp)), e => e.OperationType == "tool.call");
        Assert.Equal("queue_for_approval", decision.Decision);
        Assert.Equal("queued", decision.Outcome);
    }

    [Fact]
    public async Task ObserveOnly_AtL1_IsRecorded_NotRun()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var result = await mcp.Client.CallToolAsync("probe_restart", Args("shop", "development"));
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("observed", Structured(result).GetProperty("status").GetString());
        Assert.Empty(mcp.Get<ProbeLog>().Runs);
        Assert.Equal("observe_only", Assert.Single((await AuditAsync(mcp)), e => e.OperationType == "tool.call").Decision);
    }

    [Fact]
    public async Task FailedAuditAppend_StopsTheTool_AndReturnsAnError()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws, s => s.AddSingleton<IAuditTrail, FailingAuditTrail>());
        var result = await mcp.Client.CallToolAsync("probe_restart", Args("web", "development"));
        Assert.True(result.IsError);
        Assert.Contains("audit.unavailable", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Empty(mcp.Get<ProbeLog>().Runs);

        // A read changes nothing; its one entry is written before its result goes out, and without it the result is withheld.
        var read = await mcp.Client.CallToolAsync("probe_read", new Dictionary<string, object?>());
        Assert.True(read.IsError);
        Assert.Contains("audit.unavailable", Assert.IsType<TextContentBlock>(Assert.Single(read.Content)).Text);
        Assert.DoesNotContain(mcp.Get<ProbeLog>().Runs, r => r.Tool != "probe_read");
    }

    [Fact]
    public async Task ReadTool_RunsAtEveryLevel_AndIsAudited()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var result = await mcp.Client.CallToolAsync("probe_read", new Dictionary<string, object?>());
        Assert.NotEqual(true, result.IsError);
        Assert.Single(mcp.Get<ProbeLog>().Runs);
        // One durable entry per read (decision and outcome), written before the result is handed out.
        var entry = Assert.Single((await AuditAsync(mcp)), e => e.Target == "probe_read");
        Assert.Equal(("run", "succeeded"), (entry.Decision, entry.Outcome));
        Assert.StartsWith("decide.read_runs", Assert.Single(entry.Rules!));
    }

    [Theory]
    [InlineData("probe_unclassified", "declares no risk class")]
    [InlineData("probe_restart", "must name 'project' and 'environment'")]
    public async Task UnclassifiedTool_OrMissingScope_IsDenied(string tool, string message)
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var result = await mcp.Client.CallToolAsync(tool, new Dictionary<string, object?>());
        Assert.True(result.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.StartsWith("error policy.denied:", text);
        Assert.Contains(message, text);
        Assert.Empty(mcp.Get<ProbeLog>().Runs);
        Assert.Equal("deny", Assert.Single((await AuditAsync(mcp)), e => e.OperationType == "tool.call").Decision);
    }

    [Theory]
    [InlineData("nope", "development")]
    [InlineData("web", "prod-eu")]
    public async Task UnknownProjectOrEnvironment_IsDenied(string project, string env)
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var result = await mcp.Client.CallToolAsync("probe_restart", Args(project, env));
        Assert.True(result.IsError);
        Assert.StartsWith("error policy.denied:", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Empty(mcp.Get<ProbeLog>().Runs);
    }

    [Theory]
    [InlineData("web-prod-1", "input.instance_environment_mismatch")]
    [InlineData("web-9", "input.instance_unknown")]
    public async Task InstanceOfAnotherEnvironment_OrUnknownInstance_IsDenied(string instance, string rule)
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var result = await mcp.Client.CallToolAsync("probe_restart", Args("web", "development", ("instance", instance)));
        Assert.True(result.IsError);
        Assert.Empty(mcp.Get<ProbeLog>().Runs);
        var denied = Assert.Single((await AuditAsync(mcp)), e => e.OperationType == "tool.call");
        Assert.Equal("deny", denied.Decision);
        Assert.StartsWith(rule, Assert.Single(denied.Rules!));
    }

    [Fact]
    public async Task NonStringInstance_IsDenied()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var result = await mcp.Client.CallToolAsync("probe_restart", Args("web", "development", ("instance", 7)));
        Assert.True(result.IsError);
        Assert.Empty(mcp.Get<ProbeLog>().Runs);
        // Argument types are checked against the tool's schema before anything else reads them.
        var rule = Assert.Single(Assert.Single((await AuditAsync(mcp)), e => e.OperationType == "tool.call").Rules!);
        Assert.StartsWith("input.argument_invalid", rule);
        Assert.Contains("'instance'", rule);
    }

    [Fact]
    public async Task LevelChange_ByTheCommandLine_AppliesToTheNextCall()
    {
        using var ws = new TempWorkspace();
        ws.Write(".sce/appsettings.json", TestOperators.Settings("olga"));
        await using var mcp = await StartAsync(ws);
        Assert.Equal("observed", Structured(await mcp.Client.CallToolAsync("probe_restart", Args("shop", "test"))).GetProperty("status").GetString());
        var code = await Kse.Cli.KseCli.RunAsync(["takeover", "set", "shop", "--env", "test", "--level", "L3", "--reason", "clean weeks", "--token-file", ws.TokenFile("olga"), "--root", ws.Root], TextWriter.Null, TextWriter.Null);
        Assert.Equal(0, code);
        var run = await mcp.Client.CallToolAsync("probe_restart", Args("shop", "test"));
        Assert.NotEqual(true, run.IsError);
        Assert.Single(mcp.Get<ProbeLog>().Runs);
    }

    [Fact]
    public async Task ToolFailure_IsAuditedAsFailed()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var result = await mcp.Client.CallToolAsync("probe_failing", Args("web", "development"));
        Assert.True(result.IsError);
        var outcome = (await AuditAsync(mcp)).Last(e => e.Target == "probe_failing");
        Assert.Equal("failed", outcome.Outcome);
    }

    [Fact]
    public async Task ApprovedCall_RunsExactlyOnce_WhenRepeated_AndAChangedCallQueuesAgain()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var first = Structured(await mcp.Client.CallToolAsync("probe_drop", Args("web", "development")));
        var id = first.GetProperty("approvalId").GetString()!;
        var approvals = mcp.Get<ApprovalService>();
        await approvals.ApproveAsync(id, "bob", "fine");

        var changed = Structured(await mcp.Client.CallToolAsync("probe_drop", Args("web", "test")));
        Assert.Equal("pending_approval", changed.GetProperty("status").GetString());
        Assert.Empty(mcp.Get<ProbeLog>().Runs);

        var run = await mcp.Client.CallToolAsync("probe_drop", Args("web", "development"));
        Assert.NotEqual(true, run.IsError);
        Assert.Single(mcp.Get<ProbeLog>().Runs);
        var done = await approvals.GetAsync(id);
        Assert.Equal(ApprovalState.Executed, done.State);
        Assert.Equal("succeeded", done.Outcome);

        var again = Structured(await mcp.Client.CallToolAsync("probe_drop", Args("web", "development")));
        Assert.Equal("pending_approval", again.GetProperty("status").GetString());
        Assert.Single(mcp.Get<ProbeLog>().Runs);
    }

    [Fact]
    public async Task ApprovalStatus_AndTheSubscribableResource_FollowTheApproval()
    {
        using var ws = new TempWorkspace();

        // resources/subscribe is the subscription RPC up to protocol 2025-11-25 (later revisions use subscriptions/listen).
        await using var mcp = await StartAsync(ws, protocolVersion: "2025-11-25");
        var queued = Structured(await mcp.Client.CallToolAsync("probe_drop", Args("web", "development")));
        var id = queued.GetProperty("approvalId").GetString()!;
        var uri = $"kse://approvals/{id}";
        var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await mcp.Client.SubscribeToResourceAsync(uri, (p, _) =>
        {
            updated.TrySetResult(p.Uri);
            return ValueTask.CompletedTask;
        });

        var status = Structured(await mcp.Client.CallToolAsync("approval_status", new Dictionary<string, object?> { ["approvalId"] = id }));
        Assert.Equal("pending", status.GetProperty("status").GetString());

        await mcp.Get<ApprovalService>().ApproveAsync(id, "bob", null);
        Assert.Equal(uri, await updated.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var read = await mcp.Client.ReadResourceAsync(uri);
        Assert.Contains("\"approved\"", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text);
    }

    [Fact]
    public async Task OnProtocol20260728_AListenStreamForTheApprovalUri_IsToldWhenItChanges()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var queued = Structured(await mcp.Client.CallToolAsync("probe_drop", Args("web", "development")));
        var uri = queued.GetProperty("resource").GetString()!;
        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var updated = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onAck = mcp.Client.RegisterNotificationHandler(NotificationMethods.SubscriptionsAcknowledgedNotification, (_, _) =>
        {
            acknowledged.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await using var onUpdate = mcp.Client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updated.TrySetResult(n.Params?["uri"]?.GetValue<string>());
            return ValueTask.CompletedTask;
        });
        using var listening = new CancellationTokenSource();
        var listen = mcp.Client.SendRequestAsync(
            new JsonRpcRequest
            {
                Method = RequestMethods.SubscriptionsListen,
                Params = JsonSerializer.SerializeToNode(new { notifications = new { resourceSubscriptions = new[] { uri } } }),
            },
            listening.Token);
        await acknowledged.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await mcp.Get<ApprovalService>().ApproveAsync(queued.GetProperty("approvalId").GetString()!, "bob", null);

        Assert.Equal(uri, await updated.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await listening.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listen);
    }

    [Fact]
    public async Task EmergencyRequest_OnlyQueues_AndNoToolCanApproveRejectOrGrant()
    {
        using var ws = new TempWorkspace();
        await using var mcp = await StartAsync(ws);
        var tools = await mcp.Client.ListToolsAsync();
        Assert.DoesNotContain(tools, t => t.Name.Contains("approve", StringComparison.OrdinalIgnoreCase) || t.Name.Contains("reject", StringComparison.OrdinalIgnoreCase) || t.Name.Contains("grant", StringComparison.OrdinalIgnoreCase));
        var r = Structured(await mcp.Client.CallToolAsync("emergency_request", new Dictionary<string, object?>
        {
            ["project"] = "shop",
            ["environment"] = "pre-production",
            ["level"] = "L3",
            ["reason"] = "checkout down",
        }));
        Assert.Equal("pending_approval", r.GetProperty("status").GetString());
        Assert.Equal(TakeoverLevel.L1, Assert.Single((await mcp.Get<PolicyService>().ShowAsync("shop", "pre-production")).Environments).EffectiveLevel);
        var approved = await mcp.Get<ApprovalService>().ApproveAsync(r.GetProperty("requestId").GetString()!, "alice", "ok");
        Assert.Equal(ApprovalState.Executed, approved.State);
        Assert.Equal(TakeoverLevel.L3, Assert.Single((await mcp.Get<PolicyService>().ShowAsync("shop", "pre-production")).Environments).EffectiveLevel);
    }
}
