using System.Text;

namespace Kse.Core.Audit;

/// <summary>Result of <c>kse audit export</c>.</summary>
public sealed record AuditExportResult(string Path, string Format, long Entries);

/// <summary>Result of <c>kse audit query</c>: entries oldest first.</summary>
public sealed record AuditQueryResult(int Count, IReadOnlyList<AuditEntry> Entries);

/// <summary>Verify, checkpoint, export, query, summarize and flag anomalies over the stored trail.</summary>
public sealed class AuditService
{
    private readonly IAuditReader _reader;
    private readonly TimeProvider _clock;
    private readonly AuditAnomalyOptions _anomalyOptions;

    public AuditService(IAuditReader reader, TimeProvider clock, AuditAnomalyOptions? anomalyOptions = null)
    {
        _reader = reader;
        _clock = clock;
        _anomalyOptions = anomalyOptions ?? new AuditAnomalyOptions();
    }

    /// <summary>Re-walks the stored chain; with a checkpoint file, truncation is detected and a signature checked.</summary>
    public Task<AuditVerifyResult> VerifyAsync(string? checkpointPath = null, string? trustedKeyPath = null, CancellationToken cancellationToken = default) =>
        VerifyAsync(checkpointPath, trustedKeyPath, progress: null, cancellationToken);

    /// <inheritdoc cref="VerifyAsync(string?, string?, CancellationToken)"/>
    /// <param name="progress">Told how many entries are verified, every <see cref="VerifyProgressEvery"/> entries, of the head sequence.</param>
    public async Task<AuditVerifyResult> VerifyAsync(string? checkpointPath, string? trustedKeyPath, IProgress<WorkProgress>? progress, CancellationToken cancellationToken = default)
    {
        var checkpoint = checkpointPath is null ? null : AuditCheckpoint.Load(checkpointPath);
        var key = ReadKey(trustedKeyPath);
        var entries = _reader.WalkChainAsync(cancellationToken);
        if (progress is not null)
        {
            entries = Counted(entries, (await _reader.HeadAsync(cancellationToken))?.Sequence, progress);
        }

        return await AuditVerifier.VerifyAsync(entries, checkpoint, trustedPublicKeyPem: key, cancellationToken: cancellationToken) with { Source = "store" };
    }

    /// <summary>How many entries pass between two progress reports of a verify.</summary>
    public const int VerifyProgressEvery = 10_000;

    private static async IAsyncEnumerable<AuditEntry?> Counted(IAsyncEnumerable<AuditEntry?> entries, long? total, IProgress<WorkProgress> progress)
    {
        long done = 0;
        await foreach (var entry in entries)
        {
            yield return entry;
            if (++done % VerifyProgressEvery == 0)
            {
                progress.Report(new WorkProgress(done, total, $"verified {done} entries"));
            }
        }

        progress.Report(new WorkProgress(done, total is { } t ? Math.Max(t, done) : done, $"verified {done} entries"));
    }

    /// <summary>Verifies a JSON Lines export offline, without the database.</summary>
    public static async Task<AuditVerifyResult> VerifyFileAsync(string exportPath, string? checkpointPath = null, string? trustedKeyPath = null, bool partial = false, CancellationToken cancellationToken = default)
    {
        var checkpoint = checkpointPath is null ? null : AuditCheckpoint.Load(checkpointPath);
        var key = ReadKey(trustedKeyPath);
        return await AuditVerifier.VerifyAsync(AuditExport.ReadJsonLines(exportPath).ToAsyncEnumerable(), checkpoint, partial, trustedPublicKeyPem: key, cancellationToken: cancellationToken) with { Source = exportPath };
    }

    /// <summary>A checkpoint of the current head, after verifying the chain up to it (a broken chain gets no checkpoint).</summary>
    public async Task<AuditCheckpoint> CreateCheckpointAsync(string? signingKeyPath = null, CancellationToken cancellationToken = default)
    {
        var verified = await AuditVerifier.VerifyAsync(_reader.WalkChainAsync(cancellationToken), cancellationToken: cancellationToken);
        if (!verified.Intact)
        {
            throw new KseException("audit.chain_broken", $"no checkpoint written: {verified.Fault!.Message} (sequence {verified.Fault.Sequence}, {verified.Fault.Kind})", KseErrorKind.CheckFailed);
        }

        var cp = new AuditCheckpoint
        {
            Sequence = verified.HeadSequence ?? 0,
            HeadHash = verified.HeadHash ?? AuditCanonical.GenesisHash,
            CreatedAt = AuditCanonical.Normalize(_clock.GetUtcNow()),
        };
        if (signingKeyPath is null)
        {
            return cp;
        }

        if (!File.Exists(signingKeyPath))
        {
            throw KseException.NotFound("audit.key_not_found", $"key file '{signingKeyPath}' does not exist");
        }

        return AuditCheckpointSigner.Sign(cp, File.ReadAllText(signingKeyPath));
    }

    public async Task<AuditExportResult> ExportAsync(string format, string outPath, AuditQuery filter, CancellationToken cancellationToken = default)
    {
        var fmt = format.ToLowerInvariant();
        if (fmt is not ("jsonl" or "csv"))
        {
            throw KseException.BadInput("audit.format_unknown", $"unknown export format '{format}': use jsonl or csv");
        }

        var full = Path.GetFullPath(outPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        long n;
        await using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 16))
        {
            filter = AuditQueryRules.Checked(filter, limited: false);
            var entries = filter.IsEmpty ? _reader.ReadChainAsync(cancellationToken) : _reader.ScanAsync(filter, cancellationToken);
            n = fmt == "jsonl" ? await AuditExport.WriteJsonLinesAsync(entries, writer, cancellationToken) : await AuditExport.WriteCsvAsync(entries, writer, cancellationToken);
        }

        File.Move(temp, full, overwrite: true);
        return new AuditExportResult(full, fmt, n);
    }

    /// <summary>The newest matching entries (oldest first), under <see cref="AuditQueryRules"/>.</summary>
    public async Task<AuditQueryResult> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        var entries = await _reader.QueryAsync(AuditQueryRules.Checked(query), cancellationToken);
        return new AuditQueryResult(entries.Count, entries);
    }

    public Task<AuditSummary> SummaryAsync(DateOnly date, CancellationToken cancellationToken = default)
    {
        var from = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return AuditReports.SummarizeAsync(date, _reader.ScanAsync(new AuditQuery { From = from, To = from.AddDays(1) }, cancellationToken));
    }

    /// <summary>Flags since <paramref name="since"/> (default: the last 24 hours), each against the project's own history before it.</summary>
    public Task<AuditAnomalyReport> AnomaliesAsync(DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        var from = since ?? now.AddHours(-24);
        if (from > now)
        {
            throw KseException.BadInput("audit.since_invalid", $"since ({from:u}) is in the future");
        }

        var baselineFrom = from.AddDays(-_anomalyOptions.BaselineDays);
        var baseline = _reader.ScanAsync(new AuditQuery { From = baselineFrom, To = from }, cancellationToken);
        var window = _reader.ScanAsync(new AuditQuery { From = from }, cancellationToken);
        return AuditReports.FindAnomaliesAsync(baseline, window, from, now, baselineFrom, _anomalyOptions);
    }

    private static string? ReadKey(string? path)
    {
        if (path is null)
        {
            return null;
        }

        return File.Exists(path) ? File.ReadAllText(path) : throw KseException.NotFound("audit.key_not_found", $"key file '{path}' does not exist");
    }
}
