using System.Diagnostics;
using Kse.Core;
using LiteDB;
using LiteDB.Engine;

namespace Kse.Storage;

/// <summary>
/// The audit trail's own LiteDB file (<c>.sce/state/audit.db</c>), opened in direct mode by one process at a time.
/// A process takes a <em>lease</em> for each batch of work: the first lease opens the file under an exclusive OS
/// lock on <c>audit.lock</c>; later leases reuse the open file; the file and the lock are let go after a short
/// idle period, or after the file was held continuously for <see cref="MaxHold"/> (then the process stays away
/// for a moment so that a waiting process gets its turn). Leases of one process are taken one at a time.
/// </summary>
public sealed class AuditDatabase : IDisposable
{
    /// <summary>How long the file stays open after the last lease was returned.</summary>
    public static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(25);

    /// <summary>After holding the file this long, a process closes it on the next return and waits <see cref="YieldWindow"/> before opening it again.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a process that gave the file up after <see cref="MaxHold"/> waits before taking it again.</summary>
    public static readonly TimeSpan YieldWindow = TimeSpan.FromMilliseconds(15);

    /// <summary>How long a lease waits for another holder (in this or another process) before giving up.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(60);

    private readonly string? _legacyPath;
    private readonly string _legacyDisplayPath;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Timer _idleTimer;
    private LiteDatabase? _db;
    private AuditLogStream? _log;
    private FileStream? _osLock;
    private long _openedAt;
    private long _lastReturn;
    private long _notBefore;
    private int _disposed;

    public AuditDatabase(KseWorkspace workspace)
        : this(workspace.AuditDatabasePath, workspace.AuditLockPath, workspace.DatabasePath, workspace.Root)
    {
    }

    /// <param name="path">The audit file.</param>
    /// <param name="lockPath">The file whose exclusive OS lock guards it.</param>
    /// <param name="legacyPath">A state file (<c>kse.db</c>, shared mode) whose <c>audit</c> collection is moved into an audit file that has none yet.</param>
    /// <param name="root">The workspace root, to name files relative to it in errors.</param>
    public AuditDatabase(string path, string lockPath, string? legacyPath = null, string? root = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        DisplayPath = StoreFailure.Display(Path, root);
        _legacyDisplayPath = legacyPath is null ? "" : StoreFailure.Display(System.IO.Path.GetFullPath(legacyPath), root);
        LockPath = System.IO.Path.GetFullPath(lockPath);
        _legacyPath = legacyPath is null ? null : System.IO.Path.GetFullPath(legacyPath);
        _idleTimer = new Timer(_ => CloseIfIdle(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public string Path { get; }

    /// <summary>How errors name the file (relative to the workspace root).</summary>
    public string DisplayPath { get; }

    public string LockPath { get; }

    /// <summary>LiteDB's log file next to <see cref="Path"/> (<c>audit-log.db</c>): committed pages wait there until a checkpoint copies them into the data file.</summary>
    public string LogPath => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, System.IO.Path.GetFileNameWithoutExtension(Path) + "-log" + System.IO.Path.GetExtension(Path));

    /// <summary>Whether there is a trail to read: the audit file, or a state file that still holds one to move (readers use it to avoid creating an empty file).</summary>
    public bool Exists => File.Exists(Path) || (_legacyPath is not null && File.Exists(_legacyPath));

    /// <summary>
    /// Waits for the file (this process's other users, then the OS lock other processes may hold), opens it if
    /// needed and returns the lease. Dispose the lease promptly: every other user of the trail waits for it.
    /// </summary>
    public AuditLease Acquire()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw Closed();
        }

        if (!_gate.Wait(LockTimeout))
        {
            throw Busy();
        }

        try
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw Closed();
            }

            _db ??= Open();
            return new AuditLease(this, _db, _log!);
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    internal void Return(bool broken)
    {
        var now = Stopwatch.GetTimestamp();
        _lastReturn = now;
        var giveUp = broken || (_db is not null && Stopwatch.GetElapsedTime(_openedAt, now) >= MaxHold);
        if (giveUp)
        {
            CloseFile();
            if (!broken)
            {
                _notBefore = now + (long)(YieldWindow.TotalSeconds * Stopwatch.Frequency);
            }
        }

        _gate.Release();
        if (!giveUp && Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                _idleTimer.Change(Idle, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private LiteDatabase Open()
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _notBefore);
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }

        StateFolder.Create(System.IO.Path.GetDirectoryName(Path)!);
        _osLock = TakeOsLock();
        AuditFileStream? data = null;
        AuditLogStream? log = null;
        try
        {
            // Direct mode over streams the trail owns: the same files and layout LiteDB uses for "audit.db"
            // (log in "audit-log.db"), but the trail decides when the log reaches the disk (see AuditLogStream).
            data = new AuditFileStream(Path);
            log = new AuditLogStream(LogPath);
            var db = new LiteDatabase(new LiteEngine(new EngineSettings { DataStream = data, LogStream = log }));
            StateFolder.ProtectFile(Path);
            StateFolder.ProtectFile(LogPath);
            StateFolder.ProtectFile(LockPath);
            try
            {
                MoveLegacyTrail(db, log);
            }
            catch (Exception moveFailure)
            {
                db.Dispose();
                throw moveFailure is LiteException or InvalidCastException or IndexOutOfRangeException or InvalidDataException or ArgumentException or FormatException
                    ? StoreFailure.Unreadable(_legacyDisplayPath, moveFailure)
                    : moveFailure;
            }

            _log = log;
            _openedAt = Stopwatch.GetTimestamp();
            return db;
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the lock must not outlive the attempt: this process and others open it again later.
            data?.Dispose();
            log?.Dispose();
            _osLock.Dispose();
            _osLock = null;
            if (StoreFailure.IsUnreadable(ex))
            {
                throw StoreFailure.Unreadable(DisplayPath, ex);
            }

            throw;
        }
    }

