using System.Diagnostics;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli.Tests.Policy;

/// <summary>Real <c>kse</c> processes racing on one approval in one workspace.</summary>
public sealed class ApprovalProcessTests
{
    [Fact]
    public async Task ConcurrentApprovals_FromSeveralProcesses_ExactlyOneTakesEffect()
    {
        using var ws = new TempWorkspace();
        new ProjectManifest { Name = "web", SystemType = SystemType.Kse }.Save(ws.Workspace);
        ws.Write(".sce/appsettings.json", TestOperators.Settings("alice:approver", "bob:approver", "carol:approver", "dan:approver"));
        string id;
        await using (var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace)))
        {
            id = (await services.GetRequiredService<ApprovalService>().CreateAsync(new ApprovalDraft
            {
                Tool = "probe_drop",
                ArgumentsJson = "{}",
                Project = "web",
                Environment = "production",
                Requester = "ai:claude",
                Reason = "r",
                Risk = RiskClass.Critical,
            })).Id;
        }

        string[] operators = ["alice", "bob", "carol", "dan"];
        var runs = operators.Select(async op =>
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "kse.dll"), "approvals", op == "dan" ? "reject" : "approve", id, "--token-file", ws.TokenFile(op), "--root", ws.Root })
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            return (op, p.ExitCode, Err: await err);
        }).ToList();
        var results = await Task.WhenAll(runs);

        var winner = Assert.Single(results, r => r.ExitCode == 0);
        Assert.All(results.Where(r => r.ExitCode != 0), r =>
        {
            Assert.Equal(4, r.ExitCode);
            Assert.Contains("approval.not_pending", r.Err);
        });
        await using var after = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        var final = await after.GetRequiredService<ApprovalService>().GetAsync(id);
        Assert.Equal(winner.op, final.DecidedBy);
        Assert.Equal(winner.op == "dan" ? ApprovalState.Rejected : ApprovalState.Approved, final.State);
        var decisions = (await after.GetRequiredService<IAuditReader>().ReadChainAsync().ToListAsync()).Where(e => e.OperationType is "approval.approve" or "approval.reject").ToList();
        Assert.Equal(winner.op, Assert.Single(decisions).ActorName);
    }
}
