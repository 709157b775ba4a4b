namespace Kse.Core.Audit;

/// <summary>The newest entry of the chain.</summary>
public sealed record AuditHead(long Sequence, string Hash, DateTimeOffset Timestamp);

/// <summary>Filters of <c>kse audit query</c> and <c>export</c>; every filter is optional, the time range is [From, To).</summary>
public sealed record AuditQuery
{
    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    /// <summary>Matches the entry's project or one of its related projects.</summary>
    public string? Project { get; init; }

    public string? OperationType { get; init; }

    public string? Outcome { get; init; }

    /// <summary>The actor's name (an OS user, an operator or an MCP client name).</summary>
    public string? User { get; init; }

    public string? Environment { get; init; }

    /// <summary>Every entry of one action (its decision, approval, run, rollback and outcome) shares this id.</summary>
    public string? CorrelationId { get; init; }

    public int? Limit { get; init; }

    public bool HasContentFilter =>
        Project is not null || OperationType is not null || Outcome is not null || User is not null || Environment is not null || CorrelationId is not null;

    public bool IsEmpty => From is null && To is null && !HasContentFilter;

    /// <summary>The same test the store applies, for entries read from an export.</summary>
    public bool Matches(AuditEntry e) =>
        (From is null || e.Timestamp >= From) &&
        (To is null || e.Timestamp < To) &&
        (Project is null || string.Equals(e.Project, Project, StringComparison.Ordinal) || (e.RelatedProjects?.Contains(Project, StringComparer.Ordinal) ?? false)) &&
        (OperationType is null || string.Equals(e.OperationType, OperationType, StringComparison.Ordinal)) &&
        (Outcome is null || string.Equals(e.Outcome, Outcome, StringComparison.OrdinalIgnoreCase)) &&
        (User is null || string.Equals(e.ActorName, User, StringComparison.OrdinalIgnoreCase)) &&
        (Environment is null || string.Equals(e.Environment, Environment, StringComparison.Ordinal)) &&
        (CorrelationId is null || CorrelationMatches(e.CorrelationId, CorrelationId));

    /// <summary>The entry's correlation id is <paramref name="wanted"/> or one nested under it (<c>wanted-…</c>).</summary>
    public static bool CorrelationMatches(string? entry, string wanted) =>
        entry is not null && entry.StartsWith(wanted, StringComparison.Ordinal) && (entry.Length == wanted.Length || entry[wanted.Length] == '-');
}

/// <summary>The read side of the trail's store.</summary>
public interface IAuditReader
{
    /// <summary>The newest entry, or null when the trail is empty.</summary>
    ValueTask<AuditHead?> HeadAsync(CancellationToken cancellationToken = default);

    /// <summary>Every stored entry in storage order, streamed; throws <c>audit.entry_unreadable</c> (check failed) at a document that is no longer an entry.</summary>
    IAsyncEnumerable<AuditEntry> ReadChainAsync(CancellationToken cancellationToken = default);

    /// <summary>What verify walks: every stored document in storage order, null for one that is no longer a readable entry.</summary>
    IAsyncEnumerable<AuditEntry?> WalkChainAsync(CancellationToken cancellationToken = default);

