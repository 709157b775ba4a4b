using System.Diagnostics;
using Kse.Core;
using Npgsql;

namespace Kse.Storage.Postgres;

/// <summary>Health of the PostgreSQL store: one timed <c>SELECT 1</c>.</summary>
public sealed class PostgresStoreHealth(PostgresStore store) : IStoreHealth
{
    public async ValueTask<StoreHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await store.PingAsync(cancellationToken);
            return new StoreHealth { Provider = "postgres", Target = store.Target, Available = true, LatencyMs = Math.Round(latency.TotalMilliseconds, 2) };
        }
        catch (KseException ex)
        {
            return new StoreHealth { Provider = "postgres", Target = store.Target, Available = false, Error = $"{ex.Code}: {ex.Message}" };
        }
    }
}

/// <summary>
/// Session-level advisory locks (<c>pg_try_advisory_lock</c>) on a connection held for the lock's lifetime: if the holder
/// dies, PostgreSQL drops its connection and the lock with it, and another server takes the next round.
/// </summary>
public sealed class PostgresSweepLock(PostgresStore store) : ISweepLock
{
    public async ValueTask<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken = default)
    {
        await store.EnsureSchemaAsync(cancellationToken);
        NpgsqlConnection? connection = null;
        try
        {
            connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
            await using var cmd = Sql.Command(connection, "SELECT pg_try_advisory_lock(@k)").Long("k", Key(name));
            if (await cmd.ExecuteScalarAsync(cancellationToken) is true)
            {
                var held = new Held(connection, Key(name));
                connection = null;
                return held;
            }

            return null;
        }
        catch (NpgsqlException ex)
        {
            throw store.Unavailable(ex);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>A stable 64-bit key per name, in kse's advisory-lock namespace.</summary>
    internal static long Key(string name)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("kse.sweep:" + name));
        return BitConverter.ToInt64(hash, 0);
    }

    private sealed class Held(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var cmd = Sql.Command(connection, "SELECT pg_advisory_unlock(@k)").Long("k", key);
                await cmd.ExecuteScalarAsync();
            }
            catch (NpgsqlException)
            {
                // The connection is gone, and the lock with it.
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}

/// <summary>
/// Listens on <c>kse_approvals</c> on one dedicated connection and raises <see cref="ApprovalChanged"/> for every committed
/// approval change from any server. Started by the first subscriber; reconnects after a lost connection and then raises a
/// null id (changes may have been missed while it was away).
/// </summary>
public sealed class PostgresChangeFeed : IStoreChangeFeed, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(2);
    private readonly PostgresStore _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Action<string?>? _handlers;
    private Task? _loop;

    public PostgresChangeFeed(PostgresStore store)
    {
        _store = store;
    }

    public event Action<string?>? ApprovalChanged
    {
        add
        {
            lock (_gate)
            {
                _handlers += value;
                _loop ??= Task.Run(() => ListenAsync(_stop.Token));
            }
        }

        remove
        {
            lock (_gate)
            {
                _handlers -= value;
            }
        }
    }

    /// <summary>Completes once the first LISTEN is in place (tests wait for it before changing anything).</summary>
    public Task Listening => _listening.Task;

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task ListenAsync(CancellationToken stop)
    {
        var missed = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _store.EnsureSchemaAsync(stop);
                await using var connection = await _store.DataSource.OpenConnectionAsync(stop);
                connection.Notification += (_, e) => Raise(e.Payload);
                await using (var listen = Sql.Command(connection, $"LISTEN {PostgresApprovalStore.Channel}"))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }

                _listening.TrySetResult();
                if (missed)
                {
                    Raise(null);
                    missed = false;
                }

                while (!stop.IsCancellationRequested)
                {
                    await connection.WaitAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or KseException or IOException or TimeoutException)
            {
                missed = true;
                try
                {
                    await Task.Delay(Reconnect, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Raise(string? id)
    {
        Action<string?>? handlers;
        lock (_gate)
        {
            handlers = _handlers;
        }

        try
        {
            handlers?.Invoke(string.IsNullOrEmpty(id) ? null : id);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Trace.TraceWarning($"an approval change handler failed: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
