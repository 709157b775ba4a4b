namespace Kse.Core.Audit;

/// <summary>The kinds of damage <c>kse audit verify</c> names.</summary>
public static class AuditFaultKind
{
    /// <summary>An entry's content no longer matches its hash, or it was re-hashed and the next entry no longer links to it.</summary>
    public const string Modified = "modified";

    /// <summary>A sequence number is missing.</summary>
    public const string Deleted = "deleted";

    /// <summary>A sequence number appears twice.</summary>
    public const string Inserted = "inserted";

    /// <summary>Entries are present but out of order.</summary>
    public const string Reordered = "reordered";

    /// <summary>The chain ends before the checkpoint's sequence.</summary>
    public const string Truncated = "truncated";

    /// <summary>The checkpoint's signature does not verify.</summary>
    public const string CheckpointSignature = "checkpoint_signature";
}

/// <summary>The first problem found: the sequence number it concerns, what kind it is, and a sentence saying why.</summary>
public sealed record AuditFault(long Sequence, string Kind, string Message);

/// <summary>What the checkpoint check found.</summary>
/// <param name="SignatureValid">True only when the signature verified with a trusted key (<c>--key</c>); null when not checked.</param>
public sealed record AuditCheckpointCheck(long Sequence, string HeadHash, bool Signed, bool? SignatureValid, bool Matches);

/// <summary>The result of re-walking the chain.</summary>
public sealed record AuditVerifyResult
{
    public required bool Intact { get; init; }

    public required long Entries { get; init; }

    public long? FirstSequence { get; init; }

    public long? HeadSequence { get; init; }

    public string? HeadHash { get; init; }

    public AuditFault? Fault { get; init; }

    public AuditCheckpointCheck? Checkpoint { get; init; }

    /// <summary>For a filtered export verified with <c>--partial</c>: how many gaps were accepted.</summary>
    public long? Gaps { get; init; }

    public string? Source { get; init; }
}

