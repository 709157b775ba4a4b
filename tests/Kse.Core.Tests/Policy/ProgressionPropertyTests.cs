using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kse.Core.Policy;

namespace Kse.Core.Tests.Policy;

/// <summary>Any level, environment, evidence and thresholds (defaults or random) for the progression rules.</summary>
public sealed record ProgressionScenario(TakeoverLevel Level, EnvironmentKind Environment, ProgressionEvidence Evidence, ProgressionThresholds Thresholds)
{
    public TakeoverLevel Cap => PolicyKernel.CapOf(Environment);

    public override string ToString() =>
        $"{Level} in {Environment} (cap {Cap}); ops={Evidence.Operations} errors={Evidence.Errors} days={Evidence.DaysObserved} conf={Evidence.Confidence} window={Evidence.WindowErrors}/{Evidence.WindowOperations}; thresholds={Thresholds}";
}

public static class ProgressionArbitraries
{
    private static Gen<T> Enum<T>() where T : struct, System.Enum => Gen.Elements(System.Enum.GetValues<T>());

    private static readonly Gen<ProgressionEvidence> EvidenceGen =
        from ops in Gen.OneOf(Gen.Choose(0, 20), Gen.Choose(0, 400))
        from errorShare in Gen.Choose(0, 100)
        from windowSize in Gen.Choose(1, 60)
        from windowErrorShare in Gen.Choose(0, 100)
        from days in Gen.Choose(0, 40)
        let errors = ops * errorShare / 100
        let window = Math.Min(ops, windowSize)
        let windowErrors = Math.Min(errors, window * windowErrorShare / 100)
        select new ProgressionEvidence
        {
            Operations = ops,
            Errors = errors,
            ErrorRate = ops == 0 ? 0 : (double)errors / ops,
            Confidence = ProgressionRules.WilsonLowerBound(ops - errors, ops),
            DaysObserved = days,
            WindowOperations = window,
            WindowErrors = windowErrors,
            WindowErrorRate = window == 0 ? 0 : (double)windowErrors / window,
        };

    private static readonly Gen<ProgressionThresholds> ThresholdsGen =
        from minDays in Gen.Choose(0, 20)
        from minOps in Gen.Choose(0, 150)
        from minConfidence in Gen.Choose(0, 100)
        from rate in Gen.Choose(0, 30)
        from demotionMin in Gen.Choose(1, 50)
        select new ProgressionThresholds
        {
            MinDays = minDays,
            MinOperations = minOps,
            MinConfidence = minConfidence / 100.0,
            ErrorRateThreshold = rate / 100.0,
            DemotionWindow = 50,
            DemotionMinOperations = demotionMin,
        };

    public static Arbitrary<ProgressionScenario> Scenario() =>
        (from level in Enum<TakeoverLevel>()
         from env in Enum<EnvironmentKind>()
         from evidence in EvidenceGen
         from useDefaults in Gen.Elements(true, false)
         from thresholds in ThresholdsGen
         select new ProgressionScenario(level, env, evidence, useDefaults ? new ProgressionOptions().For(env) : thresholds))
        .ToArbitrary();
}

[Properties(Arbitrary = [typeof(ProgressionArbitraries)], MaxTest = 1000)]
public sealed class ProgressionPropertyTests
{
    [Property]
    public bool Recommendation_NeverExceedsTheCap_NorGoesBelowL1(ProgressionScenario s)
    {
        var r = ProgressionRules.Recommend(s.Level, s.Cap, s.Evidence, s.Thresholds);
        return r.To >= TakeoverLevel.L1 && r.To <= s.Cap && r.From <= s.Cap;
    }

    [Property]
    public bool Recommendation_MovesAtMostOneLevel_InItsOwnDirection(ProgressionScenario s)
    {
        var r = ProgressionRules.Recommend(s.Level, s.Cap, s.Evidence, s.Thresholds);
        return r.Action switch
        {
            ProgressionAction.Promote => r.To == r.From + 1 && r.Criteria.All(c => c.Met),
            ProgressionAction.Demote => r.To == r.From - 1 && s.Evidence.WindowOperations >= s.Thresholds.DemotionMinOperations,
            _ => r.To == r.From,
        };
    }

    [Property]
    public bool Promotion_IsNeverSuggested_WhileTheRecentErrorRateCallsForDemotion(ProgressionScenario s)
    {
        var r = ProgressionRules.Recommend(s.Level, s.Cap, s.Evidence, s.Thresholds);
        var demotionDue = s.Evidence.WindowOperations >= s.Thresholds.DemotionMinOperations && s.Evidence.WindowErrorRate > s.Thresholds.ErrorRateThreshold;
        return !(demotionDue && r.Action == ProgressionAction.Promote);
    }

    [Theory]
    [InlineData(0, 0, 0.0)]
    [InlineData(3, 3, 0.4385)]
    [InlineData(100, 100, 0.963)]
    [InlineData(90, 100, 0.8256)]
    [InlineData(85, 100, 0.7672)]
    public void WilsonLowerBound_IsLowForSmallSamples_AndApproachesTheRate(int successes, int total, double expected) =>
        Assert.Equal(expected, ProgressionRules.WilsonLowerBound(successes, total), 0.0005);
}
