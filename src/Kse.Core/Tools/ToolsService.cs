using System.Globalization;
using Kse.Core.Audit;
using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Projects;
using Kse.Core.Specs;

namespace Kse.Core.Tools;

/// <summary>Where to look: a project's instance (environment and instance id) or, with neither, this machine.</summary>
public sealed record ToolsTarget
{
    public required string Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    /// <summary>The target's version (e.g. the PostgreSQL server's) when the caller knows it; else probed or the instance's declared version.</summary>
    public string? TargetVersion { get; init; }
}

/// <summary>
/// The Tools capability: ranks a strategy's candidate tools in context (every selection audited with its rationale), and checks the
/// installed versions of a project's tools on a host against their requirements, with install advice for what is missing.
/// </summary>
public sealed class ToolsService(KseWorkspace workspace, ToolProbe probe, IAuditTrail audit)
{
    public const string SelectOperationType = "tools.select";

    /// <summary>The project's <c>tools.yaml</c>; a missing or invalid file is an error naming its problems.</summary>
    public ToolsManifest Load(string project) => LoadManifest(workspace, project);

    /// <summary>The project's <c>tools.yaml</c> in <paramref name="workspace"/>; a missing or invalid file is an error naming its problems.</summary>
    public static ToolsManifest LoadManifest(KseWorkspace workspace, string project)
    {
        var name = ProjectName.Validate(project);
        var dir = workspace.OperationsDir(name);
        if (!Directory.Exists(dir))
        {
            throw KseException.NotFound("spec.project_not_found", $"project '{name}' has no operations spec (create it with 'kse ops init {name}')");
        }

        var path = Path.Combine(dir, SpecDocuments.ToolsYaml);
        if (!File.Exists(path))
        {
            throw KseException.NotFound("tools.manifest_not_found", $"project '{name}' has no tools.yaml ('kse ops init {name}' recreates it from the template)");
        }

        if (new FileInfo(path).Length > SpecService.MaxDocumentBytes)
        {
            throw KseException.BadInput("tools.manifest_invalid", $"tools.yaml of '{name}' is larger than {SpecService.MaxDocumentBytes} bytes");
        }

        var manifest = ToolsManifest.Parse(File.ReadAllText(path));
        if (!manifest.IsValid)
        {
            throw KseException.BadInput("tools.manifest_invalid", $"tools.yaml of '{name}' is invalid: {string.Join("; ", manifest.Errors.Take(5))}" + (manifest.Errors.Count > 5 ? $" (and {manifest.Errors.Count - 5} more)" : ""));
        }

        return manifest;
    }

    /// <summary>
    /// Ranks the candidate tools of <paramref name="operation"/>'s strategy in <paramref name="context"/>. With an instance, the candidates are
    /// probed there first and a missing or incompatible one is disqualified. The selection is audited (<c>tools.select</c>) with its rationale.
    /// </summary>
    public async Task<ToolSelection> SelectAsync(ToolsTarget target, string operation, SelectionContextText context, Actor actor, CancellationToken cancellationToken)
    {
        var manifest = Load(target.Project);
        var strategy = manifest.FindStrategy(operation ?? "")
            ?? throw KseException.NotFound("tools.strategy_not_found", $"tools.yaml of '{target.Project}' has no strategy '{operation}'" + (manifest.Strategies.Count > 0 ? $" (strategies: {string.Join(", ", manifest.Strategies.Select(s => s.Operation))})" : " (declare one under 'strategies')"));
        var parsed = context.Parse();
        ProjectInstance? instance = null;
        if (target.Environment is not null || target.Instance is not null)
        {
            instance = ResolveInstance(target);
            var checks = await CheckToolsAsync(target, manifest, instance, strategy.Candidates.Select(c => c.Tool).ToHashSet(StringComparer.Ordinal), cancellationToken);
            parsed = parsed with { Availability = checks.Tools.ToDictionary(t => t.Tool, StringComparer.Ordinal), Instance = instance.Id };
        }

        var selection = ToolSelector.Select(ProjectName.Validate(target.Project), manifest, strategy, parsed) with
        {
            Environment = instance?.Environment.Name(),
            CorrelationId = "sel-" + Guid.NewGuid().ToString("N")[..16],
        };
        await audit.AppendAsync(AuditDraftFor(selection, actor), cancellationToken);
        return selection;
    }

    /// <summary>Probes every tool of the project (or only <paramref name="only"/>) on the target host.</summary>
    public async Task<ToolsCheckReport> CheckAsync(ToolsTarget target, IReadOnlyCollection<string>? only, CancellationToken cancellationToken)
    {
        var manifest = Load(target.Project);
        var instance = target.Environment is not null || target.Instance is not null ? ResolveInstance(target) : null;
        if (only is { Count: > 0 })
        {
            var unknown = only.Where(t => manifest.FindTool(t) is null).ToList();
            if (unknown.Count > 0)
            {
                throw KseException.NotFound("tools.tool_not_found", $"tools.yaml of '{target.Project}' declares no tool {string.Join(", ", unknown.Select(u => $"'{u}'"))}");
            }
        }

        return await CheckToolsAsync(target, manifest, instance, only is { Count: > 0 } ? only.ToHashSet(StringComparer.Ordinal) : null, cancellationToken);
    }

