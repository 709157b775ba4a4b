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
        : this(workspace.DatabasePath)
    {
    }

    public KseDatabase(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _db = new Lazy<LiteDatabase>(Open, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Path { get; }

    /// <summary>The open database; the file and its folder are created on first use.</summary>
    public LiteDatabase Database => _db.Value;

    /// <summary>Whether the file has been opened by this instance (readers use it to avoid creating an empty file).</summary>
    public bool IsOpen => _db.IsValueCreated;

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
        catch (LiteException ex)
        {
            throw new KseException("storage.open_failed", $"cannot open the state database '{Path}': {ex.Message}", KseErrorKind.Failure, ex);
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
