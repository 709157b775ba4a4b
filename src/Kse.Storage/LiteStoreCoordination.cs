using System.Diagnostics;
using Kse.Core;

namespace Kse.Storage;

/// <summary>Health of the embedded store: the state database opens and answers.</summary>
public sealed class LiteStoreHealth(KseWorkspace workspace, KseDatabase database) : IStoreHealth
{
    public ValueTask<StoreHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        var target = Path.GetRelativePath(workspace.Root, workspace.StateDir);
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (File.Exists(database.Path))
            {
                _ = database.Database.CollectionExists("approvals");
            }

            return ValueTask.FromResult(new StoreHealth { Provider = "litedb", Target = target, Available = true, LatencyMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2) });
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or UnauthorizedAccessException or KseException)
        {
            return ValueTask.FromResult(new StoreHealth { Provider = "litedb", Target = target, Available = false, Error = $"store.unavailable: {ex.Message}" });
        }
    }
}

/// <summary>The embedded store belongs to one machine, whose processes already serialise on its files: every sweep may run.</summary>
public sealed class LocalSweepLock : ISweepLock
{
    public ValueTask<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IAsyncDisposable?>(Released.Instance);

    private sealed class Released : IAsyncDisposable
    {
        public static readonly Released Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