    private ProjectInstance ResolveInstance(ToolsTarget target)
    {
        if (target.Environment is null)
        {
            throw KseException.BadInput("tools.environment_required", "name the environment of the instance (environment)");
        }

        var manifest = ProjectManifest.Load(workspace, ProjectName.Validate(target.Project));
        return ExecutionPlanner.ChooseInstance(manifest, PolicyNames.ParseEnvironment(target.Environment), target.Instance);
    }

    /// <summary>Probes <paramref name="only"/> (or every tool) of <paramref name="manifest"/> on <paramref name="instance"/> (null: this machine).</summary>
    public async Task<ToolsCheckReport> CheckToolsAsync(ToolsTarget target, ToolsManifest manifest, ProjectInstance? instance, HashSet<string>? only, CancellationToken cancellationToken)
    {
        var host = instance is null || instance.IsLocal ? "local" : instance.Host;
        var facts = await probe.FactsAsync(host, cancellationToken);
        var (targetVersion, source) = await TargetVersionAsync(target, manifest, instance, host, cancellationToken);
        var checks = new List<ToolCheck>();
        foreach (var tool in manifest.Tools.Where(t => only is null || only.Contains(t.Name)))
        {
            checks.Add(await CheckToolAsync(tool, host, facts, targetVersion, cancellationToken));
        }

        return new ToolsCheckReport
        {
            Project = ProjectName.Validate(target.Project),
            Environment = instance?.Environment.Name(),
            Instance = instance?.Id,
            Host = host,
            Os = facts.Os,
            PackageManagers = facts.PackageManagers,
            TargetVersion = targetVersion?.ToString(),
            TargetVersionSource = source,
            Tools = checks,
            Ok = checks.All(c => !c.NeedsAttention),
        };
    }

    private async Task<(SemanticVersion? Version, string? Source)> TargetVersionAsync(ToolsTarget target, ToolsManifest manifest, ProjectInstance? instance, string host, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(target.TargetVersion))
        {
            return VersionRequirement.Normalize(target.TargetVersion) is { } given
                ? (given, "given")
                : throw KseException.BadInput("tools.context_invalid", $"target version '{target.TargetVersion}' is not a version like 16.2");
        }

        if (manifest.Target is { } t)
        {
            var output = await probe.RunAsync(host, t.Command, cancellationToken);
            if (!output.Missing && output.Error is null && output.ExitCode == 0 && VersionRequirement.Normalize(ToolProbe.ExtractVersion(output.Output, t.Pattern)) is { } probed)
            {
                return (probed, "probe");
            }
        }

