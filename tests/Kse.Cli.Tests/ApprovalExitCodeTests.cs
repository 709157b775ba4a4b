using Kse.Cli;
using Kse.Core.Approvals;
using Kse.Core.Policy;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli.Tests;

public sealed class ApprovalExitCodeTests
{
    private const string Ops = """

        ```kse-operation
        name: fail
        risk: critical
        command: [sh, -c, "exit 3"]
        ```

        ```kse-operation
        name: pass
        risk: critical
        command: ["true"]
        ```
        """;

    [Theory]
    [InlineData("fail", 1, "ran: failed")]
    [InlineData("pass", 0, "ran: succeeded")]
    public async Task Approve_ExitsOne_WhenTheApprovedRunFailed(string operation, int exit, string printed)
    {
        using var ws = new TempWorkspace();
        ws.Write(".sce/appsettings.json", TestOperators.Settings("alice:approver"));
        await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root);
        File.AppendAllText(ws.PathOf(".sce", "specs", "shop", "operations", "operations.md"), Ops);
        await CliRunner.RunAsync("instances", "add", "shop", "prod-1", "--env", "production", "--host", "local", "--root", ws.Root);
        string id;
        await using (var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace)))
        {
            id = (await services.GetRequiredService<ApprovalService>().CreateAsync(new ApprovalDraft
            {
                Tool = "ops_run",
                ArgumentsJson = $$"""{"environment":"production","instance":"prod-1","operation":"{{operation}}","project":"shop"}""",
                Project = "shop",
                Environment = "production",
                Instance = "prod-1",
                Requester = "ai:claude",
                Reason = "after the deploy",
                Risk = RiskClass.Critical,
            })).Id;
        }

        var r = await CliRunner.RunAsync("approvals", "approve", id, "--reason", "ok", "--token-file", ws.TokenFile("alice"), "--root", ws.Root);

        Assert.True(exit == r.ExitCode, r.Out + r.Err);
        Assert.Contains(printed, r.Out);
        Assert.DoesNotContain("approval_mismatch", r.Out);
    }
}
