using System.Text.Json.Serialization;
using Kse.Core.Projects;

namespace Kse.Core.Changes;

/// <summary>What a wave does: deploy plainly, expand a provider, migrate consumers, or contract a provider.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WavePhase>))]
public enum WavePhase
{
    [JsonStringEnumMemberName("deploy")]
    Deploy,
    [JsonStringEnumMemberName("expand")]
    Expand,
    [JsonStringEnumMemberName("migrate")]
    Migrate,
    [JsonStringEnumMemberName("contract")]
    Contract,
}

/// <summary>One project's part in a wave: why it is there, its deployment steps and the health checks that must pass before the next wave.</summary>
public sealed record WaveStep
{
    public required string Project { get; init; }

    public required string Action { get; init; }

    public IReadOnlyList<string> Operations { get; init; } = [];

    public IReadOnlyList<string> HealthChecks { get; init; } = [];
}

public sealed record RolloutWave
{
    public required int Number { get; init; }

    public required WavePhase Phase { get; init; }

    public required IReadOnlyList<WaveStep> Steps { get; init; }

    /// <summary>What must hold before the next wave starts.</summary>
    public string? Gate { get; init; }
}

/// <summary>The coordinated rollout of one change across the projects it touches.</summary>
public sealed record RolloutPlan
{
    public required ChangeLevel Level { get; init; }

    public required IReadOnlyList<string> ChangedProjects { get; init; }

    public required bool CoordinationNeeded { get; init; }

    public required IReadOnlyList<RolloutWave> Waves { get; init; }

    public IReadOnlyList<Incompatibility> Incompatibilities { get; init; } = [];

    /// <summary>Dependency cycles among the projects of the plan; their members share a wave and must be coordinated by hand.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles { get; init; } = [];

    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>Plans rollout waves: providers expand, consumers migrate, providers contract, each phase in provider-first dependency order.</summary>
public static class RolloutPlanner
{
    public static RolloutPlan Plan(DependencyGraph graph, ChangeReport report, DependencyAnalysis analysis, OperationsDocuments documents)
    {
        var notes = new List<string>(analysis.Notes);
        var providers = analysis.ChangedProjects.Where(graph.Contains).ToList();
        var consumers = analysis.Incompatibilities.Select(i => i.Consumer).Where(c => !providers.Contains(c)).Distinct(StringComparer.Ordinal).ToList();
        var waves = new List<RolloutWave>();
        var cycles = new List<IReadOnlyList<string>>();

        void AddWaves(IEnumerable<string> projects, WavePhase phase, Func<string, string> action, bool reverse = false)
        {
            var (layers, found) = graph.ProviderFirstLayers(projects);
            foreach (var c in found.Where(c => cycles.All(x => !x.SequenceEqual(c))))
            {
                cycles.Add(c);
            }

            foreach (var layer in reverse ? layers.Reverse() : layers)
            {
                var steps = layer.Select(p => Step(documents, p, action(p), notes)).ToList();
                waves.Add(new RolloutWave { Number = waves.Count + 1, Phase = phase, Steps = steps });
            }
        }

        string Subjects(string consumer) => string.Join(", ", analysis.Incompatibilities.Where(i => i.Consumer == consumer).Select(i => i.Subject ?? i.Rule).Distinct(StringComparer.Ordinal).Take(5));

        if (consumers.Count == 0)
        {
            AddWaves(providers, WavePhase.Deploy, p => "deploy the change: no dependent is incompatible");
        }
        else
        {
            AddWaves(providers, WavePhase.Expand, p => "deploy the expanded version: the new contract beside the old one, nothing removed yet");
            AddWaves(consumers, WavePhase.Migrate, c => $"move to the new contract of {string.Join(", ", analysis.Incompatibilities.Where(i => i.Consumer == c).Select(i => i.Provider).Distinct(StringComparer.Ordinal))} ({Subjects(c)})");
            AddWaves(providers, WavePhase.Contract, p => "remove the old contract, now that every consumer has moved", reverse: true);
        }

        foreach (var cycle in cycles)
        {
            notes.Add($"dependency cycle {string.Join(" -> ", cycle)}: its projects share a wave; coordinate them by hand (the plan does not loop)");
        }

        for (var i = 0; i < waves.Count - 1; i++)
        {
            var checks = waves[i].Steps.SelectMany(s => s.HealthChecks.Select(h => $"{s.Project}: {h}")).ToList();
            waves[i] = waves[i] with
            {
                Gate = checks.Count > 0
                    ? $"before wave {i + 2}: every health check of wave {i + 1} passes ({string.Join("; ", checks.Take(6))})"
                    : $"before wave {i + 2}: wave {i + 1} is healthy (its deployment.md lists no Health Checks: add them)",
            };
        }

        if (providers.Count == 0)
        {
            notes.Add("no changed project is declared in .sce/dependencies.yaml: pass --project, or give projects a 'path' so changed files map to them");
        }

        return new RolloutPlan
        {
            Level = report.Level,
            ChangedProjects = analysis.ChangedProjects,
            CoordinationNeeded = consumers.Count > 0,
            Waves = waves,
            Incompatibilities = analysis.Incompatibilities,
            Cycles = cycles,
            Notes = notes,
        };
    }

    private static WaveStep Step(OperationsDocuments documents, string project, string action, List<string> notes)
    {
        var operations = documents.FilledItems(project, "deployment.md", "Deployment Steps");
        var checks = documents.FilledItems(project, "deployment.md", "Health Checks");
        if (operations.Count == 0)
        {
            notes.Add($"{project}: deployment.md has no filled 'Deployment Steps'; its wave step lists none");
        }

        return new WaveStep { Project = project, Action = action, Operations = operations, HealthChecks = checks };
    }
}
