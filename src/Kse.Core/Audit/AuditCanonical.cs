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

    private static readonly JsonEncodedText PV = JsonEncodedText.Encode("v");
    private static readonly JsonEncodedText PSequence = JsonEncodedText.Encode("sequence");
    private static readonly JsonEncodedText PTimestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText PActorKind = JsonEncodedText.Encode("actorKind");
    private static readonly JsonEncodedText PActorName = JsonEncodedText.Encode("actorName");
    private static readonly JsonEncodedText POperationType = JsonEncodedText.Encode("operationType");
    private static readonly JsonEncodedText PProject = JsonEncodedText.Encode("project");
    private static readonly JsonEncodedText PVersion = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText PEnvironment = JsonEncodedText.Encode("environment");
    private static readonly JsonEncodedText PTakeoverLevel = JsonEncodedText.Encode("takeoverLevel");
    private static readonly JsonEncodedText PTarget = JsonEncodedText.Encode("target");
    private static readonly JsonEncodedText PParameters = JsonEncodedText.Encode("parameters");
    private static readonly JsonEncodedText PDecision = JsonEncodedText.Encode("decision");
    private static readonly JsonEncodedText PRules = JsonEncodedText.Encode("rules");
    private static readonly JsonEncodedText POutcome = JsonEncodedText.Encode("outcome");
    private static readonly JsonEncodedText PErrorContext = JsonEncodedText.Encode("errorContext");
    private static readonly JsonEncodedText PRecoveryAttempts = JsonEncodedText.Encode("recoveryAttempts");
    private static readonly JsonEncodedText PCorrelationId = JsonEncodedText.Encode("correlationId");
    private static readonly JsonEncodedText PRelatedProjects = JsonEncodedText.Encode("relatedProjects");
    private static readonly JsonEncodedText PPreviousHash = JsonEncodedText.Encode("previousHash");

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
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        HashInto(entry, hash);
        return Convert.ToHexStringLower(hash);
    }

    private static void HashInto(AuditEntry entry, Span<byte> hash)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        Write(entry, writer);
        SHA256.HashData(buffer.WrittenSpan, hash);
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
    public static bool HashMatches(AuditEntry entry)
    {
        if (entry.Hash is not { Length: SHA256.HashSizeInBytes * 2 })
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        HashInto(entry, hash);
        Span<char> hex = stackalloc char[SHA256.HashSizeInBytes * 2];
        Convert.TryToHexStringLower(hash, hex, out _);
        return hex.SequenceEqual(entry.Hash);
    }

    private static void Write(AuditEntry e, Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber(PV, 1);
        w.WriteNumber(PSequence, e.Sequence);
        Span<char> ts = stackalloc char[32];
        var utc = Normalize(e.Timestamp).UtcDateTime;
        if (!utc.TryFormat(ts, out var tsLength, TimestampFormat, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("timestamp does not fit its canonical form");
        }

        w.WriteString(PTimestamp, ts[..tsLength]);
        w.WriteString(PActorKind, e.ActorKind);
        w.WriteString(PActorName, e.ActorName);
        w.WriteString(POperationType, e.OperationType);
        w.WriteString(PProject, e.Project);
        w.WriteString(PVersion, e.Version);
        w.WriteString(PEnvironment, e.Environment);
        w.WriteString(PTakeoverLevel, e.TakeoverLevel);
        w.WriteString(PTarget, e.Target);
        w.WritePropertyName(PParameters);
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

        w.WriteString(PDecision, e.Decision);
        WriteList(w, PRules, e.Rules);
        w.WriteString(POutcome, e.Outcome);
        w.WriteString(PErrorContext, e.ErrorContext);
        WriteList(w, PRecoveryAttempts, e.RecoveryAttempts);
        w.WriteString(PCorrelationId, e.CorrelationId);
        WriteList(w, PRelatedProjects, e.RelatedProjects);
        w.WriteString(PPreviousHash, e.PreviousHash);
        w.WriteEndObject();
        w.Flush();
    }

    private static void WriteList(Utf8JsonWriter w, JsonEncodedText name, IReadOnlyList<string>? values)
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
