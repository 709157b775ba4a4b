using System.CommandLine;
using Kse.Core;
using Kse.Storage;

namespace Kse.Cli.Commands;

/// <summary><c>kse store</c>: the state store itself (LiteDB files, or a PostgreSQL database shared by servers).</summary>
internal static class StoreCommand
{
    public static Command Create() =>
        CommandExtensions.Group("store", "The state store: create or migrate the PostgreSQL schema, move a workspace's LiteDB state into PostgreSQL, check the store.", "kse store migrate --json", Migrate(), Copy(), Status());

    private static Command Migrate()
    {
        var command = CommandExtensions.Verb("migrate", "Create or upgrade the configured PostgreSQL store's schema (Kse:Storage:Provider=postgres, Kse:Storage:ConnectionString) to this kse's version; kse also does it by itself on first use. Nothing to do for LiteDB.", "KSE_Kse__Storage__Provider=postgres KSE_Kse__Storage__ConnectionString=\"Host=db;Database=kse;Username=kse\" kse store migrate --json");
        return command.WithAction(async (ctx, ct) =>
        {
            var m = await ctx.Get<StoreService>().MigrateAsync(ct);
            if (ctx.Json)
            {
                ctx.WriteJson(m);
            }
            else if (m.Provider == StorageOptions.LiteDb)
            {
                ctx.WriteLine($"litedb ({m.Target}): no schema to migrate");
            }
            else
            {
                ctx.WriteLine(m.FromVersion == m.ToVersion ? $"postgres {m.Target}: schema at version {m.ToVersion}, nothing to do" : $"postgres {m.Target}: schema migrated from version {m.FromVersion} to {m.ToVersion}");
            }

            return 0;
        });
    }

    private static Command Copy()
    {
        var to = new Option<string?>("--to") { Description = "The target provider: postgres", Required = true };
        var cs = new Option<string?>("--connection-string") { Description = "The target database (default: Kse:Storage:ConnectionString)" };
        var command = CommandExtensions.Verb("copy", "Copy this workspace's LiteDB state (levels, elevations, approvals, feedback, rollouts, observations and the whole audit chain, hashes unchanged) into an empty PostgreSQL database, then read the copy back and verify it. Refuses a target that already holds state.", "kse store copy --to postgres --connection-string \"Host=db;Database=kse;Username=kse\" --json");
        command.Options.Add(to);
        command.Options.Add(cs);
        return command.WithAction(async (ctx, ct) =>
        {
            if (!string.Equals(ctx.Value(to)?.Trim(), StorageOptions.Postgres, StringComparison.OrdinalIgnoreCase))
            {
                throw KseException.BadInput("store.target_unknown", $"kse store copy copies into postgres; got --to '{ctx.Value(to)}'");
            }

            var r = await ctx.Get<StoreService>().CopyToPostgresAsync(ctx.Value(cs), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(r);
                return 0;
            }

            ctx.WriteLine($"copied into postgres {r.Target} and verified: {r.AuditEntries} audit entries (head {r.HeadHash?[..Math.Min(12, r.HeadHash.Length)] ?? "none"}), {r.Levels} levels, {r.Elevations} elevations, {r.Approvals} approvals, {r.Feedback} feedback items, {r.Proposals} proposals, {r.Rollouts} rollouts, {r.Observations} observations");
            ctx.WriteLine("set Kse:Storage:Provider=postgres and Kse:Storage:ConnectionString in .sce/appsettings.json to use it");
            return 0;
        });
    }

    private static Command Status()
    {
        var command = CommandExtensions.Verb("status", "Show which store holds the state and whether it answers (one timed round trip); exit 5 when it is unavailable.", "kse store status --json");
        return command.WithAction(async (ctx, ct) =>
        {
            var h = await ctx.Get<IStoreHealth>().CheckAsync(ct);
            if (ctx.Json)
            {
                ctx.WriteJson(h);
            }
            else
            {
                ctx.WriteLine(h.Available ? $"{h.Provider} {h.Target}: available ({h.LatencyMs:0.##} ms)" : $"{h.Provider} {h.Target}: unavailable: {h.Error}");
            }

            return h.Available ? 0 : (int)KseErrorKind.Failure;
        });
    }
}
