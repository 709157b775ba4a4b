using Kse.Core.Audit;
using Xunit;

namespace Kse.TestKit;

/// <summary>The same assertions for every face: one action's entries, found by its correlation id, tell its whole story.</summary>
public static class ActionStory
{
    /// <summary>
    /// The entries of <paramref name="correlation"/> hold a decision written before anything ran and the run's outcome after it,
    /// of the given operation type; every entry of the trail carrying that id is among them.
    /// </summary>
    public static void AssertOneAction(IReadOnlyList<AuditEntry> story, string correlation, string type, string outcome)
    {
        Assert.NotEmpty(story);
        Assert.All(story, e => Assert.Equal(correlation, e.CorrelationId));
        var decided = story.FirstOrDefault(e => e.OperationType == type && e.Outcome == "decided");
        Assert.True(decided is not null, $"no '{type}' decision entry under {correlation}: {string.Join(", ", story.Select(e => $"{e.OperationType}/{e.Outcome}"))}");
        var ended = Assert.Single(story, e => e.OperationType == type && e.Outcome == outcome);
        Assert.True(decided!.Sequence < ended.Sequence, "the decision is written before the outcome");
        Assert.NotNull(decided.Decision);
    }
}
