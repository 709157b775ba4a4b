namespace Kse.Core;

/// <summary>How the state store is doing, for <c>/api/health</c>.</summary>
public sealed record StoreHealth
{
    /// <summary><c>litedb</c> or <c>postgres</c>.</summary>
    public required string Provider { get; init; }

    /// <summary>Where the state is (the state folder, or host:port/database; never a password).</summary>
    public required string Target { get; init; }

    public required bool Available { get; init; }

    /// <summary>How long one round trip took, in milliseconds (null when it failed).</summary>
    public double? LatencyMs { get; init; }

    /// <summary>Why it is unavailable (<c>store.unavailable: …</c>).</summary>
    public string? Error { get; init; }
}

/// <summary>Checks the state store with one cheap round trip.</summary>
public interface IStoreHealth
{
    ValueTask<StoreHealth> CheckAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Changes made to shared state by other processes, pushed by the store (PostgreSQL <c>LISTEN/NOTIFY</c>). A store that cannot
/// push registers none; then readers poll.
/// </summary>
public interface IStoreChangeFeed
{
    /// <summary>An approval changed (its id), in this or another process; null when changes may have been missed (after a reconnect): re-read everything followed.</summary>
    event Action<string?>? ApprovalChanged;
}

/// <summary>
/// Lets periodic work that must not run twice at once across servers (expiry and demotion sweeps) take turns. A store shared
/// by several servers holds a lock in the store; the embedded store, which one machine owns, always grants it.
/// </summary>
public interface ISweepLock
{
    /// <summary>The lock named <paramref name="name"/> until disposed, or null when another process holds it now (skip this round).</summary>
    ValueTask<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken = default);
}
