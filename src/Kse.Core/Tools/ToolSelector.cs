using System.Globalization;
using Kse.Core.Specs;

namespace Kse.Core.Tools;

/// <summary>
/// Ranks the candidate tools of a strategy in a context: score = w₁·AI-friendliness + w₂·native + w₃·efficiency in context
/// (weights from <c>tools.yaml</c>, default 0.4/0.3/0.3). A pure function: the same manifest and context give the same ranking.
/// </summary>
public static class ToolSelector
{
    /// <summary>The facts AI-friendliness is made of, each worth the same.</summary>
    public static readonly IReadOnlyList<string> AiFacts = ["cliOnly", "structuredOutput", "clearExitCodes", "nonInteractive", "idempotent"];

    // Efficiency = 0.55 band fit + 0.2 speed + 0.15 network + 0.1 resumability.
    private const double FitWeight = 0.55;
    private const double SpeedWeight = 0.2;
    private const double NetworkWeight = 0.15;
    private const double ResumeWeight = 0.1;

    /// <summary>A job longer than this (or on a slow link) needs a tool that resumes.</summary>
    private static readonly TimeSpan LongJob = TimeSpan.FromHours(1);

    public static ToolSelection Select(string project, ToolsManifest manifest, ToolStrategy strategy, SelectionContext context)
    {
        var weights = manifest.Weights;
        var candidates = strategy.Candidates
            .Select(c => (Candidate: c, Tool: manifest.FindTool(c.Tool)))
            .Where(x => x.Tool is not null)
            .Select(x => (x.Candidate, Tool: x.Tool!))
            .ToList();
        var durations = candidates.ToDictionary(c => c.Tool.Name, c => Duration(c.Tool, context));
        var fastest = durations.Values.Where(d => d is not null).Select(d => d!.Value).DefaultIfEmpty(TimeSpan.Zero).Min();

        var scored = candidates.Select((c, index) => (Index: index, Ranked: Score(c.Tool, c.Candidate, context, weights, durations[c.Tool.Name], fastest))).ToList();
        var ordered = scored
            .OrderBy(s => s.Ranked.Disqualified)
            .ThenByDescending(s => s.Ranked.Score)
            .ThenBy(s => s.Index)
            .Select((s, i) => s.Ranked with { Rank = i + 1 })
            .ToList();
        var winner = ordered.FirstOrDefault(r => !r.Disqualified);
        return new ToolSelection
        {
            Project = project,
            Operation = strategy.Operation,
            Description = strategy.Description,
            Context = Describe(context),
            Weights = weights,
            Winner = winner?.Tool,
            WinnerScore = winner?.Score,
            Ranking = ordered,
            Rationale = Rationale(strategy.Operation, ordered, winner, context),
            Instance = context.Instance,
        };
    }

    private static TimeSpan? Duration(ToolDeclaration tool, SelectionContext context)
    {
        if (context.DataSizeBytes is not { } size || tool.Performance.ThroughputBytesPerSecond is not { } bps)
        {
            return null;
        }

        if (tool.Performance.Parallel)
        {
            bps *= Math.Clamp(context.Cpu ?? 1, 1, 8);
        }

        return TimeSpan.FromSeconds(Math.Max(1, size / bps));
    }

