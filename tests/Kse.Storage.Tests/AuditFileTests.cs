using Kse.Core.Audit;
using Kse.TestKit;

namespace Kse.Storage.Tests;

/// <summary>The trail's own file: where it lives, who may hold it, and the move out of kse.db.</summary>
public sealed class AuditFileTests : IDisposable
{
    private readonly TempWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task Append_WritesToAuditDb_AndLeavesKseDbAlone()
    {
        using (var db = new AuditDatabase(_ws.Workspace))
        using (var trail = new LiteDbAuditTrail(db, TimeProvider.System))
        {
            await trail.AppendAsync(AuditTrailTests.Draft(1));
        }

        Assert.True(File.Exists(_ws.Workspace.AuditDatabasePath));
        Assert.False(File.Exists(_ws.Workspace.DatabasePath));
        Assert.False(File.Exists(Path.Combine(_ws.Workspace.StateDir, "audit-log.db"))); // checkpointed and removed on close
    }

    [Fact]
    public async Task TwoHoldersInOneProcess_TakeTurns_AndExtendOneChain()
    {
        using var first = new AuditDatabase(_ws.Workspace);
        using var second = new AuditDatabase(_ws.Workspace);
        using var a = new LiteDbAuditTrail(first, TimeProvider.System);
        using var b = new LiteDbAuditTrail(second, TimeProvider.System);
        var appends = Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? a : b).AppendAsync(AuditTrailTests.Draft(i)).AsTask()).ToList();
        var entries = await Task.WhenAll(appends);

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), entries.Select(e => e.Sequence).Order());
        var chain = (await new LiteDbAuditReader(first).ReadChainAsync().ToListAsync()).ToList();
        Assert.True(AuditVerifier.Verify(chain).Intact);
        Assert.Equal(40, chain.Count);
    }

    [Fact]
    public async Task AFailedOpen_LetsTheLockGo()
    {
        var garbage = new byte[20_000];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(_ws.Workspace.DatabasePath, garbage); // the old trail cannot be read, so the open fails

        using var db = new AuditDatabase(_ws.Workspace);
        Assert.ThrowsAny<Exception>(() => db.Acquire().Dispose());

        // Nothing holds the lock now: once the unreadable file is gone, both this instance and another open at once.
        File.Delete(_ws.Workspace.DatabasePath);
        using var other = new AuditDatabase(_ws.Workspace);
        using (var trail = new LiteDbAuditTrail(other, TimeProvider.System))
        {
            Assert.Equal(1, (await trail.AppendAsync(AuditTrailTests.Draft(1))).Sequence);
        }

        other.Dispose();
        Assert.Single((await new LiteDbAuditReader(db).ReadChainAsync().ToListAsync()));
    }

    [Fact]
    public async Task ATrailKeptInKseDb_IsMovedIntoAuditDb_OnFirstOpen_AndTheChainContinues()
    {
        // A workspace written before the trail had its own file: five entries in kse.db's "audit" collection.
        using (var legacy = new KseDatabase(_ws.Workspace))
        {
            AuditHead? head = null;
            var col = legacy.Database.GetCollection(LiteDbAuditTrail.CollectionName);
            for (var i = 1; i <= 5; i++)
            {
                var e = AuditSealer.Seal(AuditSealer.Prepare(AuditTrailTests.Draft(i)), head, new DateTimeOffset(2026, 11, 25, 8, 0, i, TimeSpan.Zero));
                head = new AuditHead(e.Sequence, e.Hash, e.Timestamp);
                col.Insert(AuditDocuments.ToDocument(e));
            }
        }

        using (var db = new AuditDatabase(_ws.Workspace))
        {
            Assert.Equal(5, (await new LiteDbAuditReader(db).ReadChainAsync().ToListAsync()).Count());
            using var trail = new LiteDbAuditTrail(db, TimeProvider.System);
            var sixth = await trail.AppendAsync(AuditTrailTests.Draft(6));
            Assert.Equal(6, sixth.Sequence);
            var chain = (await new LiteDbAuditReader(db).ReadChainAsync().ToListAsync()).ToList();
            Assert.True(AuditVerifier.Verify(chain).Intact);
        }

        using (var legacy = new KseDatabase(_ws.Workspace))
        {
            Assert.False(legacy.Database.CollectionExists(LiteDbAuditTrail.CollectionName));
        }
    }
}
