using Kse.Cli;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.Server.Policy;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kse.Server.Tests.Policy;

public sealed class ExpirySweeperTests
{
    [Fact]
    public async Task Sweeper_ExpiresAnApprovalPastItsTtl_AndAuditsIt_WithoutAnyoneReadingTheQueue()
    {
        using var ws = new TempWorkspace();
        new ProjectManifest { Name = "web", SystemType = SystemType.Kse }.Save(ws.Workspace);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddKse(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        services.AddSingleton<TimeProvider>(clock);
        await using var provider = services.BuildServiceProvider();
        var approvals = provider.GetRequiredService<ApprovalService>();
        var a = await approvals.CreateAsync(new ApprovalDraft
        {
            Tool = "probe_drop",
            ArgumentsJson = "{}",
            Project = "web",
            Environment = "development",
            Requester = "ai:test",
            Reason = "r",
            Risk = RiskClass.Critical,
        });
        var expired = new TaskCompletionSource<ApprovalRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        approvals.Changed += x =>
        {
            if (x.State == ApprovalState.Expired)
            {
                expired.TrySetResult(x);
            }
        };

        using var sweeper = new ExpirySweeper(approvals, provider.GetRequiredService<EmergencyService>(), clock, NullLogger<ExpirySweeper>.Instance);
        await sweeper.StartAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(24) + ExpirySweeper.Interval);
        Assert.Equal(a.Id, (await expired.Task.WaitAsync(TimeSpan.FromSeconds(30))).Id);
        await sweeper.StopAsync(CancellationToken.None);
        Assert.Contains((await provider.GetRequiredService<IAuditReader>().ReadChainAsync().ToListAsync()), e => e.OperationType == "approval.expire" && e.Parameters!["approvalId"] == a.Id);
    }
}
