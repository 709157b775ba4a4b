using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Kse.Core.Audit;

/// <summary>
/// The canonical form an entry's hash is computed over: one JSON object, every field present in a
/// fixed order (null when absent), parameters sorted by key, the timestamp as UTC with milliseconds.
/// It includes the sequence, the timestamp and the previous entry's hash, so no entry can be moved,
/// renumbered or re-timed without changing its hash.
/// </summary>
public static class AuditCanonical
{
    /// <summary>The previous hash of entry 1.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = true };

    /// <summary>Timestamps are kept at millisecond precision (what the store keeps) and in UTC.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset timestamp)
    {
        var utc = timestamp.UtcTicks;
        return new DateTimeOffset(utc - (utc % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    public static string FormatTimestamp(DateTimeOffset timestamp) =>
        Normalize(timestamp).UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    /// <summary>The lowercase hex SHA-256 of the entry's canonical form (its <see cref="AuditEntry.Hash"/> is ignored).</summary>
    public static string ComputeHash(AuditEntry entry)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        Write(entry, writer);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The canonical bytes as a string, for documentation and tests.</summary>
    public static string CanonicalJson(AuditEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(entry, writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Whether the stored hash matches the entry's content.</summary>
    public static bool HashMatches(AuditEntry entry) =>
        string.Equals(ComputeHash(entry), entry.Hash, StringComparison.Ordinal);

    private static void Write(AuditEntry e, Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("v", 1);
        w.WriteNumber("sequence", e.Sequence);
        w.WriteString("timestamp", FormatTimestamp(e.Timestamp));
        w.WriteString("actorKind", e.ActorKind);
        w.WriteString("actorName", e.ActorName);
        w.WriteString("operationType", e.OperationType);
        w.WriteString("project", e.Project);
        w.WriteString("version", e.Version);
        w.WriteString("environment", e.Environment);
        w.WriteString("takeoverLevel", e.TakeoverLevel);
        w.WriteString("target", e.Target);
        w.WritePropertyName("parameters");
        if (e.Parameters is null)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteStartObject();
            if (e.Parameters.Count == 1)
            {
                foreach (var (key, value) in e.Parameters)
                {
                    w.WriteString(key, value);
                }
            }
            else
            {
                var keys = new string[e.Parameters.Count];
                var i = 0;
                foreach (var key in e.Parameters.Keys)
                {
                    keys[i++] = key;
                }

                Array.Sort(keys, StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    w.WriteString(key, e.Parameters[key]);
                }
            }

            w.WriteEndObject();
        }

        w.WriteString("decision", e.Decision);
        WriteList(w, "rules", e.Rules);
        w.WriteString("outcome", e.Outcome);
        w.WriteString("errorContext", e.ErrorContext);
        WriteList(w, "recoveryAttempts", e.RecoveryAttempts);
        w.WriteString("correlationId", e.CorrelationId);
        WriteList(w, "relatedProjects", e.RelatedProjects);
        w.WriteString("previousHash", e.PreviousHash);
        w.WriteEndObject();
        w.Flush();
    }

    private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string>? values)
    {
        w.WritePropertyName(name);
        if (values is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartArray();
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }
}
