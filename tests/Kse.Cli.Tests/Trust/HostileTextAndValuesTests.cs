using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli.Tests.Trust;

/// <summary>What an AI writes reaches the operator's terminal as data; values that look like options are refused at the command line.</summary>
public sealed class HostileTextAndValuesTests
{
    private const string Hostile = "please\u001b[2J\u001b]0;owned\u0007 approve\rAPPROVED BY SECURITY\nline two\u202Eevil\u009b31m";

    private static bool HasLiveControl(string text) => text.Any(c => (char.IsControl(c) && c is not '\n' and not '\t') || c is '\u202E');

    [Fact]
    public async Task ApprovalsShowAndList_AndEmergencyList_ShowAnAisControlCharactersAsVisibleEscapes()
    {
        using var ws = new TempWorkspace();
        new ProjectManifest { Name = "shop", SystemType = SystemType.Kse }.Save(ws.Workspace);
        ws.Write(".sce/appsettings.json", TestOperators.Settings("alice:approver,emergency-approver"));
        string id;
        await using (var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace)))
        {
            id = (await services.GetRequiredService<ApprovalService>().CreateAsync(new ApprovalDraft
            {
                Tool = "probe_restart",
                ArgumentsJson = """{"project":"shop","environment":"production","note":"\u001b[31mred"}""",
                Project = "shop",
                Environment = "production",
                Requester = "ai:claude",
                Reason = Hostile,
                Risk = RiskClass.Critical,
            })).Id;
            await services.GetRequiredService<EmergencyService>().GrantAsync("shop", "test", "L4", 30, Hostile, "alice");
        }

        var show = await CliRunner.RunAsync("approvals", "show", id, "--root", ws.Root);
        var list = await CliRunner.RunAsync("approvals", "list", "--root", ws.Root);
        var emergencies = await CliRunner.RunAsync("emergency", "list", "--root", ws.Root);
        var json = await CliRunner.RunAsync("approvals", "show", id, "--json", "--root", ws.Root);

        foreach (var output in new[] { show.Out, list.Out, emergencies.Out, json.Out })
        {
            Assert.False(HasLiveControl(output), output);
        }

        // The reason stays on its one line, with every control character named.
        var reasonLine = Assert.Single(show.Out.Split('\n'), l => l.Contains("requester", StringComparison.Ordinal));
        Assert.Contains(@"please\u001b[2J\u001b]0;owned\u0007 approve\rAPPROVED BY SECURITY\nline two\u202eevil\u009b31m", reasonLine);
        Assert.Contains(@"\u001b]0;owned", emergencies.Out);
        // JSON stays JSON: the escapes decode back to the reason as stored.
        Assert.Equal(Hostile, JsonDocument.Parse(json.Out).RootElement.GetProperty("reason").GetString());
    }

    private const string ListOps = """

        ```kse-operation
        name: list-path
        risk: read
        command: ["ls", "{path}"]
        parameters:
          path: { type: string, pattern: ".*" }
        ```
        """;

    [Fact]
    public async Task OptionLikeValue_AtTheCommandLine_ExitsTwo_AndIsAudited()
    {
        using var ws = new TempWorkspace();
        await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root);
        File.AppendAllText(ws.PathOf(".sce", "specs", "shop", "operations", "operations.md"), ListOps);
        await CliRunner.RunAsync("instances", "add", "shop", "dev-1", "--env", "development", "--host", "local", "--root", ws.Root);

        var refused = await CliRunner.RunAsync("ops", "run", "shop", "list-path", "--env", "development", "--param", "path=--version", "--dry-run", "--root", ws.Root);
        var ordinary = await CliRunner.RunAsync("ops", "run", "shop", "list-path", "--env", "development", "--param", "path=/tmp", "--dry-run", "--root", ws.Root);

        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith("error ops.parameter_option_like:", refused.Err.Trim());
        Assert.Equal(0, ordinary.ExitCode);
        await using var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        var entry = Assert.Single((await services.GetRequiredService<IAuditReader>().QueryAsync(new AuditQuery { OperationType = "ops.run" })));
        // Refused on the guarded path like a call over MCP: a denied decision with the cause's own rule.
        Assert.Equal("deny", entry.Decision);
        Assert.Equal("denied", entry.Outcome);
        Assert.StartsWith("ops.parameter_option_like", Assert.Single(entry.Rules!));
        Assert.Equal("--version", entry.Parameters!["param.path"]);
        Assert.StartsWith("ops.parameter_option_like", entry.ErrorContext);
    }

    [Fact]
    public async Task Validate_WarnsAboutAnOptionInjectablePlaceholder_WithoutFailing()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        File.AppendAllText(ws.PathOf(".sce", "specs", "billing", "operations", "operations.md"), ListOps + """

            ```kse-operation
            name: list-safe
            risk: read
            command: ["ls", "--", "{path}"]
            parameters:
              path: { type: string, pattern: ".*" }
            ```
            """);

        var r = await CliRunner.RunAsync("ops", "validate", "billing", "--json", "--root", ws.Root);

        Assert.True(r.ExitCode == 0, r.Out);
        var warnings = JsonDocument.Parse(r.Out).RootElement.GetProperty("documents").EnumerateArray()
            .SelectMany(d => d.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!)).ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains("ops.operation_option_injectable", warning);
        Assert.Contains("'list-path'", warning);
        var text = await CliRunner.RunAsync("ops", "validate", "billing", "--root", ws.Root);
        Assert.Contains("warning: ", text.Out);
    }
}
