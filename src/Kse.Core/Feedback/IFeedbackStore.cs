namespace Kse.Core.Feedback;

/// <summary>Where feedback items and troubleshooting proposals live (LiteDB by default; the same contract suits PostgreSQL).</summary>
public interface IFeedbackStore
{
    ValueTask InsertAsync(FeedbackItem item, CancellationToken cancellationToken = default);

    ValueTask<FeedbackItem?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The newest item of <paramref name="project"/> with this fingerprint last seen at or after <paramref name="since"/>.</summary>
    ValueTask<FeedbackItem?> FindByFingerprintAsync(string project, string fingerprint, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Replaces the item only if its stored revision is still <paramref name="expectedRevision"/>; false when someone else changed it meanwhile.</summary>
    ValueTask<bool> TryUpdateAsync(FeedbackItem item, int expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Items matching the query, newest first.</summary>
    ValueTask<IReadOnlyList<FeedbackItem>> ListAsync(FeedbackQuery query, CancellationToken cancellationToken = default);

    ValueTask InsertProposalAsync(TroubleshootingProposal proposal, CancellationToken cancellationToken = default);

    ValueTask<TroubleshootingProposal?> FindProposalAsync(string project, string fingerprint, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<TroubleshootingProposal>> ListProposalsAsync(string? project, CancellationToken cancellationToken = default);
}
