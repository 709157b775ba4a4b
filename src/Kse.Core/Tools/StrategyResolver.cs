using System.Collections.Concurrent;
using System.Globalization;
using Kse.Core.Execution;
using Kse.Core.Specs;

namespace Kse.Core.Tools;

/// <summary>
/// Picks the tool of an operation that names a strategy: the operation's context (placeholders filled from its values), the
/// candidates probed on the instance (a missing or incompatible one is out), the ranking of <see cref="ToolSelector"/>. When no
/// candidate can run there the plan is refused: <c>tools.incompatible</c> (with both versions) or <c>tools.missing</c> (with the
/// install command). Probes of one instance are reused for a short while, since one action is planned more than once.
/// </summary>
public sealed class StrategyResolver(KseWorkspace workspace, Func<ToolsService> tools) : IStrategyResolver
{
    /// <summary>How long the probes of one instance are reused.</summary>
    public static readonly TimeSpan ProbeReuse = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (long At, ToolsCheckReport Report)> _probes = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, (string Stamp, ToolsManifest Manifest)> _manifests = new(StringComparer.Ordinal);

    public StrategyChoice Choose(string project, OperationDefinition operation, ProjectInstance target, IReadOnlyDictionary<string, string> values)
    {
        var manifest = Manifest(project);
        var strategy = manifest.FindStrategy(operation.Strategy ?? "")
            ?? throw KseException.BadInput("tools.strategy_not_found", $"operation '{operation.Name}' names strategy '{operation.Strategy}', which tools.yaml of '{project}' does not declare");
        var runnable = strategy with { Candidates = strategy.Candidates.Where(c => c.Command.Count > 0).ToList() };
        if (runnable.Candidates.Count == 0)
        {
            throw KseException.BadInput("tools.strategy_not_runnable", $"strategy '{strategy.Operation}' of tools.yaml gives no candidate a 'command', so operation '{operation.Name}' has nothing to run");
        }

        var context = Context(operation, values);
        var report = Probe(project, manifest, target, runnable.Candidates.Select(c => c.Tool).ToHashSet(StringComparer.Ordinal));
        var selection = ToolSelector.Select(project, manifest, runnable, context with
        {
            Availability = report.Tools.ToDictionary(t => t.Tool, StringComparer.Ordinal),
            Instance = target.Id,
        });
        if (selection.Winner is not { } winner)
        {
            var checks = report.Tools.Where(t => t.Status is "incompatible" or "missing").ToList();
            var why = string.Join("; ", selection.Ranking.Select(r => $"{r.Tool}: {string.Join(", ", r.Disqualifications)}"));
            var code = checks.Any(c => c.Status == "incompatible") ? "tools.incompatible" : checks.Count > 0 ? "tools.missing" : "tools.no_candidate";
            throw new KseException(code, $"no tool of strategy '{strategy.Operation}' can run operation '{operation.Name}' on {target.Id}" + (report.TargetVersion is { } tv ? $" (target {tv}, {report.TargetVersionSource})" : "") + $": {why}", KseErrorKind.Refused);
        }

        var chosen = selection.Ranking.First(r => r.Tool == winner);
        return new StrategyChoice
        {
            Strategy = strategy.Operation,
            Tool = winner,
            Command = runnable.Candidates.First(c => c.Tool == winner).Command,
            Score = chosen.Score,
            Rationale = selection.Rationale,
            Version = report.Tools.FirstOrDefault(t => t.Tool == winner)?.Version,
            Ranking = string.Join(", ", selection.Ranking.Select(r => $"{r.Tool} {r.Score.ToString("0.###", CultureInfo.InvariantCulture)}{(r.Disqualified ? " (out)" : "")}")),
        };
    }

    /// <summary>tools.yaml, read again only when the file changed (reading it costs milliseconds; a plan is made several times per action).</summary>
    private ToolsManifest Manifest(string project)
    {
        var file = new FileInfo(Path.Combine(workspace.OperationsDir(ProjectName.Validate(project)), SpecDocuments.ToolsYaml));
        var stamp = file.Exists ? $"{file.LastWriteTimeUtc.Ticks}:{file.Length}" : "";
        if (_manifests.TryGetValue(project, out var cached) && cached.Stamp == stamp && stamp.Length > 0)
        {
            return cached.Manifest;
        }

        var manifest = ToolsService.LoadManifest(workspace, project);
        _manifests[project] = (stamp, manifest);
        return manifest;
    }

    private static SelectionContext Context(OperationDefinition operation, IReadOnlyDictionary<string, string> values)
    {
        string? Value(string key) => operation.StrategyContext.TryGetValue(key, out var text) ? ArgumentTemplate.TryParse(text, out _)?.Render(values) : null;
        int? cpu = null;
        if (Value("cpu") is { } cpuText)
        {
            cpu = int.TryParse(cpuText, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw KseException.BadInput("tools.context_invalid", $"operation '{operation.Name}': cpu '{cpuText}' is not a whole number of cores");
        }

        return new SelectionContextText
        {
            DataSize = Value("dataSize"),
            Network = Value("network"),
            Window = Value("window"),
            Cpu = cpu,
            Memory = Value("memory"),
            DiskFree = Value("diskFree"),
        }.Parse();
    }

    private ToolsCheckReport Probe(string project, ToolsManifest manifest, ProjectInstance target, HashSet<string> candidates)
    {
        var key = $"{project}|{target.Id}|{target.Host}|{target.Version}|{string.Join(',', candidates.Order(StringComparer.Ordinal))}";
        var now = Environment.TickCount64;
        if (_probes.TryGetValue(key, out var cached) && now - cached.At < ProbeReuse.TotalMilliseconds)
        {
            return cached.Report;
        }

        // Planning is synchronous everywhere it is called; the probes run on the thread pool and are awaited here.
        var service = tools();
        var report = Task.Run(() => service.CheckToolsAsync(new ToolsTarget { Project = project }, manifest, target, candidates, CancellationToken.None)).GetAwaiter().GetResult();
        _probes[key] = (now, report);
        return report;
    }
}
