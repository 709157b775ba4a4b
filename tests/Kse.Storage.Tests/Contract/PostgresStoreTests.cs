using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Kse.Core.Policy;
using Kse.Storage.Approvals;
using Kse.Storage.Policy;
using Kse.Storage.Postgres;
using Kse.TestKit;

namespace Kse.Storage.Tests.Contract;

/// <summary>What only the shared store does: its schema, its cross-server coordination, failing closed, taking in a LiteDB workspace.</summary>
public sealed class PostgresStoreTests
{
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static async Task<(PostgresServer Server, string Database, string ConnectionString)> NewDatabaseAsync()
    {
        var server = await PostgresServer.Shared();
        var name = "kse_" + Guid.NewGuid().ToString("N")[..12];
        return (server, name, await server.CreateDatabaseAsync(name));
    }

    private static ApprovalRequest Approval(string id) => new()
    {
        Id = id,
        Tool = "ops_run",
        ArgumentsJson = "{}",
        Project = "shop",
        Requester = "ai:claude",
        Reason = "r",
        Risk = RiskClass.Critical,
        Binding = "b",
        State = ApprovalState.Pending,
        CreatedAt = T0,
        ExpiresAt = T0.AddDays(1),
    };

    [Fact]
    public async Task Migrate_CreatesTheVersionedSchemaOnce_EvenWhenServersStartTogether()
    {
        var (server, db, cs) = await NewDatabaseAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresStore(cs)).ToList();

        var results = await Task.WhenAll(stores.Select(s => s.MigrateAsync().AsTask()));

