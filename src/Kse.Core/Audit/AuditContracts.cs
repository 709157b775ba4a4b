namespace Kse.Core.Audit;

/// <summary>What a caller hands the audit trail; the trail adds sequence, timestamp, redaction and hashes.</summary>
public sealed record AuditDraft
{
    public required Actor Actor { get; init; }

    /// <summary>e.g. <c>tool.call</c>, <c>takeover.change</c>, <c>approval.approve</c>, <c>ops.run</c>.</summary>
    public required string OperationType { get; init; }

    public string? Project { get; init; }

    public string? Version { get; init; }

    public string? Environment { get; init; }

    public string? TakeoverLevel { get; init; }

    /// <summary>What was acted on: a tool name, an operation, an instance.</summary>
    public string? Target { get; init; }

    /// <summary>Parameters as given; values under secret-looking keys are redacted before they are stored.</summary>
    public IReadOnlyDictionary<string, string?>? Parameters { get; init; }

    public string? Decision { get; init; }

    public IReadOnlyList<string>? Rules { get; init; }

    /// <summary>e.g. <c>decided</c>, <c>succeeded</c>, <c>failed</c>, <c>denied</c>, <c>queued</c>.</summary>
    public string? Outcome { get; init; }

    public string? ErrorContext { get; init; }

    public IReadOnlyList<string>? RecoveryAttempts { get; init; }

    /// <summary>Ties the decision entry and the outcome entry of one action together.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Further projects a cross-project operation touches.</summary>
    public IReadOnlyList<string>? RelatedProjects { get; init; }
}

/// <summary>One stored, hashed entry of the append-only trail.</summary>
public sealed record AuditEntry
{
    public required long Sequence { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public required string ActorKind { get; init; }

    public required string ActorName { get; init; }

    public required string OperationType { get; init; }

    public string? Project { get; init; }

    public string? Version { get; init; }

    public string? Environment { get; init; }

    public string? TakeoverLevel { get; init; }

    public string? Target { get; init; }

    public IReadOnlyDictionary<string, string?>? Parameters { get; init; }

    public string? Decision { get; init; }

    public IReadOnlyList<string>? Rules { get; init; }

    public string? Outcome { get; init; }

    public string? ErrorContext { get; init; }

    public IReadOnlyList<string>? RecoveryAttempts { get; init; }

    public string? CorrelationId { get; init; }

    public IReadOnlyList<string>? RelatedProjects { get; init; }

    public required string PreviousHash { get; init; }

    public required string Hash { get; init; }
}

/// <summary>The append side of the tamper-evident trail. An append that throws means the action must not run.</summary>
public interface IAuditTrail
{
    ValueTask<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken = default);
}
