using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Kse.Core.Learning;
using Kse.Core.Policy;
using Kse.Storage.Approvals;
using Kse.Storage.Feedback;
using Kse.Storage.Learning;
using Kse.Storage.Policy;
using Kse.Storage.Rollouts;
using Kse.TestKit;

namespace Kse.Storage.Tests;

/// <summary>Every store names a file it cannot read as <c>store.unreadable</c> (exit 2) itself; no face has to guess.</summary>
public sealed class UnreadableStoreTests : IDisposable
{
    private readonly TempWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private void Damage(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var garbage = new byte[20_000];
        new Random(3).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);
    }

    private static async Task AssertUnreadable(Func<Task> use, string named)
    {
        var ex = await Assert.ThrowsAsync<KseException>(use);
        Assert.Equal("store.unreadable", ex.Code);
        Assert.Equal(2, ex.ExitCode);
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public async Task StateStores_OnADamagedKseDb_ThrowStoreUnreadable_NamingTheFile()
    {
        Damage(_ws.Workspace.DatabasePath);
        using var db = new KseDatabase(_ws.Workspace);

        await AssertUnreadable(async () => await new LiteTakeoverStore(db).GetLevelAsync("web", EnvironmentKind.Test), ".sce/state/kse.db");
        await AssertUnreadable(async () => await new LiteApprovalStore(db).ListAsync(), ".sce/state/kse.db");
        await AssertUnreadable(async () => await new LiteRolloutStore(db).ListAsync(10), ".sce/state/kse.db");
        await AssertUnreadable(async () => await new LiteFeedbackStore(db).ListAsync(new FeedbackQuery()), ".sce/state/kse.db");
    }

    [Fact]
    public async Task ObservationStore_OnADamagedFile_ThrowsStoreUnreadable()
    {
        var path = LiteObservationStore.PathIn(_ws.Workspace);
        Damage(path);
        using var store = new LiteObservationStore(path);

        await AssertUnreadable(async () => await store.ListAsync(new ObservationQuery { Project = "web" }), "observations.db");
    }

    [Fact]
    public async Task AuditReader_OnADamagedAuditDb_ThrowsStoreUnreadable()
    {
        Damage(_ws.Workspace.AuditDatabasePath);
        using var db = new AuditDatabase(_ws.Workspace);
        var reader = new LiteDbAuditReader(db);

        await AssertUnreadable(async () => await reader.QueryAsync(new AuditQuery()), ".sce/state/audit.db");
        await AssertUnreadable(async () => await reader.ReadChainAsync().ToListAsync(), ".sce/state/audit.db");
    }
}
