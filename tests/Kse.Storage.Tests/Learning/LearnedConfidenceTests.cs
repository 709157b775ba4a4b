using Kse.Core.Actions;
using Kse.Core.Audit;
using Kse.Core.Learning;
using Kse.Core.Policy;

namespace Kse.Storage.Tests.Learning;

/// <summary>The confidence a queued call carries when no observed command matches: the operation's own outcomes in the audit trail.</summary>
public sealed class LearnedConfidenceTests
{
    private static ActionPlan Plan(string operation, string command) => new()
    {
        Action = "ops_run",
        Project = "shop",
        Environment = "production",
        Operation = operation,
        Risk = RiskClass.Normal,
        Command = command,
        Arguments = new Dictionary<string, System.Text.Json.JsonElement>(),
        Target = operation,
        AuditParameters = new Dictionary<string, string?>(),
    };

    [Fact]
    public async Task WithoutObservations_TheOperationsOutcomeHistoryGivesTheConfidence_AndNothingGivesNone()
    {
        using var f = new LearningFixture();
        var outcomes = new[] { "succeeded", "succeeded", "failed", "succeeded", "decided", "succeeded" };
        foreach (var (outcome, i) in outcomes.Select((o, i) => (o, i)))
        {
            f.Clock.Advance(TimeSpan.FromHours(1));
            await f.Audit.AppendAsync(new AuditDraft
            {
                Actor = Actor.Ai("claude"),
                OperationType = "ops.run",
                Project = "shop",
                Environment = "production",
                Target = "restart-api@prod-1",
                Parameters = new Dictionary<string, string?> { ["operation"] = i == 3 ? "other-op" : "restart-api" },
                Outcome = outcome,
            });
        }

        var confidence = new LearnedConfidence(f.Learning, f.Clock, f.AuditReader);

        var history = await confidence.ConfidenceAsync(Plan("restart-api", "systemctl restart shop-api"), CancellationToken.None);
        Assert.NotNull(history);
        Assert.Equal("history", history.Source);
        Assert.Equal(4, history.Support); // 'decided' entries and another operation's runs do not count
        var factors = ConfidenceFormula.Factors(4, 1, 3, 4, f.Clock.GetUtcNow(), f.Clock.GetUtcNow()); // the newest run is now
        Assert.Equal(ConfidenceFormula.Score(factors), history.Score);
        Assert.Contains("3 of 4 runs of 'restart-api' succeeded", history.Explanation, StringComparison.Ordinal);
        Assert.All(history.Evidence, e => Assert.StartsWith("audit-", e, StringComparison.Ordinal));

        Assert.Null(await confidence.ConfidenceAsync(Plan("never-run", "systemctl restart shop-api"), CancellationToken.None));
        Assert.Null(await confidence.ConfidenceAsync(Plan("restart-api", "x") with { Environment = "test" }, CancellationToken.None));
    }
}
