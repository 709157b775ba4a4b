using Kse.Cli;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.Server.Policy;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kse.Server.Tests.Policy;

public sealed class ProgressionSweeperTests
{
    [Fact]
    public async Task Sweep_DemotesOutcomesWrittenByAnotherProcess_AndIsPartOfTheServer()
    {
        using var ws = new TempWorkspace();
        new ProjectManifest { Name = "web", SystemType = SystemType.Kse }.Save(ws.Workspace);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddKse(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        services.AddSingleton<TimeProvider>(clock);
        services.AddKseMcpServer();
        await using var provider = services.BuildServiceProvider();
        Assert.Contains(provider.GetServices<IHostedService>(), s => s is ProgressionSweeper);

        // As 'kse ops run' in another process would leave them: outcomes, no check yet.
        var audit = provider.GetRequiredService<IAuditTrail>();
        for (var i = 0; i < 10; i++)
        {
            await audit.AppendAsync(new AuditDraft { Actor = Actor.OsUser("dana"), OperationType = "ops.run", Project = "web", Environment = "pre-production", Target = "restart@web-pp-1", Outcome = i < 2 ? "failed" : "succeeded" });
        }

        var sweeper = new ProgressionSweeper(provider.GetRequiredService<ProgressionService>(), clock, NullLogger<ProgressionSweeper>.Instance);
        Assert.Equal(1, await sweeper.SweepOnceAsync(CancellationToken.None));
        Assert.Equal(TakeoverLevel.L2, (await provider.GetRequiredService<ITakeoverStore>().GetLevelAsync("web", EnvironmentKind.PreProduction))!.Level);
        Assert.Equal(0, await sweeper.SweepOnceAsync(CancellationToken.None));
    }
}
