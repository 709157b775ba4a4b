using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Kse.Storage.Approvals;
using Kse.Storage.Feedback;
using Kse.Storage.Learning;
using Kse.Storage.Policy;
using Kse.Storage.Postgres;
using Kse.Storage.Rollouts;
using Npgsql;

namespace Kse.Storage;

/// <summary><c>Kse:Storage</c>: which store holds the workspace's state.</summary>
public sealed record StorageOptions
{
    public const string LiteDb = "litedb";
    public const string Postgres = "postgres";

    /// <summary><c>litedb</c> (the default: files under .sce/state) or <c>postgres</c>.</summary>
    public string Provider { get; init; } = LiteDb;

    /// <summary>The PostgreSQL connection string (Npgsql syntax) when <see cref="Provider"/> is postgres.</summary>
    public string? ConnectionString { get; init; }

    public bool IsPostgres => Provider == Postgres;

    /// <summary>Checks the pair; an unknown provider or a missing connection string is a configuration error, never a silent default.</summary>
    public static StorageOptions Create(string? provider, string? connectionString)
    {
        var name = string.IsNullOrWhiteSpace(provider) ? LiteDb : provider.Trim().ToLowerInvariant();
        if (name is not (LiteDb or Postgres))
        {
            throw KseException.BadInput("config.invalid", $"Kse:Storage:Provider must be 'litedb' or 'postgres'; got '{provider}'");
        }

        if (name == Postgres && string.IsNullOrWhiteSpace(connectionString))
        {
            throw KseException.BadInput("config.invalid", "Kse:Storage:Provider is postgres but Kse:Storage:ConnectionString is empty");
        }

        return new StorageOptions { Provider = name, ConnectionString = string.IsNullOrWhiteSpace(connectionString) ? null : connectionString };
    }
}

/// <summary>What <c>kse store copy</c> copied, and what the verification of the copy found.</summary>
public sealed record StoreCopyResult
{
    public required string Target { get; init; }

    public required long AuditEntries { get; init; }

    public string? HeadHash { get; init; }

    public required int Levels { get; init; }

    public required int Elevations { get; init; }

    public required int Approvals { get; init; }

    public required int Feedback { get; init; }

    public required int Proposals { get; init; }

    public required int Rollouts { get; init; }

    public required int Observations { get; init; }

    /// <summary>True when the copied chain verifies in PostgreSQL with the source's entry count and head hash, and every table holds what was read.</summary>
    public required bool Verified { get; init; }
}

/// <summary>The <c>kse store</c> verbs: migrate the configured store's schema, and copy a workspace's LiteDB state into PostgreSQL.</summary>
public sealed class StoreService(KseWorkspace workspace, StorageOptions options)
{
    /// <summary>Brings the configured PostgreSQL store's schema to this kse's version (the embedded store needs none).</summary>
    public async ValueTask<StoreMigration> MigrateAsync(CancellationToken cancellationToken = default)
    {
        if (!options.IsPostgres)
        {
            return new StoreMigration(StorageOptions.LiteDb, Path.GetRelativePath(workspace.Root, workspace.StateDir), 0, 0);
        }

        await using var store = new PostgresStore(options.ConnectionString!);
        return await store.MigrateAsync(cancellationToken);
    }

