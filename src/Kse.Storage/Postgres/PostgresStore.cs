using System.Diagnostics;
using Kse.Core;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Kse.Storage.Postgres;

/// <summary>
/// The workspace's state in one PostgreSQL database, shared by every <c>kse</c> process and server pointed at it. Owns the
/// connection pool, brings the schema to the current version on first use (serialised across processes by an advisory lock),
/// and runs every statement through one resilience pipeline: transient errors (a dropped connection, a server restarting,
/// a serialisation failure) are retried a few times; anything else, or a store still unreachable after the retries, fails
/// closed with <c>store.unavailable</c>.
/// </summary>
public sealed class PostgresStore : IAsyncDisposable, IDisposable
{
    /// <summary>Advisory lock keys (pg_advisory_*): one namespace so kse's locks never collide with an application's.</summary>
    internal const long MigrationLockKey = 0x6B73_6500_0001;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    public PostgresStore(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw KseException.BadInput("config.invalid", "Kse:Storage:ConnectionString is required when Kse:Storage:Provider is postgres");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw KseException.BadInput("config.invalid", $"Kse:Storage:ConnectionString is not a PostgreSQL connection string: {ex.Message}");
        }

        // Name the application in pg_stat_activity unless the operator did; keep waits short enough to fail closed promptly.
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "kse";
        }

        if (!ExplicitlySet(connectionString, "Timeout"))
        {
            builder.Timeout = 10;
        }

        Target = $"{builder.Host}:{builder.Port}/{builder.Database}";
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(IsTransient).Handle<TimeoutException>(),
                MaxRetryAttempts = 3,
                Delay = TimeSpan.FromMilliseconds(100),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build();
    }

    /// <summary>host:port/database, for messages and health (never the password).</summary>
    public string Target { get; }

    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Transient: the connection broke or the server is starting or shutting down, or a serialisation/deadlock conflict.</summary>
    internal static bool IsTransient(NpgsqlException ex) =>
        ex.IsTransient || ex is PostgresException { SqlState: "40001" or "40P01" or "57P01" or "57P02" or "57P03" or "08000" or "08003" or "08006" };

    /// <summary>Runs <paramref name="work"/> on an open connection (schema ensured), retrying transient failures; failures become <c>store.unavailable</c>.</summary>
    public async ValueTask<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        return await RunRawAsync(work, cancellationToken);
    }

    /// <summary>Like <see cref="RunAsync{T}"/> without ensuring the schema (migration itself, health).</summary>
    internal async ValueTask<T> RunRawAsync<T>(Func<NpgsqlConnection, CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(
                async ct =>
                {
                    await using var connection = await _dataSource.OpenConnectionAsync(ct);
                    return await work(connection, ct);
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw Unavailable(ex);
        }
    }

    internal KseException Unavailable(Exception ex) => ex switch
    {
        PostgresException { SqlState: "42P01" or "42703" } pg => new KseException("store.schema_mismatch", $"the PostgreSQL store {Target} does not have the schema this kse expects ({pg.MessageText}); run 'kse store migrate'", KseErrorKind.Failure, ex),
        PostgresException pg when !IsTransient(pg) => new KseException("store.failed", $"the PostgreSQL store {Target} refused a statement: {pg.SqlState} {pg.MessageText}", KseErrorKind.Failure, ex),
        _ => new KseException("store.unavailable", $"the PostgreSQL store {Target} is unavailable, so nothing that needs it runs: {ex.Message}", KseErrorKind.Failure, ex),
    };

    /// <summary>Brings the schema to <see cref="PostgresSchema.CurrentVersion"/> once per process.</summary>
    public async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancellationToken);
        try
        {
            if (!_schemaReady)
            {
                await MigrateAsync(cancellationToken);
                _schemaReady = true;
            }
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    /// <summary>Applies every migration the database has not seen yet, in one transaction under the migration lock; returns the versions before and after.</summary>
    public ValueTask<StoreMigration> MigrateAsync(CancellationToken cancellationToken = default) =>
        RunRawAsync(
            async (c, ct) =>
            {
                await using var tx = await c.BeginTransactionAsync(ct);
                await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@k)", c, tx))
                {
                    lockCmd.Parameters.AddWithValue("k", MigrationLockKey);
                    await lockCmd.ExecuteNonQueryAsync(ct);
                }

                var before = await PostgresSchema.CurrentAsync(c, tx, ct);
                if (before > PostgresSchema.CurrentVersion)
                {
                    throw new KseException("store.schema_newer", $"the PostgreSQL store {Target} has schema version {before}, newer than this kse knows ({PostgresSchema.CurrentVersion}); upgrade kse", KseErrorKind.Failure);
                }

                foreach (var (version, sql) in PostgresSchema.Migrations.Where(m => m.Version > before))
                {
                    await using var cmd = new NpgsqlCommand(sql, c, tx);
                    await cmd.ExecuteNonQueryAsync(ct);
                    await using var record = new NpgsqlCommand("INSERT INTO schema_version (version, applied_at) VALUES (@v, now())", c, tx);
                    record.Parameters.AddWithValue("v", version);
                    await record.ExecuteNonQueryAsync(ct);
                }

                await tx.CommitAsync(ct);
                return new StoreMigration("postgres", Target, before, PostgresSchema.CurrentVersion);
            },
            cancellationToken);

    /// <summary>One round trip to the server, timed (for /api/health).</summary>
    public async ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await RunRawAsync(
            async (c, ct) =>
            {
                await using var cmd = new NpgsqlCommand("SELECT 1", c);
                return await cmd.ExecuteScalarAsync(ct);
            },
            cancellationToken);
        return Stopwatch.GetElapsedTime(started);
    }

    private static bool ExplicitlySet(string connectionString, string key) =>
        connectionString.Split(';').Any(p => p.Split('=', 2)[0].Trim().Equals(key, StringComparison.OrdinalIgnoreCase));

    public void Dispose() => _dataSource.Dispose();

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

/// <summary>What <c>kse store migrate</c> did: the schema version before and after.</summary>
public sealed record StoreMigration(string Provider, string Target, int FromVersion, int ToVersion);