/// <summary>Re-walks a chain in stored order and names the first entry that was modified, deleted, inserted or reordered; with a checkpoint, truncation too.</summary>
public static class AuditVerifier
{
    /// <summary>Verifies entries already in memory (an export read, a test's chain); the store is walked with <see cref="VerifyAsync"/>.</summary>
    public static AuditVerifyResult Verify(IEnumerable<AuditEntry?> entries, AuditCheckpoint? checkpoint = null, bool partial = false, bool requireGenesis = true, string? trustedPublicKeyPem = null, CancellationToken cancellationToken = default)
    {
        // A synchronous source completes every step synchronously, so this never blocks on I/O.
        var pending = VerifyAsync(entries.ToAsyncEnumerable(), checkpoint, partial, requireGenesis, trustedPublicKeyPem, cancellationToken);
        return pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    /// <param name="entries">Entries in stored (or exported) order; a null item stands for an unreadable line.</param>
    /// <param name="partial">Accept gaps in the sequence (a filtered export): each entry's own hash is still checked, links only across consecutive sequences.</param>
    public static async ValueTask<AuditVerifyResult> VerifyAsync(IAsyncEnumerable<AuditEntry?> entries, AuditCheckpoint? checkpoint = null, bool partial = false, bool requireGenesis = true, string? trustedPublicKeyPem = null, CancellationToken cancellationToken = default)
    {
        AuditCheckpointCheck? cpCheck = null;
        if (checkpoint is not null)
        {
            // Without a pinned key a signature only proves the checkpoint agrees with the key it carries, which anyone can
            // make: an altered checkpoint still fails, but a consistent one is "not checked" (null), never "valid".
            var signatureValid = checkpoint.Signature is null ? (bool?)null : AuditCheckpointSigner.VerifySignature(checkpoint, trustedPublicKeyPem);
            if (trustedPublicKeyPem is null && signatureValid == true)
            {
                signatureValid = null;
            }

            cpCheck = new AuditCheckpointCheck(checkpoint.Sequence, checkpoint.HeadHash, checkpoint.Signature is not null, signatureValid, false);
            if (trustedPublicKeyPem is not null && checkpoint.Signature is null)
            {
                signatureValid = false;
            }

            if (signatureValid == false)
            {
                return new AuditVerifyResult
                {
                    Intact = false,
                    Entries = 0,
                    Checkpoint = cpCheck,
                    Fault = new AuditFault(checkpoint.Sequence, AuditFaultKind.CheckpointSignature, "the checkpoint's signature does not verify: the checkpoint was altered or signed with another key"),
                };
            }
        }

        long count = 0;
        long gaps = 0;
        AuditEntry? prev = null;
        long? first = null;
        string? hashAtCheckpoint = null;
        HashSet<long>? seen = partial ? [] : null;
        await using var e = entries.GetAsyncEnumerator(cancellationToken);

        AuditVerifyResult Fail(AuditFault fault) => new()
        {
            Intact = false,
            Entries = count,
            FirstSequence = first,
            HeadSequence = prev?.Sequence,
            HeadHash = prev?.Hash,
            Fault = fault,
            Checkpoint = cpCheck,
            Gaps = partial ? gaps : null,
        };

        while (await e.MoveNextAsync())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = e.Current;
            var expected = prev is null ? (requireGenesis && !partial ? 1 : entry?.Sequence ?? 1) : prev.Sequence + 1;
            if (entry is null)
            {
                return Fail(new AuditFault(expected, AuditFaultKind.Modified, $"the entry at position {count + 1} (expected sequence {expected}) cannot be read as an audit entry"));
            }

            first ??= entry.Sequence;

            // Content first: an entry that no longer matches its own hash was edited, wherever it now sits.
            if (!AuditCanonical.HashMatches(entry))
            {
                var at = entry.Sequence == expected || partial ? entry.Sequence : expected;
                var claim = at == entry.Sequence ? string.Empty : $" (it now claims sequence {entry.Sequence})";
                return Fail(new AuditFault(at, AuditFaultKind.Modified, $"entry {at} does not match its hash: its content was modified{claim}"));
            }

            if (prev is null && entry.Sequence < expected)
            {
                return Fail(new AuditFault(expected, AuditFaultKind.Deleted, $"the chain starts at sequence {entry.Sequence}, not {expected}"));
            }

            if (entry.Sequence < expected || (seen is not null && seen.Contains(entry.Sequence)))
            {
                var duplicate = seen?.Contains(entry.Sequence) ?? (entry.Sequence >= first && entry.Sequence <= prev!.Sequence);
                return duplicate
                    ? Fail(new AuditFault(entry.Sequence, AuditFaultKind.Inserted, $"sequence {entry.Sequence} appears a second time after sequence {prev?.Sequence}: an entry was inserted"))
                    : Fail(new AuditFault(entry.Sequence, AuditFaultKind.Reordered, $"sequence {entry.Sequence} comes after sequence {prev?.Sequence}: entries were reordered"));
            }

            if (entry.Sequence > expected)
            {
                if (!partial)
                {
                    var missing = expected;
                    var later = false;
                    while (await e.MoveNextAsync())
                    {
                        if (e.Current?.Sequence == missing)
                        {
                            later = true;
                            break;
                        }
                    }

                    return later
                        ? Fail(new AuditFault(missing, AuditFaultKind.Reordered, $"sequence {missing} is not where it belongs (sequence {entry.Sequence} comes first): entries were reordered"))
                        : prev is null
                            ? Fail(new AuditFault(missing, AuditFaultKind.Deleted, $"the chain starts at sequence {entry.Sequence}: entries 1 to {entry.Sequence - 1} were deleted"))
                            : Fail(new AuditFault(missing, AuditFaultKind.Deleted, $"sequence {missing} is missing between {prev.Sequence} and {entry.Sequence}: an entry was deleted"));
                }

                if (prev is not null)
                {
                    gaps++;
                }
            }

            var linked = prev is not null && entry.Sequence == prev.Sequence + 1;
            if (linked && !string.Equals(entry.PreviousHash, prev!.Hash, StringComparison.Ordinal))
            {
                return Fail(new AuditFault(prev.Sequence, AuditFaultKind.Modified, $"entry {entry.Sequence} does not link to entry {prev.Sequence}: entry {prev.Sequence} was modified and re-hashed, or replaced"));
            }

            if (prev is null && entry.Sequence == 1 && !string.Equals(entry.PreviousHash, AuditCanonical.GenesisHash, StringComparison.Ordinal))
            {
                return Fail(new AuditFault(1, AuditFaultKind.Modified, "entry 1 does not start from the genesis hash: it was modified and re-hashed"));
            }

            if (checkpoint is not null && entry.Sequence == checkpoint.Sequence)
            {
                hashAtCheckpoint = entry.Hash;
            }

            seen?.Add(entry.Sequence);
            prev = entry;
            count++;
        }

        if (checkpoint is not null)
        {
            var head = prev?.Sequence ?? 0;
            if (head < checkpoint.Sequence)
            {
                return Fail(new AuditFault(head + 1, AuditFaultKind.Truncated, $"the chain ends at sequence {head} but the checkpoint of {checkpoint.CreatedAt:u} records {checkpoint.Sequence} entries: entries from {head + 1} on were removed"));
            }

            if (hashAtCheckpoint is null && !partial && checkpoint.Sequence > 0)
            {
                return Fail(new AuditFault(checkpoint.Sequence, AuditFaultKind.Deleted, $"entry {checkpoint.Sequence} named by the checkpoint is not in the chain"));
            }

            if (hashAtCheckpoint is not null && !string.Equals(hashAtCheckpoint, checkpoint.HeadHash, StringComparison.Ordinal))
            {
                return Fail(new AuditFault(checkpoint.Sequence, AuditFaultKind.Modified, $"entry {checkpoint.Sequence} differs from the checkpoint's head hash: the chain up to it was rewritten"));
            }

            cpCheck = cpCheck! with { Matches = hashAtCheckpoint is not null };
        }

        return new AuditVerifyResult
        {
            Intact = true,
            Entries = count,
            FirstSequence = first,
            HeadSequence = prev?.Sequence,
            HeadHash = prev?.Hash,
            Checkpoint = cpCheck,
            Gaps = partial ? gaps : null,
        };
    }
}
