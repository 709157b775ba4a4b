using Kse.Core;
using LiteDB;

namespace Kse.Storage;

/// <summary>
/// How a store reports a file it cannot use: <c>store.unreadable</c> (exit 2) naming the file, so every face says the same
/// thing without guessing where an exception came from. A lock another process holds too long is not damage: it stays a failure.
/// </summary>
internal static class StoreFailure
{
    public const string UnreadableCode = "store.unreadable";

    /// <summary>Whether <paramref name="ex"/>, thrown while reading or writing a store file, means the file cannot be used as a store.</summary>
    public static bool IsUnreadable(Exception ex) =>
        ex is not (KseException or OperationCanceledException or OutOfMemoryException or ObjectDisposedException)
        && ex is not LiteException { ErrorCode: LiteException.LOCK_TIMEOUT };

    public static KseException Unreadable(string store, Exception ex) =>
        new(UnreadableCode, $"the state store {store} could not be read ({ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}); it is damaged or not a kse database: restore it from a backup", KseErrorKind.BadInput, ex);

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
