using Kse.Core;
using LiteDB;

namespace Kse.Storage;

/// <summary>
/// The workspace's LiteDB file (<c>.sce/state/kse.db</c>). Opened in shared mode so that a running
/// <c>kse serve</c> and short-lived <c>kse</c> commands can use the same file without forking anything:
/// every write runs under LiteDB's cross-process lock.
/// </summary>
public sealed class KseDatabase : IDisposable
{
    private readonly Lazy<LiteDatabase> _db;

    public KseDatabase(KseWorkspace workspace)
        : this(workspace.DatabasePath, workspace.Root)
    {
    }

    /// <param name="path">The database file.</param>
    /// <param name="root">The workspace root, to name the file relative to it in errors.</param>
    public KseDatabase(string path, string? root = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        DisplayPath = StoreFailure.Display(Path, root);
        _db = new Lazy<LiteDatabase>(Open, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Path { get; }

    /// <summary>How errors name the file (relative to the workspace root).</summary>
    public string DisplayPath { get; }

    /// <summary>The open database; the file and its folder are created on first use.</summary>
    public LiteDatabase Database => _db.Value;

    /// <summary>Whether the file has been opened by this instance (readers use it to avoid creating an empty file).</summary>
    public bool IsOpen => _db.IsValueCreated;

    /// <summary>
    /// Runs one store operation. In shared mode LiteDB opens the file for each operation, so damage shows up here, as any
    /// exception type: it leaves as <c>store.unreadable</c> naming the file.
    /// </summary>
    public T Use<T>(Func<LiteDatabase, T> operation)
    {
        try
        {
            return operation(Database);
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(DisplayPath, ex);
        }
    }

    /// <inheritdoc cref="Use{T}(Func{LiteDatabase, T})"/>
    public void Use(Action<LiteDatabase> operation) =>
        Use(db =>
        {
            operation(db);
            return true;
        });

    private LiteDatabase Open()
    {
        StateFolder.Create(System.IO.Path.GetDirectoryName(Path)!);
        var cs = new ConnectionString
        {
            Filename = Path,
            Connection = ConnectionType.Shared,
            Upgrade = false,
        };
        try
        {
            var db = new LiteDatabase(cs);
            StateFolder.ProtectFile(Path);
            return db;
        }
        catch (Exception ex) when (StoreFailure.IsUnreadable(ex))
        {
            throw StoreFailure.Unreadable(DisplayPath, ex);
        }
    }

    public void Dispose()
    {
        if (_db.IsValueCreated)
        {
            _db.Value.Dispose();
        }
    }
}
