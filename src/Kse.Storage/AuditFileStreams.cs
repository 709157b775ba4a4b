using Kse.Core;

namespace Kse.Storage;

/// <summary>
/// The files behind <see cref="AuditDatabase"/>, handed to LiteDB as its data and log streams so that the trail
/// decides when the disk is flushed. LiteDB (file format 8) writes the log one 8 KiB page per call from a
/// background writer; the last page of each committed transaction has its "confirmed" byte (offset 18) set.
/// </summary>
internal class AuditFileStream : Stream
{
    protected const int PageSize = 8192;

    public AuditFileStream(string path)
    {
        // Unbuffered: every write goes straight to the OS, so a process killed afterwards loses nothing written.
        Inner = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.RandomAccess);
    }

    protected FileStream Inner { get; }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => Inner.Length;

    public override long Position
    {
        get => Inner.Position;
        set => Inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Inner.Read(buffer, offset, count);

    public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);

    public override long Seek(long offset, SeekOrigin origin) => Inner.Seek(offset, origin);

    public override void SetLength(long value) => Inner.SetLength(value);

    /// <summary>LiteDB flushes the data file after a checkpoint copied the log into it: that flush goes to the disk.</summary>
    public override void Flush() => Inner.Flush(flushToDisk: true);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// The log file. It counts the confirmed pages written, so the trail can wait until its own commit reached the
/// OS, and then flushes the file to disk itself, once per commit (LiteDB's own background flushes are skipped).
/// </summary>
internal sealed class AuditLogStream(string path) : AuditFileStream(path)
{
    private const int ConfirmedOffset = 18;
    private readonly object _sync = new();
    private long _confirmed;

    /// <summary>How many committed transactions have been written to the log file since it was opened.</summary>
    public long Confirmed
    {
        get
        {
            lock (_sync)
            {
                return _confirmed;
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Inner.Write(buffer, offset, count);
        if (count == PageSize && buffer[offset + ConfirmedOffset] == 1)
        {
            lock (_sync)
            {
                _confirmed++;
                Monitor.PulseAll(_sync);
            }
        }
    }

    /// <summary>Waits until more than <paramref name="mark"/> transactions are in the log file, then flushes it to disk.</summary>
    public void MakeDurable(long mark, TimeSpan timeout)
    {
        lock (_sync)
        {
            while (_confirmed <= mark)
            {
                if (!Monitor.Wait(_sync, timeout))
                {
                    throw new KseException("audit.append_failed", "the audit log writer did not write the commit", KseErrorKind.Failure);
                }
            }
        }

        // LiteDB's writer holds the stream's monitor while it positions and writes; flush between its writes.
        lock (this)
        {
            Inner.Flush(flushToDisk: true);
        }
    }

    public override void Flush()
    {
        // The trail flushes after each of its commits (MakeDurable); nothing else in the log needs the disk.
    }
}
