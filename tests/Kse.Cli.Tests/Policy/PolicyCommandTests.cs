using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli.Tests.Policy;

public sealed class PolicyCommandTests
{
    // dana has no role: she may set levels (any operator may), not approve or grant.
    private static readonly string OperatorsJson = TestOperators.Settings("alice:approver,emergency-approver", "bob:approver", "dana");

    private static TempWorkspace Workspace()
    {
        var ws = new TempWorkspace();
        new ProjectManifest { Name = "shop", SystemType = SystemType.Existing }.Save(ws.Workspace);
        new ProjectManifest { Name = "web", SystemType = SystemType.Kse }.Save(ws.Workspace);
        ws.Write(".sce/appsettings.json", OperatorsJson);
        return ws;
    }

    private static Task<CliRunner.Result> Kse(TempWorkspace ws, params string[] args) => CliRunner.RunAsync([.. args, "--root", ws.Root]);

    [Theory]
    [InlineData(4, "policy.level_above_cap", "takeover", "set", "shop", "--env", "production", "--level", "L4", "--reason", "try")]
    [InlineData(2, "policy.reason_required", "takeover", "set", "shop", "--env", "production", "--level", "L2")]
    [InlineData(2, "policy.environment_unknown", "takeover", "set", "shop", "--env", "prod-eu", "--level", "L2", "--reason", "x")]
    [InlineData(2, "policy.level_unknown", "takeover", "set", "shop", "--env", "production", "--level", "L7", "--reason", "x")]
    [InlineData(3, "spec.project_not_found", "takeover", "set", "nope", "--env", "production", "--level", "L2", "--reason", "x")]
    [InlineData(2, "policy.risk_unknown", "policy", "explain", "--project", "shop", "--env", "test", "--operation", "x", "--risk", "scary")]
    [InlineData(3, "spec.project_not_found", "policy", "explain", "--project", "nope", "--env", "test", "--operation", "x", "--risk", "read")]
    [InlineData(3, "policy.instance_unknown", "policy", "explain", "--project", "shop", "--env", "test", "--operation", "x", "--risk", "read", "--instance", "shop-9")]
    public async Task Refusals_HaveTheirExitCodeAndOneErrorLine(int exit, string code, params string[] args)
    {
        using var ws = Workspace();
        var r = await Kse(ws, args[0] == "takeover" ? [.. args, "--token-file", ws.TokenFile("dana")] : args);
        Assert.Equal(exit, r.ExitCode);
        Assert.StartsWith($"error {code}:", r.Err.Trim());
    }