    /// <summary>
    /// Workspaces written before the trail had its own file kept it in <c>kse.db</c>. While the audit file has no
    /// trail and the state file has one, the documents are copied as they are (damage included, so verify still
    /// names it) in one transaction, flushed, and only then dropped from the state file. Runs under the OS lock.
    /// </summary>
    private void MoveLegacyTrail(LiteDatabase db, AuditLogStream log)
    {
        if (_legacyPath is null || !File.Exists(_legacyPath) || db.CollectionExists(LiteDbAuditTrail.CollectionName))
        {
            return;
        }

        using var legacy = new LiteDatabase(new ConnectionString { Filename = _legacyPath, Connection = ConnectionType.Shared, Upgrade = false });
        if (!legacy.CollectionExists(LiteDbAuditTrail.CollectionName))
        {
            return;
        }

        var source = legacy.GetCollection(LiteDbAuditTrail.CollectionName);
        if (source.Count() == 0)
        {
            legacy.DropCollection(LiteDbAuditTrail.CollectionName);
            return;
        }

        var target = db.GetCollection(LiteDbAuditTrail.CollectionName);
        var mark = log.Confirmed;
        db.BeginTrans();
        target.InsertBulk(source.Query().OrderBy("_id").ToEnumerable());
        if (!db.Commit())
        {
            throw new LiteException(0, "moving the audit trail out of the state file did not commit");
        }

        log.MakeDurable(mark, LockTimeout);
        legacy.DropCollection(LiteDbAuditTrail.CollectionName);

        // Every write under the lock is followed by its flush, so the writer's next mark counts from here.
        mark = log.Confirmed;
        if (target.EnsureIndex("ts", "$.ts"))
        {
            log.MakeDurable(mark, LockTimeout);
        }
    }

    /// <summary>An exclusive lock on the lock file (flock on Unix, a share-none handle on Windows); the OS drops it when the process dies, even by SIGKILL.</summary>
    private FileStream TakeOsLock()
    {
        var started = Stopwatch.GetTimestamp();
        var delayMs = 1;
        while (true)
        {
            try
            {
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException)
            {
                if (Stopwatch.GetElapsedTime(started) >= LockTimeout)
                {
                    throw Busy();
                }

                Thread.Sleep(Random.Shared.Next(delayMs, (2 * delayMs) + 1));
                delayMs = Math.Min(delayMs * 2, 4);
            }
        }
    }

    private void CloseIfIdle()
    {
        if (!_gate.Wait(0))
        {
            return; // in use: its return arms the timer again
        }

        try
        {
            if (_db is null)
            {
                return;
            }

            var idleFor = Stopwatch.GetElapsedTime(_lastReturn);
            if (idleFor >= Idle || Volatile.Read(ref _disposed) != 0)
            {
                CloseFile();
            }
            else
            {
                _idleTimer.Change(Idle - idleFor, Timeout.InfiniteTimeSpan);
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            _gate.Release();
        }
    }

    private void CloseFile()
    {
        try
        {
            // Closing checkpoints the log into the data file (flushed to disk) and empties the log.
            _db?.Dispose();
            _log?.Dispose();
            if (_db is not null && File.Exists(LogPath) && new FileInfo(LogPath).Length == 0)
            {
                File.Delete(LogPath);
            }
        }
        catch (Exception ex) when (ex is LiteException or IOException or UnauthorizedAccessException)
        {
            // Everything acknowledged is in the log file on disk already; the next opener recovers from it.
        }
        finally
        {
            _db = null;
            _log = null;
            _osLock?.Dispose();
            _osLock = null;
        }
    }

    private KseException Closed() => new("audit.closed", "the audit trail is closed; the action must not run", KseErrorKind.Failure);

    private KseException Busy() => new("audit.busy", $"the audit database '{Path}' stayed in use by another user for {LockTimeout.TotalSeconds:0} s", KseErrorKind.Failure);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _gate.Wait();
        try
        {
            _idleTimer.Dispose();
            CloseFile();
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>The right to use the audit file until disposed; <see cref="Break"/> closes the file on return (after a failed write).</summary>
public sealed class AuditLease : IDisposable
{
    private readonly AuditDatabase _owner;
    private bool _broken;
    private int _returned;

    private readonly AuditLogStream _log;

    internal AuditLease(AuditDatabase owner, LiteDatabase database, AuditLogStream log)
    {
        _owner = owner;
        Database = database;
        _log = log;
    }

    public LiteDatabase Database { get; }

    /// <summary>Take before a write transaction; pass to <see cref="MakeDurable"/> after its commit.</summary>
    public long LogMark => _log.Confirmed;

    /// <summary>
    /// Returns once the transaction committed after <paramref name="mark"/> is in the log file and the file is flushed
    /// to disk. Every write transaction under a lease must be followed by this call, so that the next mark is exact.
    /// </summary>
    public void MakeDurable(long mark) => _log.MakeDurable(mark, AuditDatabase.LockTimeout);

    public void Break() => _broken = true;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0)
        {
            _owner.Return(_broken);
        }
    }
}