        return instance?.Version is { } declared && VersionRequirement.Normalize(declared) is { } v ? (v, "instance") : (null, null);
    }

    private async Task<ToolCheck> CheckToolAsync(ToolDeclaration tool, string host, HostFacts facts, SemanticVersion? target, CancellationToken cancellationToken)
    {
        // Without a declared version command, presence is all there is to check.
        IReadOnlyList<string> command = tool.VersionProbe.Count > 0 ? tool.VersionProbe : host == "local" ? [] : ["sh", "-c", "command -v \"$0\"", tool.Command];
        ProbeOutput output;
        if (command.Count == 0)
        {
            output = LocalPresence(tool.Command);
        }
        else
        {
            output = await probe.RunAsync(host, command, cancellationToken);
            if (tool.VersionProbe.Count == 0 && !output.Missing && output.ExitCode == 1 && output.Error is null)
            {
                output = output with { Missing = true };
            }
        }

        var requirementText = tool.VersionRequirement;
        var baseCheck = new ToolCheck { Tool = tool.Name, Command = tool.Command, Status = "ok", Installed = true, Requirement = requirementText, Message = "" };
        if (output.Missing)
        {
            var (advice, options) = InstallFor(tool, facts);
            var how = advice is not null ? $"install it with: {advice.CommandLine}"
                : options is { Count: > 0 } ? $"install hints: {string.Join("; ", options.Select(o => o.CommandLine))}"
                : tool.Install.Count == 0 ? "tools.yaml gives no install hint for it"
                : $"tools.yaml has no install hint for {string.Join(" or ", facts.PackageManagers)} (hints: {string.Join(", ", tool.Install.Keys)})";
            return baseCheck with { Status = "missing", Installed = false, Message = $"{tool.Command} is not installed on {host}; {how}", Install = advice, InstallOptions = options };
        }

        if (output.Error is not null)
        {
            return baseCheck with { Status = "error", Installed = false, Message = $"the probe of {tool.Name} failed on {host}: {output.Error}" };
        }

        if (tool.VersionProbe.Count == 0)
        {
            return baseCheck with
            {
                Status = requirementText is null ? "ok" : "unknown",
                Message = requirementText is null ? $"{tool.Command} is installed (no version command declared)" : $"{tool.Command} is installed; its version cannot be checked against {requirementText}: tools.yaml declares no version command",
            };
        }

        var versionText = ToolProbe.ExtractVersion(output.Output, tool.VersionPattern);
        var version = VersionRequirement.Normalize(versionText);
        if (version is not { } installed)
        {
            return baseCheck with
            {
                Status = requirementText is null && output.ExitCode == 0 ? "ok" : "unknown",
                Message = $"{tool.Command} is installed but its version could not be read from '{Shorten(output.Output)}'" + (tool.VersionPattern is null ? "" : $" with pattern {tool.VersionPattern}"),
            };
        }

        var shown = versionText!;
        if (requirementText is null || !VersionRequirement.TryParse(requirementText, out var requirement, out _) || requirement is null)
        {
            return baseCheck with { Version = shown, Message = $"{tool.Name} {shown} (no requirement declared)" };
        }

        var satisfied = requirement.IsSatisfiedBy(installed, target, out var resolved);
        return satisfied switch
        {
            true => baseCheck with { Version = shown, ResolvedRequirement = resolved, Compatible = true, Message = $"{tool.Name} {shown} satisfies {Describe(requirement, resolved, target)}" },
            false => baseCheck with { Status = "incompatible", Version = shown, ResolvedRequirement = resolved, Compatible = false, Message = $"{tool.Name} {shown} does not satisfy {Describe(requirement, resolved, target)}" },
            _ => baseCheck with { Status = "unknown", Version = shown, Message = $"{tool.Name} {shown}: the requirement {requirement.Text} needs the target's version, which is unknown (pass it, declare the instance's version, or declare 'target' in tools.yaml)" },
        };
    }

    private static string Describe(VersionRequirement requirement, string? resolved, SemanticVersion? target) =>
        requirement.ReferencesTarget && target is { } t ? $"{resolved} ({requirement.Text} with the target at {t.Major}.{t.Minor}.{t.Patch})" : requirement.Text;

    private static (InstallAdvice? Advice, IReadOnlyList<InstallAdvice>? Options) InstallFor(ToolDeclaration tool, HostFacts facts)
    {
        foreach (var manager in facts.PackageManagers)
        {
            if (tool.Install.TryGetValue(manager, out var package))
            {
                return (ToolProbe.Advice(manager, package), null);
            }
        }

        return facts.PackageManagers.Count == 0 && tool.Install.Count > 0
            ? (null, tool.Install.Select(kv => ToolProbe.Advice(kv.Key, kv.Value)).ToList())
            : (null, null);
    }

    private static ProbeOutput LocalPresence(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal) || program.Contains('\\', StringComparison.Ordinal))
        {
            return new ProbeOutput(!File.Exists(program), 0, "", null);
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var extensions = OperatingSystem.IsWindows() ? new[] { ".exe", ".cmd", "" } : [""];
        var found = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(dir => extensions.Any(ext => File.Exists(Path.Combine(dir, program + ext))));
        return new ProbeOutput(!found, found ? 0 : null, "", null);
    }

    private static string Shorten(string text)
    {
        var line = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        return line.Length > 120 ? line[..120] + "…" : line;
    }

    private static AuditDraft AuditDraftFor(ToolSelection s, Actor actor)
    {
        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["operation"] = s.Operation,
            ["tool"] = s.Winner ?? "(none)",
            ["score"] = s.WinnerScore?.ToString("0.###", CultureInfo.InvariantCulture),
            ["ranking"] = string.Join(", ", s.Ranking.Select(r => $"{r.Tool} {r.Score.ToString("0.###", CultureInfo.InvariantCulture)}{(r.Disqualified ? " (out)" : "")}")),
            ["weights"] = string.Create(CultureInfo.InvariantCulture, $"aiFriendliness {s.Weights.AiFriendliness}, native {s.Weights.Native}, efficiency {s.Weights.Efficiency}"),
        };
        foreach (var (k, v) in s.Context)
        {
            parameters["context." + k] = v;
        }

        return new AuditDraft
        {
            Actor = actor,
            OperationType = SelectOperationType,
            Project = s.Project,
            Environment = s.Environment,
            Target = s.Instance is null ? s.Operation : $"{s.Operation}@{s.Instance}",
            Parameters = parameters,
            Decision = s.Winner is null ? "none" : "selected",
            Rules = [s.Rationale, .. s.Ranking.Where(r => r.Disqualified).Select(r => $"{r.Tool} out: {string.Join(", ", r.Disqualifications)}")],
            Outcome = s.Winner is null ? "no_tool" : "selected",
            CorrelationId = s.CorrelationId,
        };
    }
}
