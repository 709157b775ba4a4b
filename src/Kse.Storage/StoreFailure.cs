using Kse.Core;
using LiteDB;

namespace Kse.Storage;

/// <summary>
/// How a store reports a file it cannot use, naming the file, so every face says the same thing without guessing where an
/// exception came from: content that is not a kse database is <c>store.unreadable</c> (exit 2, restore it); a file the process
/// cannot open at all (permissions, a folder in its place) is <c>store.unavailable</c> (exit 5, fix the environment). A lock
/// another process holds too long is neither: it stays the store's own failure.
/// </summary>
internal static class StoreFailure
{
    public const string UnreadableCode = "store.unreadable";

    /// <summary>Whether <paramref name="ex"/>, thrown while reading or writing a store file, means the file cannot be used as a store.</summary>
    public static bool IsUnreadable(Exception ex) =>
        ex is not (KseException or OperationCanceledException or OutOfMemoryException or ObjectDisposedException)
        && ex is not LiteException { ErrorCode: LiteException.LOCK_TIMEOUT };

    public static KseException Unreadable(string store, Exception ex) =>
        ex is UnauthorizedAccessException || (ex is IOException && ex is not EndOfStreamException)
            ? new("store.unavailable", $"the state store {store} could not be opened ({ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}); check that it is a file this user can read and write", KseErrorKind.Failure, ex)
            : new(UnreadableCode, $"the state store {store} could not be read ({ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}); it is damaged or not a kse database: restore it from a backup", KseErrorKind.BadInput, ex);

    /// <summary>The path as a user knows it: relative to the workspace root when the file is inside it.</summary>
    public static string Display(string path, string? root)
    {
        if (root is null)
        {
            return path;
        }

        var relative = Path.GetRelativePath(root, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
