using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kse.TestKit;

/// <summary>
/// A throwaway PostgreSQL server for tests: <c>initdb</c> into a temp folder (as the unprivileged user <c>postgres</c> when the
/// tests run as root, since the server refuses root), trust authentication on 127.0.0.1 only, a free port, small memory.
/// One server per test process (<see cref="Shared"/>), stopped when the process exits; each test class takes its own database
/// (<see cref="CreateDatabaseAsync"/>). When PostgreSQL is missing or does not start, it fails with a message that says why:
/// nothing is skipped (test.sh installs the package).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim SharedGate = new(1, 1);
    private static PostgresServer? s_shared;
    private int _stopped;

    private PostgresServer(string bin, string dir, int port)
    {
        Bin = bin;
        Dir = dir;
        Port = port;
    }

    public string Bin { get; }

    public string Dir { get; }

    public int Port { get; }

    public string DataDir => Path.Combine(Dir, "data");

    /// <summary>The process-wide server, started on first use.</summary>
    public static async Task<PostgresServer> Shared()
    {
        await SharedGate.WaitAsync();
        try
        {
            if (s_shared is null)
            {
                s_shared = await StartAsync();
                var server = s_shared;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopServer();
            }

            return s_shared;
        }
        finally
        {
            SharedGate.Release();
        }
    }

    /// <summary>Where PostgreSQL's programs are (the newest installed major version).</summary>
    public static string? FindBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")))
                .OrderBy(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                .LastOrDefault()
            : null;

    public static async Task<PostgresServer> StartAsync(int maxConnections = 100, bool fsync = false)
    {
        var bin = FindBin() ?? throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install -y postgresql (test.sh does it)");
        var asRoot = Environment.UserName == "root";
        var dir = Path.Combine(Path.GetTempPath(), "kse-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        if (asRoot)
        {
            await RunAsync("id", ["-u", "postgres"], "there is no unprivileged user 'postgres' to run the PostgreSQL server as (test.sh creates it)");
            await RunAsync("chown", ["postgres:", dir], "could not hand the data folder to the user postgres");
        }

        var port = FreePort();
        var server = new PostgresServer(bin, dir, port);
        await server.AsServer(Path.Combine(bin, "initdb"), ["-D", server.DataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"], "initdb failed");
        await File.AppendAllTextAsync(Path.Combine(server.DataDir, "postgresql.conf"), $"""

            listen_addresses = '127.0.0.1'
            port = {port}
            unix_socket_directories = '{dir}'
            max_connections = {maxConnections}
            shared_buffers = 16MB
            fsync = {(fsync ? "on" : "off")}
            synchronous_commit = on
            full_page_writes = {(fsync ? "on" : "off")}
            max_wal_size = 256MB
            log_min_messages = warning

            """);
        await server.StartServerAsync();
        return server;
    }

    /// <summary>Starts the (stopped) server again on the same port and data.</summary>
    public Task StartServerAsync() =>
        AsServer(Path.Combine(Bin, "pg_ctl"), ["-D", DataDir, "-l", Path.Combine(Dir, "server.log"), "-w", "-t", "60", "start"], "the PostgreSQL server did not start");

    /// <summary>Stops the server fast (connections are cut), keeping its data; <see cref="StartServerAsync"/> brings it back.</summary>
    public Task StopServerAsync() =>
        AsServer(Path.Combine(Bin, "pg_ctl"), ["-D", DataDir, "-m", "fast", "-w", "stop"], "the PostgreSQL server did not stop");

    /// <summary>A new empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "kse_" + Guid.NewGuid().ToString("N")[..12];
        await AsServer(Path.Combine(Bin, "psql"), ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-qAtX", "-c", $"CREATE DATABASE {name}"], $"CREATE DATABASE {name} failed");
        return ConnectionString(name);
    }

    /// <summary>Runs one SQL statement with psql and returns its output (unaligned, tuples only).</summary>
    public Task<string> QueryAsync(string database, string sql) =>
        AsServer(Path.Combine(Bin, "psql"), ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-d", database, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql], "psql failed");

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    private async Task<string> AsServer(string program, IReadOnlyList<string> args, string what)
    {
        if (Environment.UserName == "root")
        {
            return await RunAsync("runuser", ["-u", "postgres", "--", program, .. args], what, workingDirectory: "/");
        }

        return await RunAsync(program, args, what, workingDirectory: "/");
    }

    private static async Task<string> RunAsync(string program, IReadOnlyList<string> args, string what, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? "" };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{what}: {program} could not be started");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what}: {program} exited {p.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}");
        }

        return (await stdout).Trim();
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private void StopServer()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        try
        {
            if (File.Exists(Path.Combine(DataDir, "postmaster.pid")))
            {
                StopServerAsync().GetAwaiter().GetResult();
            }
        }
        catch (InvalidOperationException)
        {
        }

        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        StopServer();
        return ValueTask.CompletedTask;
    }
}
