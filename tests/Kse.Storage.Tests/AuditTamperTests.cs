using Kse.Core.Audit;
using Kse.TestKit;
using LiteDB;
using Microsoft.Extensions.Time.Testing;

namespace Kse.Storage.Tests;

/// <summary>Someone with write access to kse.db (audit.db) edits it directly; verify names what was done and where.</summary>
public sealed class AuditTamperTests : IDisposable
{
    private readonly TempWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private async Task SeedAsync(int count)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        using var db = new AuditDatabase(_ws.Workspace);
        using var trail = new LiteDbAuditTrail(db, clock);
        for (var i = 1; i <= count; i++)
        {
            await trail.AppendAsync(AuditTrailTests.Draft(i));
            clock.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private void Tamper(Action<ILiteCollection<BsonDocument>> edit)
    {
        using var raw = new LiteDatabase(new ConnectionString { Filename = _ws.Workspace.AuditDatabasePath, Connection = ConnectionType.Direct });
        edit(raw.GetCollection("audit"));
    }

    private async Task<AuditVerifyResult> VerifyAsync(AuditCheckpoint? checkpoint = null)
    {
        using var db = new AuditDatabase(_ws.Workspace);
        return AuditVerifier.Verify((await new LiteDbAuditReader(db).WalkChainAsync().ToListAsync()).ToList(), checkpoint);
    }

    private async Task<AuditCheckpoint> CheckpointAsync()
    {
        using var db = new AuditDatabase(_ws.Workspace);
        var head = (await new LiteDbAuditReader(db).HeadAsync())!;
        return new AuditCheckpoint { Sequence = head.Sequence, HeadHash = head.Hash, CreatedAt = DateTimeOffset.UnixEpoch };
    }

    [Fact]
    public async Task Verify_IsIntact_ForAnUntouchedStore()
    {
        await SeedAsync(10);
        var r = await VerifyAsync(await CheckpointAsync());
        Assert.True(r.Intact);
        Assert.Equal(10, r.Entries);
        Assert.True(r.Checkpoint!.Matches);
    }

    [Fact]
    public async Task Verify_NamesModified_WhenAFieldIsEditedInTheFile()
    {
        await SeedAsync(10);
        Tamper(c =>
        {
            var d = c.FindById(5);
            d["outcome"] = "failed";
            c.Update(d);
        });
        AssertFault(await VerifyAsync(), 5, AuditFaultKind.Modified);
    }

    [Fact]
    public async Task Verify_NamesDeleted_WhenAnEntryIsRemoved()
    {
        await SeedAsync(10);
        Tamper(c => c.Delete(5));
        AssertFault(await VerifyAsync(), 5, AuditFaultKind.Deleted);
    }

    [Fact]
    public async Task Verify_NamesInserted_WhenAForgedEntryIsSlippedIn()
    {
        await SeedAsync(10);
        Tamper(c =>
        {
            // A forged copy of entry 5 with a different target, correctly hashed, stored between 5 and 6.
            var original = AuditDocuments.FromDocument(c.FindById(5));
            var forged = original with { Target = "drop-database" };
            forged = forged with { Hash = AuditCanonical.ComputeHash(forged) };
            var doc = AuditDocuments.ToDocument(forged);
            doc["_id"] = 5.5;
            c.Insert(doc);
        });
        AssertFault(await VerifyAsync(), 5, AuditFaultKind.Inserted);
    }

    [Fact]
    public async Task Verify_NamesReordered_WhenTwoEntriesSwapPlaces()
    {
        await SeedAsync(10);
        Tamper(c =>
        {
            var five = c.FindById(5);
            var six = c.FindById(6);
            five["_id"] = 6;
            six["_id"] = 5;
            c.Update(five);
            c.Update(six);
        });
        AssertFault(await VerifyAsync(), 5, AuditFaultKind.Reordered);
    }

    [Fact]
    public async Task Verify_NamesTruncated_AgainstACheckpoint_WhenTheTailIsCutOff()
    {
        await SeedAsync(10);
        var cp = await CheckpointAsync();
        Tamper(c => c.DeleteMany(LiteDB.Query.GTE("_id", 8)));

        Assert.True((await VerifyAsync()).Intact); // without a checkpoint a cut tail looks like a shorter chain
        AssertFault(await VerifyAsync(cp), 8, AuditFaultKind.Truncated);
    }

    [Fact]
    public async Task Verify_CatchesARehashedRewrite_AgainstACheckpoint()
    {
        await SeedAsync(10);
        var cp = await CheckpointAsync();
        Tamper(c =>
        {
            // Rewrite entry 4 and re-hash everything after it: the chain is self-consistent again.
            var previous = AuditDocuments.FromDocument(c.FindById(3)).Hash;
            for (var i = 4; i <= 10; i++)
            {
                var e = AuditDocuments.FromDocument(c.FindById(i));
                e = e with { PreviousHash = previous, Outcome = i == 4 ? "succeeded-quietly" : e.Outcome };
                e = e with { Hash = AuditCanonical.ComputeHash(e) };
                c.Update(AuditDocuments.ToDocument(e));
                previous = e.Hash;
            }
        });

        Assert.True((await VerifyAsync()).Intact);
        AssertFault(await VerifyAsync(cp), 10, AuditFaultKind.Modified);
    }

    [Fact]
    public async Task Verify_NamesModified_WhenAnEntryIsChangedAndRehashedAlone()
    {
        await SeedAsync(10);
        Tamper(c =>
        {
            var e = AuditDocuments.FromDocument(c.FindById(5)) with { ErrorContext = "nothing happened" };
            c.Update(AuditDocuments.ToDocument(e with { Hash = AuditCanonical.ComputeHash(e) }));
        });
        AssertFault(await VerifyAsync(), 5, AuditFaultKind.Modified);
    }

    [Fact]
    public async Task Verify_NamesModified_WhenADocumentIsNoLongerAnEntry()
    {
        await SeedAsync(10);
        Tamper(c =>
        {
            var d = c.FindById(7);
            d["ts"] = "yesterday";
            c.Update(d);
        });
        AssertFault(await VerifyAsync(), 7, AuditFaultKind.Modified);
    }

    [Fact]
    public async Task Append_AfterTampering_ContinuesFromTheStoredHead_AndVerifyStillNamesTheDamage()
    {
        await SeedAsync(5);
        Tamper(c => c.Delete(3));
        await SeedAsync(1);
        var r = await VerifyAsync();
        AssertFault(r, 3, AuditFaultKind.Deleted);
    }

    private static void AssertFault(AuditVerifyResult r, long sequence, string kind)
    {
        Assert.False(r.Intact);
        Assert.NotNull(r.Fault);
        Assert.Equal((sequence, kind), (r.Fault!.Sequence, r.Fault.Kind));
    }
}
