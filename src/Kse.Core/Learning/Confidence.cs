using System.Globalization;

namespace Kse.Core.Learning;

/// <summary>The four parts of a confidence, each in [0, 1].</summary>
public sealed record ConfidenceFactors
{
    /// <summary>1 − e^(−n/3) for n supporting observations: 1 → 0.28, 2 → 0.49, 4 → 0.74, 6 → 0.86, 10 → 0.96, 20 → 1.00.</summary>
    public required double Support { get; init; }

    /// <summary>The share of occurrences in the most common concrete form (same arguments each time).</summary>
    public required double Consistency { get; init; }

    /// <summary>(succeeded + 1.5) / (known outcomes + 2): 0.75 when no outcome was recorded (shell histories), near 1 when all succeeded.</summary>
    public required double SuccessRate { get; init; }

    /// <summary>e^(−days since last seen / 45).</summary>
    public required double Recency { get; init; }

    /// <summary>1, or 0.25 for commands typed to look around (cd, ls, vim, …), which are not operations.</summary>
    public double Interactive { get; init; } = 1;
}

/// <summary>
/// Confidence of a suggestion from its evidence: <c>confidence = support × √consistency × (0.6 success rate + 0.4 recency) × interactive</c>,
/// rounded to two decimals. Support and consistency gate it: a one-off stays near 0.25 however clean it is, and a template whose
/// arguments differ every time (touch /tmp/x123, ping 10.0.3.7) stays low however often it recurs.
/// </summary>
public static class ConfidenceFormula
{
    public const string Text = "confidence = support × √consistency × (0.6·successRate + 0.4·recency) × interactive; support = 1 − e^(−n/3); successRate = (succeeded + 1.5)/(known outcomes + 2); recency = e^(−days since last seen/45); interactive = 0.25 for cd/ls/vim-like commands, else 1";

    public static ConfidenceFactors Factors(int support, double consistency, int succeeded, int knownOutcomes, DateTimeOffset lastSeen, DateTimeOffset now, bool interactive = false) => new()
    {
        Support = Round(1 - Math.Exp(-support / 3.0)),
        Consistency = Round(Math.Clamp(consistency, 0, 1)),
        SuccessRate = Round((succeeded + 1.5) / (knownOutcomes + 2.0)),
        Recency = Round(Math.Exp(-Math.Max(0, (now - lastSeen).TotalDays) / 45.0)),
        Interactive = interactive ? 0.25 : 1,
    };

    public static double Score(ConfidenceFactors f) =>
        Round(f.Support * Math.Sqrt(f.Consistency) * ((0.6 * f.SuccessRate) + (0.4 * f.Recency)) * f.Interactive);

    public static string Explain(ConfidenceFactors f, int support) => string.Create(
        CultureInfo.InvariantCulture,
        $"support {support} → {f.Support:0.00}, consistency {f.Consistency:0.00}, success rate {f.SuccessRate:0.00}, recency {f.Recency:0.00}{(f.Interactive < 1 ? ", interactive ×0.25" : "")}");

    private static double Round(double v) => Math.Round(v, 2, MidpointRounding.AwayFromZero);
}
