using System.Text;
using System.Text.Json;

namespace Kse.Core.Audit;

/// <summary>Export formats of the trail: JSON Lines (one complete entry per line, verifiable offline) and CSV (RFC 4180).</summary>
public static class AuditExport
{
    public static readonly string[] CsvColumns =
    [
        "sequence", "timestamp", "actorKind", "actorName", "operationType", "project", "version", "environment",
        "takeoverLevel", "target", "parameters", "decision", "rules", "outcome", "errorContext", "recoveryAttempts",
        "correlationId", "relatedProjects", "previousHash", "hash",
    ];

    /// <summary>Writes entries as JSON Lines; returns how many were written.</summary>
    public static async Task<long> WriteJsonLinesAsync(IAsyncEnumerable<AuditEntry> entries, TextWriter output, CancellationToken cancellationToken = default)
    {
        long n = 0;
        await foreach (var e in entries.WithCancellation(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            output.Write(JsonSerializer.Serialize(e, KseJson.Options));
            output.Write('\n');
            n++;
        }

        return n;
    }

    /// <summary>Writes entries as CSV per RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma, quote or line break; lists and parameters as JSON.</summary>
    public static async Task<long> WriteCsvAsync(IAsyncEnumerable<AuditEntry> entries, TextWriter output, CancellationToken cancellationToken = default)
    {
        output.Write(string.Join(',', CsvColumns));
        output.Write("\r\n");
        long n = 0;
        var sb = new StringBuilder(512);
        await foreach (var e in entries.WithCancellation(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            sb.Clear();
            string?[] fields =
            [
                e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), AuditCanonical.FormatTimestamp(e.Timestamp),
                e.ActorKind, e.ActorName, e.OperationType, e.Project, e.Version, e.Environment, e.TakeoverLevel, e.Target,
                e.Parameters is null ? null : JsonSerializer.Serialize(e.Parameters, KseJson.Options),
                e.Decision, Json(e.Rules), e.Outcome, e.ErrorContext, Json(e.RecoveryAttempts), e.CorrelationId,
                Json(e.RelatedProjects), e.PreviousHash, e.Hash,
            ];
            for (var i = 0; i < fields.Length; i++)
            {
                if (i > 0)
                {
                    sb.Append(',');
                }

                AppendCsvField(sb, fields[i]);
            }

            sb.Append("\r\n");
            output.Write(sb);
            n++;
        }

        return n;
    }

    public static void AppendCsvField(StringBuilder sb, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            sb.Append(value);
            return;
        }

        sb.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    /// <summary>Reads a JSON Lines export; an unreadable line yields null so verify can name its position.</summary>
    public static IEnumerable<AuditEntry?> ReadJsonLines(string path)
    {
        if (!File.Exists(path))
        {
            throw KseException.NotFound("audit.export_not_found", $"export file '{path}' does not exist");
        }

        return Read(path);

        static IEnumerable<AuditEntry?> Read(string path)
        {
            foreach (var line in File.ReadLines(path))
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                AuditEntry? entry;
                try
                {
                    entry = JsonSerializer.Deserialize<AuditEntry>(line, KseJson.Options);
                }
                catch (JsonException)
                {
                    entry = null;
                }

                yield return entry;
            }
        }
    }

    private static string? Json(IReadOnlyList<string>? values) =>
        values is null ? null : JsonSerializer.Serialize(values, KseJson.Options);
}