    [Fact]
    public async Task TakeoverSet_ThenShow_ReportsTheLevelWhoAndWhy()
    {
        using var ws = Workspace();
        var set = await Kse(ws, "takeover", "set", "shop", "--env", "test", "--level", "L3", "--reason", "two clean weeks", "--token-file", ws.TokenFile("dana"), "--json");
        Assert.Equal(0, set.ExitCode);
        using var change = JsonDocument.Parse(set.Out);
        Assert.Equal("L1", change.RootElement.GetProperty("from").GetString());
        Assert.Equal("L3", change.RootElement.GetProperty("to").GetString());
        var show = await Kse(ws, "takeover", "show", "shop", "--env", "test", "--json");
        using var doc = JsonDocument.Parse(show.Out);
        var env = Assert.Single(doc.RootElement.GetProperty("environments").EnumerateArray().ToList());
        Assert.Equal("L3", env.GetProperty("effectiveLevel").GetString());
        Assert.Equal("dana", env.GetProperty("setBy").GetString());
        Assert.Equal("two clean weeks", env.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("shop", "production", "critical", "queue_for_approval")]
    [InlineData("shop", "production", "read", "run")]
    [InlineData("shop", "development", "normal", "observe_only")]
    [InlineData("web", "development", "normal", "run")]
    [InlineData("web", "development", "critical", "queue_for_approval")]
    [InlineData("web", "production", "normal", "queue_for_approval")]
    [InlineData("web", "test", "critical", "queue_for_approval")]
    public async Task PolicyExplain_PrintsTheDecisionAndTheRules(string project, string env, string risk, string decision)
    {
        using var ws = Workspace();
        Assert.Equal(0, (await Kse(ws, "takeover", "set", "shop", "--env", "production", "--level", "L2", "--reason", "r", "--token-file", ws.TokenFile("dana"))).ExitCode);
        var r = await Kse(ws, "policy", "explain", "--project", project, "--env", env, "--operation", "restart-service", "--risk", risk, "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(decision, doc.RootElement.GetProperty("decision").GetString());
        Assert.StartsWith("decide.", doc.RootElement.GetProperty("rules").EnumerateArray().Last().GetProperty("id").GetString());
        var text = await Kse(ws, "policy", "explain", "--project", project, "--env", env, "--operation", "restart-service", "--risk", risk);
        Assert.StartsWith(decision + ":", text.Out);
    }

    [Fact]
    public async Task EmergencyGrant_ByAnEmergencyApprover_RaisesTheLevel_ListAndRevoke()
    {
        using var ws = Workspace();
        Assert.Equal(4, (await Kse(ws, "emergency", "grant", "shop", "--env", "test", "--level", "L3", "--reason", "inc", "--token-file", ws.TokenFile("bob"))).ExitCode);
        Assert.Equal(4, (await Kse(ws, "emergency", "grant", "shop", "--env", "test", "--level", "L3", "--reason", "inc", "--token-file", ws.TokenFile("mallory"))).ExitCode);
        Assert.Equal(2, (await Kse(ws, "emergency", "grant", "shop", "--env", "test", "--level", "L3", "--minutes", "300", "--reason", "inc", "--token-file", ws.TokenFile("alice"))).ExitCode);
        Assert.Equal(4, (await Kse(ws, "emergency", "grant", "shop", "--env", "production", "--level", "L3", "--reason", "inc", "--token-file", ws.TokenFile("alice"))).ExitCode);
        var grant = await Kse(ws, "emergency", "grant", "shop", "--env", "test", "--level", "L3", "--reason", "INC-42", "--token-file", ws.TokenFile("alice"), "--json");
        Assert.Equal(0, grant.ExitCode);
        var id = JsonDocument.Parse(grant.Out).RootElement.GetProperty("id").GetString()!;
        var explain = await Kse(ws, "policy", "explain", "--project", "shop", "--env", "test", "--operation", "restart", "--risk", "normal", "--json");
        Assert.Contains("\"run\"", explain.Out);
        var list = await Kse(ws, "emergency", "list", "--json");
        Assert.Contains(id, list.Out);
        Assert.Equal(0, (await Kse(ws, "emergency", "revoke", id, "--reason", "fixed", "--token-file", ws.TokenFile("alice"))).ExitCode);
        Assert.Contains("observe_only", (await Kse(ws, "policy", "explain", "--project", "shop", "--env", "test", "--operation", "restart", "--risk", "normal", "--json")).Out);
    }

    [Fact]
    public async Task Approvals_ListShowApproveReject_ByOperatorsOnly()
    {
        using var ws = Workspace();
        string first, second;
        await using (var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace)))
        {
            var approvals = services.GetRequiredService<ApprovalService>();
            ApprovalDraft Draft(string requester) => new()
            {
                Tool = "probe_restart", // a tool without an in-process executor: approval leaves it approved
                ArgumentsJson = """{"operation":"restart","project":"web","environment":"production"}""",
                Project = "web",
                Environment = "production",
                Requester = requester,
                Reason = "restart after deploy",
                Risk = RiskClass.Normal,
            };
            first = (await approvals.CreateAsync(Draft("ai:claude"))).Id;
            second = (await approvals.CreateAsync(Draft("user:bob"))).Id;
        }

        var list = await Kse(ws, "approvals", "list", "--state", "pending", "--json");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(2, JsonDocument.Parse(list.Out).RootElement.GetProperty("approvals").GetArrayLength());
        var show = await Kse(ws, "approvals", "show", first);
        Assert.Contains("binding     sha256:", show.Out);
        Assert.Equal(4, (await Kse(ws, "approvals", "approve", first, "--token-file", ws.TokenFile("mallory"))).ExitCode);
        var self = await Kse(ws, "approvals", "approve", second, "--token-file", ws.TokenFile("bob"));
        Assert.Equal(4, self.ExitCode);
        Assert.StartsWith("error approval.self_approval:", self.Err);
        var ok = await Kse(ws, "approvals", "approve", first, "--token-file", ws.TokenFile("bob"), "--reason", "checked", "--json");
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal("approved", JsonDocument.Parse(ok.Out).RootElement.GetProperty("state").GetString());
        Assert.Equal(4, (await Kse(ws, "approvals", "approve", first, "--token-file", ws.TokenFile("alice"))).ExitCode);
        Assert.Equal(0, (await Kse(ws, "approvals", "reject", second, "--token-file", ws.TokenFile("alice"), "--reason", "not now")).ExitCode);
        Assert.Equal(3, (await Kse(ws, "approvals", "show", "apr-000000000000")).ExitCode);
        Assert.Equal(2, (await Kse(ws, "approvals", "list", "--state", "maybe")).ExitCode);
    }
}