    /// <summary>
    /// Copies the workspace's LiteDB state (levels, elevations, approvals, feedback, rollouts, observations and the whole audit
    /// chain, hashes unchanged) into an empty PostgreSQL database in one transaction, then reads the copy back and verifies it.
    /// </summary>
    public async ValueTask<StoreCopyResult> CopyToPostgresAsync(string? connectionString, CancellationToken cancellationToken = default)
    {
        var cs = connectionString ?? options.ConnectionString
            ?? throw KseException.BadInput("store.target_missing", "name the target with --connection-string or Kse:Storage:ConnectionString");
        workspace.EnsureInitialized();
        await using var target = new PostgresStore(cs);
        await target.EnsureSchemaAsync(cancellationToken);
        var used = await target.RunAsync(NonEmptyTablesAsync, cancellationToken);
        if (used.Count > 0)
        {
            throw KseException.Refused("store.target_not_empty", $"the PostgreSQL store {target.Target} already holds state ({string.Join(", ", used)}); copy only into an empty database");
        }

        // The source, read whole and checked before anything is written: a damaged chain is not copied.
        using var db = new KseDatabase(workspace);
        using var auditDb = new AuditDatabase(workspace);
        var entries = new List<AuditEntry?>();
        await foreach (var e in new LiteDbAuditReader(auditDb).WalkChainAsync(cancellationToken))
        {
            entries.Add(e);
        }

        var source = AuditVerifier.Verify(entries, cancellationToken: cancellationToken);
        if (!source.Intact)
        {
            throw new KseException("store.source_damaged", $"the LiteDB audit chain does not verify ({source.Fault?.Message}); nothing was copied", KseErrorKind.CheckFailed);
        }

        var takeover = new LiteTakeoverStore(db);
        var levels = takeover.AllLevels();
        var elevations = await takeover.ListElevationsAsync(cancellationToken: cancellationToken);
        var approvals = await new LiteApprovalStore(db).ListAsync(limit: int.MaxValue, cancellationToken: cancellationToken);
        var feedbackStore = new LiteFeedbackStore(db);
        var feedback = await feedbackStore.ListAsync(new FeedbackQuery { Limit = int.MaxValue }, cancellationToken);
        var proposals = await feedbackStore.ListProposalsAsync(null, cancellationToken);
        var rollouts = await new LiteRolloutStore(db).ListAsync(int.MaxValue, cancellationToken);
        IReadOnlyList<Kse.Core.Learning.Observation> observations;
        using (var observationStore = new LiteObservationStore(LiteObservationStore.PathIn(workspace)))
        {
            observations = observationStore.All();
        }

        await target.RunAsync(
            async (c, ct) =>
            {
                await using var tx = await c.BeginTransactionAsync(ct);
                foreach (var chunk in entries.Chunk(500))
                {
                    await using var batch = new NpgsqlBatch(c, tx);
                    foreach (var e in chunk)
                    {
                        batch.BatchCommands.Add(PostgresAuditTrail.Insert(e!));
                    }

                    await batch.ExecuteNonQueryAsync(ct);
                }

                if (entries.Count > 0)
                {
                    var last = entries[^1]!;
                    await using var head = Sql.Command(c, "UPDATE audit_head SET seq = @s, hash = @h, ts_ticks = @t WHERE id = 1", tx).Long("s", last.Sequence).Text("h", last.Hash).Ticks("t", last.Timestamp);
                    await head.ExecuteNonQueryAsync(ct);
                }

                foreach (var s in levels)
                {
                    await PostgresTakeoverStore.SetLevelAsync(c, s, ct);
                }

                foreach (var e in elevations)
                {
                    await PostgresTakeoverStore.AddElevationAsync(c, e, ct);
                }

                foreach (var a in approvals)
                {
                    await PostgresApprovalStore.InsertAsync(c, a, ct);
                }

                foreach (var f in feedback)
                {
                    await PostgresFeedbackStore.InsertAsync(c, f, ct);
                }

                foreach (var p in proposals)
                {
                    await PostgresFeedbackStore.InsertProposalAsync(c, p, ct);
                }

                foreach (var r in rollouts)
                {
                    await PostgresRolloutStore.InsertAsync(c, r, ct);
                }

                foreach (var chunk in observations.Chunk(1000))
                {
                    await PostgresObservationStore.InsertAsync(c, chunk, ct);
                }

                await tx.CommitAsync(ct);
                return true;
            },
            cancellationToken);

        // Read the copy back: the chain verifies on its own and ends where the source ended; every table holds what was read.
        var copied = await AuditVerifier.VerifyAsync(new PostgresAuditReader(target).WalkChainAsync(cancellationToken), cancellationToken: cancellationToken);
        var counts = await target.RunAsync(CountsAsync, cancellationToken);
        var verified = copied.Intact && copied.Entries == entries.Count && copied.HeadHash == source.HeadHash
            && counts["takeover_levels"] == levels.Count && counts["elevations"] == elevations.Count && counts["approvals"] == approvals.Count
            && counts["feedback"] == feedback.Count && counts["feedback_proposals"] == proposals.Count && counts["rollouts"] == rollouts.Count
            && counts["observations"] == observations.Count;
        var result = new StoreCopyResult
        {
            Target = target.Target,
            AuditEntries = copied.Entries,
            HeadHash = copied.HeadHash,
            Levels = levels.Count,
            Elevations = elevations.Count,
            Approvals = approvals.Count,
            Feedback = feedback.Count,
            Proposals = proposals.Count,
            Rollouts = rollouts.Count,
            Observations = observations.Count,
            Verified = verified,
        };
        if (!verified)
        {
            throw new KseException("store.copy_unverified", $"the copy in {target.Target} does not match the source (chain: {copied.Entries} entries, intact {copied.Intact}, head {copied.HeadHash?[..12]}; source {entries.Count}, head {source.HeadHash?[..12]})", KseErrorKind.CheckFailed);
        }

        return result;
    }

    private static async ValueTask<List<string>> NonEmptyTablesAsync(NpgsqlConnection c, CancellationToken ct)
    {
        var used = new List<string>();
        foreach (var table in PostgresSchema.Tables)
        {
            await using var cmd = Sql.Command(c, $"SELECT EXISTS (SELECT 1 FROM {table})");
            if (await cmd.ExecuteScalarAsync(ct) is true)
            {
                used.Add(table);
            }
        }

        await using var head = Sql.Command(c, "SELECT seq FROM audit_head WHERE id = 1");
        if (await head.ExecuteScalarAsync(ct) is long seq && seq > 0 && !used.Contains("audit_entries"))
        {
            used.Add("audit_head");
        }

        return used;
    }

    private static async ValueTask<Dictionary<string, long>> CountsAsync(NpgsqlConnection c, CancellationToken ct)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in PostgresSchema.Tables)
        {
            await using var cmd = Sql.Command(c, $"SELECT count(*) FROM {table}");
            counts[table] = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }

        return counts;
    }
}