    /// <summary>Entries matching <paramref name="query"/>, oldest first; <see cref="AuditQuery.Limit"/> keeps the newest ones.</summary>
    ValueTask<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Entries matching <paramref name="query"/>, oldest first, streamed without a limit.</summary>
    IAsyncEnumerable<AuditEntry> ScanAsync(AuditQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Turns a draft into a sealed entry: secrets redacted, then sequence, timestamp and hashes.</summary>
public static class AuditSealer
{
    /// <summary>The default of <c>Kse:Audit:MaxParameterBytes</c>: a parameter value larger than this is stored as its digest.</summary>
    public const int DefaultMaxParameterBytes = 4096;

    /// <summary>
    /// The redacted, not yet sealed entry (sequence 0, empty hashes); cheap to do on the caller's thread. A parameter value over
    /// <paramref name="maxParameterBytes"/> UTF-8 bytes is stored as <c>sha256:&lt;hex&gt; (&lt;n&gt; bytes)</c>: a 10 MB diff stays
    /// identifiable without growing a chain that can never be pruned.
    /// </summary>
    public static AuditEntry Prepare(AuditDraft draft, int maxParameterBytes = DefaultMaxParameterBytes)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (draft.Actor is null || string.IsNullOrWhiteSpace(draft.Actor.Kind) || string.IsNullOrWhiteSpace(draft.Actor.Name))
        {
            throw KseException.BadInput("audit.actor_missing", "an audit entry needs an actor kind and name");
        }

        if (string.IsNullOrWhiteSpace(draft.OperationType))
        {
            throw KseException.BadInput("audit.type_missing", "an audit entry needs an operation type");
        }

        // A secret given as a parameter is masked wherever it reappears: a command line, an error, a recovery step.
        var secrets = SecretRedactor.SecretValues(draft.Parameters);
        return new AuditEntry
        {
            Sequence = 0,
            Timestamp = default,
            ActorKind = draft.Actor.Kind,
            ActorName = draft.Actor.Name,
            OperationType = draft.OperationType,
            Project = draft.Project,
            Version = draft.Version,
            Environment = draft.Environment,
            TakeoverLevel = draft.TakeoverLevel,
            Target = SecretRedactor.RedactValue(draft.Target, secrets),
            Parameters = Digested(SecretRedactor.RedactParameters(draft.Parameters), maxParameterBytes),
            Decision = draft.Decision,
            Rules = SecretRedactor.RedactList(draft.Rules, secrets),
            Outcome = draft.Outcome,
            ErrorContext = SecretRedactor.RedactValue(draft.ErrorContext, secrets),
            RecoveryAttempts = SecretRedactor.RedactList(draft.RecoveryAttempts, secrets),
            CorrelationId = draft.CorrelationId,
            RelatedProjects = draft.RelatedProjects is { Count: > 0 } r ? r.ToList() : null,
            PreviousHash = string.Empty,
            Hash = string.Empty,
        };
    }

    /// <summary>The value itself when it is at most <paramref name="maxBytes"/> UTF-8 bytes, else <c>sha256:&lt;hex&gt; (&lt;n&gt; bytes)</c>.</summary>
    public static string? DigestIfLarge(string? value, int maxBytes)
    {
        if (value is null || (long)value.Length * 3 <= maxBytes)
        {
            return value;
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        return bytes.Length <= maxBytes
            ? value
            : $"sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))} ({bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)} bytes)";
    }

    private static IReadOnlyDictionary<string, string?>? Digested(IReadOnlyDictionary<string, string?>? parameters, int maxBytes)
    {
        if (parameters is null || parameters.Values.All(v => v is null || (long)v.Length * 3 <= maxBytes))
        {
            return parameters;
        }

        return parameters.ToDictionary(p => p.Key, p => DigestIfLarge(p.Value, maxBytes), StringComparer.Ordinal);
    }

    /// <summary>
    /// Places a prepared entry after <paramref name="head"/>. The timestamp never goes back behind the
    /// head's, so sequence order and time order agree even across processes.
    /// </summary>
    public static AuditEntry Seal(AuditEntry prepared, AuditHead? head, DateTimeOffset now)
    {
        var ts = AuditCanonical.Normalize(now);
        if (head is not null && ts < head.Timestamp)
        {
            ts = head.Timestamp;
        }

        var sealedEntry = prepared with
        {
            Sequence = (head?.Sequence ?? 0) + 1,
            Timestamp = ts,
            PreviousHash = head?.Hash ?? AuditCanonical.GenesisHash,
        };
        return sealedEntry with { Hash = AuditCanonical.ComputeHash(sealedEntry) };
    }
}
