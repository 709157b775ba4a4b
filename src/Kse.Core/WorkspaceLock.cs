namespace Kse.Core;

/// <summary>
/// An exclusive lock on a file under <c>.sce/state/</c>, held by one process (and one caller in it) at a time: the OS lock
/// of a file opened without sharing. Read-decide-write sequences that must see the latest state (a level change whose
/// audited <c>from</c> must be the level really in force) run under it, whichever process runs them.
/// </summary>
public static class WorkspaceLock
{
    public static async Task<IDisposable> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        StateFolder.Create(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(Random.Shared.Next(5, 30), cancellationToken);
            }
            catch (IOException ex)
            {
                throw new KseException("state.busy", $"{Path.GetFileName(path)} stayed locked by another kse process for {timeout.TotalSeconds:0} s; try again", KseErrorKind.Failure, ex);
            }
        }
    }
}
