using Kse.Core.Audit;
using Kse.Storage;
using Kse.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace Kse.Storage.Tests;

public sealed class AuditTrailTests : IDisposable
{
    private readonly TempWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    internal static AuditDraft Draft(int i, string project = "shop", string? outcome = "succeeded") => new()
    {
        Actor = Actor.OsUser("alice"),
        OperationType = "tool.call",
        Project = project,
        Environment = "production",
        Target = "restart-service",
        Parameters = new Dictionary<string, string?> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        Outcome = outcome,
    };

    [Fact]
    public async Task Append_AssignsGaplessSequenceAndLinksHashes()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        using var db = new AuditDatabase(_ws.Workspace);
        using var trail = new LiteDbAuditTrail(db, clock);
        var first = await trail.AppendAsync(Draft(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        var second = await trail.AppendAsync(Draft(2));

        Assert.Equal(1, first.Sequence);
        Assert.Equal(AuditCanonical.GenesisHash, first.PreviousHash);
        Assert.Equal(2, second.Sequence);
        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.Equal(clock.GetUtcNow(), second.Timestamp);
        Assert.True(AuditCanonical.HashMatches(second));

        var stored = (await new LiteDbAuditReader(db).ReadChainAsync().ToListAsync()).ToList();
        Assert.Equal([first, second], stored, new EntryComparer());
    }

    [Fact]
    public async Task Append_FromManyThreads_KeepsOneGaplessChain()
    {
        using var db = new AuditDatabase(_ws.Workspace);
        using var trail = new LiteDbAuditTrail(db, TimeProvider.System);
        var tasks = Enumerable.Range(0, 16).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await trail.AppendAsync(Draft((t * 1000) + i));
            }
        }));
        await Task.WhenAll(tasks);

        var chain = (await new LiteDbAuditReader(db).ReadChainAsync().ToListAsync()).ToList();
        Assert.Equal(800, chain.Count);
        var previous = AuditCanonical.GenesisHash;
        for (var i = 0; i < chain.Count; i++)
        {
            Assert.Equal(i + 1, chain[i].Sequence);
            Assert.Equal(previous, chain[i].PreviousHash);
            Assert.True(AuditCanonical.HashMatches(chain[i]));
            previous = chain[i].Hash;
        }
    }

    [Fact]
    public async Task Append_NeverStampsEarlierThanTheHead_WhenAnotherWritersClockIsBehind()
    {
        var ahead = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        var behind = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 7, 55, 0, TimeSpan.Zero));
        using var db = new AuditDatabase(_ws.Workspace);
        AuditEntry first;
        using (var trail = new LiteDbAuditTrail(db, ahead))
        {
            first = await trail.AppendAsync(Draft(1));
        }

        using var late = new LiteDbAuditTrail(db, behind);
        var second = await late.AppendAsync(Draft(2));
        Assert.Equal(first.Timestamp, second.Timestamp);
        Assert.Equal(2, second.Sequence);
    }

    [Fact]
    public async Task Append_Throws_WhenTheStoreCannotBeWritten()
    {
        // The database path is taken by a folder: nothing can be written, and the caller must hear about it.
        Directory.CreateDirectory(_ws.Workspace.AuditDatabasePath);
        using var db = new AuditDatabase(_ws.Workspace);
        using var trail = new LiteDbAuditTrail(db, TimeProvider.System);
        var ex = await Assert.ThrowsAsync<Kse.Core.KseException>(async () => await trail.AppendAsync(Draft(1)));
        Assert.Equal(Kse.Core.KseErrorKind.Failure, ex.Kind);
    }

    [Fact]
    public async Task Append_RejectsADraftWithoutOperationType()
    {
        using var db = new AuditDatabase(_ws.Workspace);
        using var trail = new LiteDbAuditTrail(db, TimeProvider.System);
        var ex = await Assert.ThrowsAsync<Kse.Core.KseException>(async () => await trail.AppendAsync(Draft(1) with { OperationType = " " }));
        Assert.Equal("audit.type_missing", ex.Code);
    }

    [Fact]
    public async Task Append_AfterDispose_IsRefused_WithoutStartingAWriter()
    {
        using var db = new AuditDatabase(_ws.Workspace);
        var trail = new LiteDbAuditTrail(db, TimeProvider.System);
        trail.Dispose();
        var ex = await Assert.ThrowsAsync<Kse.Core.KseException>(async () => await trail.AppendAsync(Draft(1)));
        Assert.Equal("audit.closed", ex.Code);
    }

    [Fact]
    public async Task Dispose_CommitsEverythingAlreadyAccepted()
    {
        using var db = new AuditDatabase(_ws.Workspace);
        var trail = new LiteDbAuditTrail(db, TimeProvider.System);
        var pending = Enumerable.Range(0, 50).Select(i => trail.AppendAsync(Draft(i)).AsTask()).ToList();
        trail.Dispose();
        var entries = await Task.WhenAll(pending);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), entries.Select(e => e.Sequence).Order());
        Assert.Equal(50, (await new LiteDbAuditReader(db).ReadChainAsync().ToListAsync()).Count());
    }

    private sealed class EntryComparer : IEqualityComparer<AuditEntry>
    {
        public bool Equals(AuditEntry? x, AuditEntry? y) => x is not null && y is not null && AuditCanonical.CanonicalJson(x) == AuditCanonical.CanonicalJson(y) && x.Hash == y.Hash;

        public int GetHashCode(AuditEntry obj) => obj.Hash.GetHashCode(StringComparison.Ordinal);
    }
}