        Assert.Single(results, r => r.FromVersion == 0);
        Assert.All(results, r => Assert.Equal(PostgresSchema.CurrentVersion, r.ToVersion));
        Assert.Equal(PostgresSchema.CurrentVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), await server.QueryAsync(db, "SELECT string_agg(version::text, ',') FROM schema_version"));
        var again = await stores[0].MigrateAsync();
        Assert.Equal((PostgresSchema.CurrentVersion, PostgresSchema.CurrentVersion), (again.FromVersion, again.ToVersion));
        foreach (var s in stores)
        {
            await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task Migrate_RefusesASchemaNewerThanThisKse()
    {
        var (server, db, cs) = await NewDatabaseAsync();
        await using var store = new PostgresStore(cs);
        await store.MigrateAsync();
        await server.QueryAsync(db, $"INSERT INTO schema_version VALUES ({PostgresSchema.CurrentVersion + 1}, now())");

        var ex = await Assert.ThrowsAsync<KseException>(async () => await store.MigrateAsync());
        Assert.Equal("store.schema_newer", ex.Code);
    }

    [Fact]
    public async Task ApprovalChanges_ReachAListenerOfAnotherStoreInstance()
    {
        var (_, _, cs) = await NewDatabaseAsync();
        await using var serverA = new PostgresStore(cs);
        await using var serverB = new PostgresStore(cs);
        await using var feedB = new PostgresChangeFeed(serverB);
        var heard = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        feedB.ApprovalChanged += id =>
        {
            if (id == "apr-n1")
            {
                heard.TrySetResult(id);
            }
        };
        await feedB.Listening.WaitAsync(TimeSpan.FromSeconds(30));
        var storeA = new PostgresApprovalStore(serverA);
        await storeA.InsertAsync(Approval("apr-n0"));
        await storeA.InsertAsync(Approval("apr-n1"));
        Assert.Equal("apr-n1", await heard.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        var approved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        feedB.ApprovalChanged += id =>
        {
            if (id == "apr-n0")
            {
                _ = Task.Run(async () =>
                {
                    if ((await new PostgresApprovalStore(serverB).GetAsync("apr-n0"))?.State == ApprovalState.Approved)
                    {
                        approved.TrySetResult();
                    }
                });
            }
        };
        Assert.True((await storeA.TryTransitionAsync("apr-n0", ApprovalState.Pending, ApprovalState.Approved, T0, "op:x", "ok")));
        await approved.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task SweepLock_IsHeldByOneServerAtATime_AndFreedOnRelease()
    {
        var (_, _, cs) = await NewDatabaseAsync();
        await using var a = new PostgresStore(cs);
        await using var b = new PostgresStore(cs);
        var lockA = new PostgresSweepLock(a);
        var lockB = new PostgresSweepLock(b);

        var held = await lockA.TryAcquireAsync("expiry");
        Assert.NotNull(held);
        Assert.Null(await lockB.TryAcquireAsync("expiry"));
        await using (var other = await lockB.TryAcquireAsync("progression"))
        {
            Assert.NotNull(other);
        }

        await held.DisposeAsync();
        await using var afterRelease = await lockB.TryAcquireAsync("expiry");
        Assert.NotNull(afterRelease);
    }

    [Fact]
    public async Task LostServer_FailsClosedWithStoreUnavailable_AndWorksAgainWhenItIsBack()
    {
        // A server of its own: this test stops it.
        await using var server = await PostgresServer.StartAsync(maxConnections: 20);
        var cs = await server.CreateDatabaseAsync();
        await using var store = new PostgresStore(cs);
        await using var trail = new PostgresAuditTrail(store, TimeProvider.System);
        var draft = new AuditDraft { Actor = Actor.OsUser("alice"), OperationType = "test.append", Project = "shop" };
        Assert.Equal(1, (await trail.AppendAsync(draft)).Sequence);
        Assert.True((await new PostgresStoreHealth(store).CheckAsync()).Available);

        await server.StopServerAsync();
        var ex = await Assert.ThrowsAsync<KseException>(async () => await trail.AppendAsync(draft));
        Assert.Equal("store.unavailable", ex.Code);
        var levels = await Assert.ThrowsAsync<KseException>(async () => await new PostgresTakeoverStore(store).GetLevelAsync("shop", EnvironmentKind.Production));
        Assert.Equal("store.unavailable", levels.Code);
        var health = await new PostgresStoreHealth(store).CheckAsync();
        Assert.False(health.Available);
        Assert.StartsWith("store.unavailable", health.Error, StringComparison.Ordinal);

        await server.StartServerAsync();

        // Back: the refused append is on record (one entry, ahead of the next append), and the chain goes on.
        Assert.Equal(3, (await trail.AppendAsync(draft)).Sequence);
        var chain = (await new PostgresAuditReader(store).ReadChainAsync().ToListAsync()).ToList();
        Assert.True(AuditVerifier.Verify(chain).Intact);
        var outage = chain[1];
        Assert.Equal(("store.unavailable", "refused", "system"), (outage.OperationType, outage.Outcome, outage.ActorKind));
        Assert.Equal("1", outage.Parameters!["refusedAppends"]);
        Assert.Equal("test.append", outage.Parameters["operationTypes"]);
    }

    [Fact]
    public async Task Copy_MovesALiteDbWorkspaceWithItsChainUnchanged_AndRefusesANonEmptyTarget()
    {
        using var ws = new TempWorkspace();
        AuditEntry[] entries;
        using (var db = new KseDatabase(ws.Workspace))
        using (var audit = new AuditDatabase(ws.Workspace))
        {
            using (var trail = new LiteDbAuditTrail(audit, TimeProvider.System))
            {
                entries = await Task.WhenAll(Enumerable.Range(0, 25).Select(i => trail.AppendAsync(new AuditDraft { Actor = Actor.OsUser("alice"), OperationType = "ops.run", Project = "shop", Target = $"t{i}", Parameters = new Dictionary<string, string?> { ["i"] = $"{i}" } }).AsTask()));
            }

            await new LiteTakeoverStore(db).SetLevelAsync(new TakeoverSetting { Project = "shop", Environment = EnvironmentKind.Test, Level = TakeoverLevel.L4, Reason = "r", SetBy = "op:a", SetAt = T0 });
            await new LiteTakeoverStore(db).AddElevationAsync(new EmergencyElevation { Id = "el-1", Project = "shop", Environment = EnvironmentKind.Production, Level = TakeoverLevel.L2, Reason = "INC", GrantedBy = "op:a", GrantedAt = T0, ExpiresAt = T0.AddHours(1) });
            await new LiteApprovalStore(db).InsertAsync(Approval("apr-c1"));
        }

        var (_, _, cs) = await NewDatabaseAsync();
        var service = new StoreService(ws.Workspace, StorageOptions.Create("litedb", null));
        var copied = await service.CopyToPostgresAsync(cs);

        Assert.True(copied.Verified);
        Assert.Equal(25, copied.AuditEntries);
        Assert.Equal(entries.MaxBy(e => e.Sequence)!.Hash, copied.HeadHash);
        Assert.Equal((1, 1, 1), (copied.Levels, copied.Elevations, copied.Approvals));
        await using (var store = new PostgresStore(cs))
        {
            var chain = (await new PostgresAuditReader(store).ReadChainAsync().ToListAsync()).ToList();
            Assert.Equal(entries.OrderBy(e => e.Sequence).Select(e => e.Hash), chain.Select(e => e.Hash));
            Assert.Equal(TakeoverLevel.L4, (await new PostgresTakeoverStore(store).GetLevelAsync("shop", EnvironmentKind.Test))?.Level);
            Assert.Equal("apr-c1", (await new PostgresApprovalStore(store).GetAsync("apr-c1"))?.Id);

            // The copied chain goes on from its head.
            await using var trail = new PostgresAuditTrail(store, TimeProvider.System);
            var next = await trail.AppendAsync(new AuditDraft { Actor = Actor.OsUser("bob"), OperationType = "test.append" });
            Assert.Equal((26L, copied.HeadHash), (next.Sequence, next.PreviousHash));
        }

        var again = await Assert.ThrowsAsync<KseException>(async () => await service.CopyToPostgresAsync(cs));
        Assert.Equal("store.target_not_empty", again.Code);
        Assert.Equal(KseErrorKind.Refused, again.Kind);
    }

    [Fact]
    public async Task Copy_RefusesADamagedSourceChain_AndWritesNothing()
    {
        using var ws = new TempWorkspace();
        using (var audit = new AuditDatabase(ws.Workspace))
        {
            using (var trail = new LiteDbAuditTrail(audit, TimeProvider.System))
            {
                for (var i = 0; i < 3; i++)
                {
                    await trail.AppendAsync(new AuditDraft { Actor = Actor.OsUser("alice"), OperationType = "ops.run", Target = $"t{i}" });
                }
            }

            using var lease = audit.Acquire();
            var col = lease.Database.GetCollection(LiteDbAuditTrail.CollectionName);
            var doc = col.FindById(2);
            doc["target"] = "edited";
            col.Update(doc);
            lease.Break();
        }

        var (server, db, cs) = await NewDatabaseAsync();
        var ex = await Assert.ThrowsAsync<KseException>(async () => await new StoreService(ws.Workspace, StorageOptions.Create(null, null)).CopyToPostgresAsync(cs));
        Assert.Equal("store.source_damaged", ex.Code);
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM audit_entries"));
    }

    [Fact]
    public async Task Options_RefuseAnUnknownProviderOrAMissingConnectionString()
    {
        Assert.Equal("litedb", StorageOptions.Create(null, null).Provider);
        Assert.Equal("postgres", StorageOptions.Create(" Postgres ", "Host=x").Provider);
        Assert.Equal("config.invalid", Assert.Throws<KseException>(() => StorageOptions.Create("mysql", null)).Code);
        Assert.Equal("config.invalid", Assert.Throws<KseException>(() => StorageOptions.Create("postgres", " ")).Code);
        Assert.Equal("config.invalid", Assert.Throws<KseException>(() => new PostgresStore("Host=x;NoSuchKey=1")).Code);
    }

    [Fact]
    public async Task Text_WithANulCharacter_IsRefusedByName_NotStoredCorrupted()
    {
        var (_, _, cs) = await NewDatabaseAsync();
        await using var store = new PostgresStore(cs);
        var ex = await Assert.ThrowsAsync<KseException>(async () => await new PostgresApprovalStore(store).InsertAsync(Approval("apr-nul") with { Reason = "bad\0reason" }));
        Assert.Equal("store.text_invalid", ex.Code);
        Assert.Null((await new PostgresApprovalStore(store).GetAsync("apr-nul")));
        _ = await new PostgresFeedbackStore(store).ListAsync(new FeedbackQuery());
    }
}