    private static RankedTool Score(ToolDeclaration tool, StrategyCandidate candidate, SelectionContext context, SelectionWeights weights, TimeSpan? duration, TimeSpan fastest)
    {
        var reasons = new List<string>();
        var out_ = new List<string>();
        var flags = new List<string>();
        var perf = tool.Performance;

        // AI-friendliness: the declared facts; an undeclared fact counts as not there.
        var facts = AiFacts.Where(f => tool.AiFriendliness.TryGetValue(f, out var v) && v).ToList();
        var ai = (double)facts.Count / AiFacts.Count;
        reasons.Add($"AI-friendliness {F(ai)}: " + (facts.Count == 0 ? "no fact declared" : string.Join(", ", facts)) + (facts.Count < AiFacts.Count ? $"; lacks {string.Join(", ", AiFacts.Except(facts))}" : ""));
        if (!tool.AiFriendliness.GetValueOrDefault("nonInteractive"))
        {
            flags.Add("interactive");
            reasons.Add("flagged interactive: it may prompt for input, which an AI cannot answer (nonInteractive is not declared true)");
        }

        if (!tool.AiFriendliness.GetValueOrDefault("clearExitCodes"))
        {
            flags.Add("unclear_exit_codes");
            reasons.Add("flagged unclear_exit_codes: success cannot be read from the exit code alone (clearExitCodes is not declared true)");
        }

        var native = tool.Native ? 1.0 : 0.0;
        reasons.Add(tool.Native ? "native: ships with the host OS" : "not native: needs installing");

        // Efficiency in this context.
        var fit = 1.0;
        if (context.DataSizeBytes is { } size)
        {
            if (perf.DataSizeMin is null && perf.DataSizeMax is null)
            {
                fit = 0.75;
                reasons.Add($"data size {Size(size)}: no data-size band declared");
            }
            else if ((perf.DataSizeMin is not { } lo || size >= lo) && (perf.DataSizeMax is not { } hi || size < hi))
            {
                reasons.Add($"data size {Size(size)} is inside its band ({Band(perf)})");
            }
            else
            {
                var ratio = perf.DataSizeMin is { } min && size < min ? (double)min / Math.Max(1, size) : (double)size / perf.DataSizeMax!.Value;
                fit = 0.5 * Math.Max(0, 1 - Math.Log10(ratio));
                reasons.Add($"data size {Size(size)} is {(perf.DataSizeMin is { } m && size < m ? "below" : "above")} its band ({Band(perf)})");
            }
        }
        else
        {
            reasons.Add("no data size given: the band does not count");
        }

        var speed = 0.5;
        if (duration is { } d)
        {
            speed = fastest > TimeSpan.Zero ? Math.Clamp(1 - (Math.Log10(d / fastest) / 2), 0, 1) : 1;
            reasons.Add($"estimated {Quantities.FormatDuration(d)} at {Size(perf.ThroughputBytesPerSecond!.Value * (perf.Parallel ? Math.Clamp(context.Cpu ?? 1, 1, 8) : 1))}/s");
            if (context.Window is { } window)
            {
                if (d > window)
                {
                    out_.Add($"cannot finish in the window: estimated {Quantities.FormatDuration(d)} > {Quantities.FormatDuration(window)}");
                }
                else
                {
                    speed = Math.Min(speed, 1 - (d / window / 2));
                }
            }
        }
        else if (context.DataSizeBytes is not null && perf.ThroughputBytesPerSecond is null)
        {
            reasons.Add("no throughput declared: its duration is unknown");
        }

        var network = 1.0;
        if (context.Network is { } net)
        {
            var need = perf.Network;
            switch (net)
            {
                case NetworkCondition.Offline when need is not NetworkNeed.None:
                    out_.Add(need is null ? "works offline is not declared (performance.network: none) and the context is offline" : $"needs a {need.Value.ToString().ToLowerInvariant()} network; the context is offline");
                    network = 0;
                    break;
                case NetworkCondition.Slow when need is NetworkNeed.Fast:
                    network = 0.2;
                    reasons.Add("needs a fast network; the link is slow");
                    break;
                case NetworkCondition.Slow when need is null:
                    network = 0.6;
                    reasons.Add("network need not declared; the link is slow");
                    break;
                default:
                    reasons.Add($"network {net.ToString().ToLowerInvariant()}: {(need is null ? "no need declared" : $"needs {need.Value.ToString().ToLowerInvariant()}")}, fits");
                    break;
            }
        }

        var longJob = (duration is { } dd && dd > LongJob) || context.Network == NetworkCondition.Slow;
        var resume = perf.Resumable == true ? 1.0 : longJob ? 0.0 : 0.7;
        if (perf.Resumable == true)
        {
            reasons.Add("resumable after an interruption");
        }
        else if (longJob)
        {
            reasons.Add("not resumable, on a long job or slow link: an interruption starts it over");
        }

        if (context.DataSizeBytes is { } bytes && perf.DiskSpace is { } factor && context.DiskFreeBytes is { } free)
        {
            var needed = bytes * factor;
            if (needed > free)
            {
                out_.Add($"needs about {Size(needed)} of free disk ({factor.ToString("0.##", CultureInfo.InvariantCulture)} × {Size(bytes)}); {Size(free)} is free");
            }
            else
            {
                reasons.Add($"needs about {Size(needed)} of free disk; {Size(free)} is free");
            }
        }

        if (perf.MinMemoryBytes is { } minMemory && context.MemoryBytes is { } memory && memory < minMemory)
        {
            out_.Add($"needs at least {Size(minMemory)} of memory; {Size(memory)} is available");
        }

        if (context.Availability?.TryGetValue(tool.Name, out var check) == true)
        {
            switch (check.Status)
            {
                case "missing":
                    out_.Add($"not installed on {context.Instance ?? "the host"}" + (check.Install is { } i ? $" (install: {i.CommandLine})" : ""));
                    break;
                case "incompatible":
                    out_.Add($"incompatible on {context.Instance ?? "the host"}: {check.Message}");
                    break;
                default:
                    reasons.Add($"on {context.Instance ?? "the host"}: {check.Message}");
                    break;
            }
        }

        var efficiency = (FitWeight * fit) + (SpeedWeight * speed) + (NetworkWeight * network) + (ResumeWeight * resume);
        var score = (weights.AiFriendliness * ai) + (weights.Native * native) + (weights.Efficiency * efficiency);
        return new RankedTool
        {
            Rank = 0,
            Tool = tool.Name,
            Score = R(score),
            Parts = new ScoreParts(R(ai), native, R(efficiency)),
            EfficiencyParts = new EfficiencyParts(R(fit), R(speed), R(network), R(resume)),
            Disqualified = out_.Count > 0,
            Disqualifications = out_,
            Reasons = reasons,
            Flags = flags,
            EstimatedDuration = duration is { } e ? Quantities.FormatDuration(e) : null,
            Command = candidate.Command.Count > 0 ? candidate.Command : null,
        };
    }

    private static string Rationale(string operation, IReadOnlyList<RankedTool> ranking, RankedTool? winner, SelectionContext context)
    {
        var where = Describe(context) is { Count: > 0 } c ? " for " + string.Join(", ", c.Select(kv => $"{kv.Key} {kv.Value}")) : "";
        if (ranking.Count == 0)
        {
            return $"'{operation}' has no candidate tool.";
        }

        if (winner is null)
        {
            return $"No tool can do '{operation}'{where}: " + string.Join("; ", ranking.Select(r => $"{r.Tool}: {string.Join(", ", r.Disqualifications)}")) + ".";
        }

        var text = $"{winner.Tool} for '{operation}'{where}: score {F(winner.Score)} (AI-friendliness {F(winner.Parts.AiFriendliness)}, native {F(winner.Parts.Native)}, efficiency {F(winner.Parts.Efficiency)}); "
            + string.Join("; ", winner.Reasons.Where(r => !r.StartsWith("AI-friendliness", StringComparison.Ordinal))) + ".";
        var others = ranking.Where(r => r != winner).Select(r => r.Disqualified
            ? $"{r.Tool} is out: {string.Join(", ", r.Disqualifications)}"
            : $"{r.Tool} scores {F(r.Score)}" + (r.Reasons.FirstOrDefault(x => x.StartsWith("data size", StringComparison.Ordinal)) is { } band ? $" ({band})" : "")).ToList();
        return others.Count == 0 ? text : text + " " + string.Join("; ", others) + ".";
    }

    private static Dictionary<string, string> Describe(SelectionContext c)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (c.DataSizeBytes is { } s)
        {
            d["dataSize"] = Size(s);
        }

        if (c.Network is { } n)
        {
            d["network"] = n.ToString().ToLowerInvariant();
        }

        if (c.Window is { } w)
        {
            d["window"] = Quantities.FormatDuration(w);
        }

        if (c.Cpu is { } cpu)
        {
            d["cpu"] = cpu.ToString(CultureInfo.InvariantCulture);
        }

        if (c.MemoryBytes is { } m)
        {
            d["memory"] = Size(m);
        }

        if (c.DiskFreeBytes is { } f)
        {
            d["diskFree"] = Size(f);
        }

        if (c.Instance is { } i)
        {
            d["instance"] = i;
        }

        return d;
    }

    private static string Band(ToolPerformance p) => (p.DataSizeMin, p.DataSizeMax) switch
    {
        ({ } lo, { } hi) => $"{Size(lo)} to under {Size(hi)}",
        ({ } lo, null) => $"{Size(lo)} and above",
        (null, { } hi) => $"under {Size(hi)}",
        _ => "any size",
    };

    private static string Size(double bytes) => Quantities.FormatSize(bytes);

    private static double R(double v) => Math.Round(v, 3, MidpointRounding.AwayFromZero);

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
