using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Core.Tools;

/// <summary>Exactly what installing a tool on an instance runs: the package manager found there, the package from tools.yaml, the command.</summary>
public sealed record ToolInstallPlan
{
    public required string Project { get; init; }

    public required string Tool { get; init; }

    public required EnvironmentKind Environment { get; init; }

    public required string Instance { get; init; }

    /// <summary><c>local</c> or the SSH destination.</summary>
    public required string Host { get; init; }

    public required string Manager { get; init; }

    public required string Package { get; init; }

    /// <summary>The install command on the host.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The local process Kse starts (the command itself, or ssh with the command as its last argument).</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>apt, dnf and apk install as root: such an install is <c>critical</c>, any other <c>normal</c>.</summary>
    public required bool NeedsRoot { get; init; }

    public RiskClass Risk => NeedsRoot ? RiskClass.Critical : RiskClass.Normal;

    public string CommandLine => ShellWords.Join(Command);
}

/// <summary>What an install run produced, and the tool's check on the instance afterwards.</summary>
public sealed record ToolInstallResult
{
    /// <summary><c>succeeded</c>, <c>failed</c> or <c>timed_out</c>.</summary>
    public required string Status { get; init; }

    public int? ExitCode { get; init; }

    public required string Stdout { get; init; }

    public required string Stderr { get; init; }

    public required long DurationMs { get; init; }

    /// <summary>The tool's check after the install (status, version).</summary>
    public ToolCheck? Check { get; init; }

    public string? ErrorContext { get; init; }
}

/// <summary>
/// Plans and runs the install of a tool that tools.yaml declares, on one instance, with the host's package manager. The policy path
/// decides whether it runs (<see cref="EnvironmentRule"/> adds the environment's rule for tool installs: never in production, a
/// human's approval in test and pre-production).
/// </summary>
public sealed class ToolInstaller(KseWorkspace workspace, Func<ToolsService> tools, ToolProbe probe, ExecutionPlanner planner, ProcessRunner runner)
{
    public const string Action = "tools_install";

    public const string AuditType = "tools.install";

    /// <summary>How long an install may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    private const int OutputLimit = 64 * 1024;

    /// <summary>The plan; every name checked and the host's package manager probed (synchronously: planning is synchronous).</summary>
    public ToolInstallPlan Plan(string project, string tool, string? environment, string? instance)
    {
        var name = ProjectName.Validate(project);
        if (string.IsNullOrWhiteSpace(tool))
        {
            throw KseException.BadInput("tools.tool_required", "name the tool to install (a tool of tools.yaml)");
        }

        var manifest = ToolsService.LoadManifest(workspace, name);
        var declared = manifest.FindTool(tool)
            ?? throw KseException.NotFound("tools.tool_not_found", $"tools.yaml of '{name}' declares no tool '{tool}'" + (manifest.Tools.Count > 0 ? $" (tools: {string.Join(", ", manifest.Tools.Select(t => t.Name))})" : ""));
        if (string.IsNullOrWhiteSpace(environment))
        {
            throw KseException.BadInput("input.scope_missing", "an install names the environment (and the instance) it installs on");
        }

        var target = ExecutionPlanner.ChooseInstance(ProjectManifest.Load(workspace, name), PolicyNames.ParseEnvironment(environment), instance);
        var host = target.IsLocal ? "local" : target.Host;
        var facts = Task.Run(() => probe.FactsAsync(host, CancellationToken.None)).GetAwaiter().GetResult();
        if (facts.PackageManagers.Count == 0)
        {
            throw KseException.BadInput("tools.package_manager_unknown", $"no package manager (apt-get, dnf, yum, apk, brew, winget) was found on {target.Id} ({host}); install {declared.Command} by hand" + (declared.Install.Count > 0 ? $" (hints: {string.Join("; ", declared.Install.Select(kv => ToolProbe.Advice(kv.Key, kv.Value).CommandLine))})" : ""));
        }

        var manager = facts.PackageManagers.FirstOrDefault(declared.Install.ContainsKey)
            ?? throw KseException.BadInput("tools.install_hint_missing", $"tools.yaml gives '{declared.Name}' no install hint for {string.Join(" or ", facts.PackageManagers)} on {target.Id}" + (declared.Install.Count > 0 ? $" (it has hints for {string.Join(", ", declared.Install.Keys)})" : " (add one under 'install')"));
        var advice = ToolProbe.Advice(manager, declared.Install[manager]);
        return new ToolInstallPlan
        {
            Project = name,
            Tool = declared.Name,
            Environment = target.Environment,
            Instance = target.Id,
            Host = host,
            Manager = manager,
            Package = advice.Package,
            Command = advice.Command,
            Argv = target.IsLocal ? advice.Command : planner.SshArgv(target.Host, advice.Command),
            NeedsRoot = advice.NeedsRoot,
        };
    }

    /// <summary>
    /// The environment's rule for installing tools (DESIGN, open question 10): never in production; in test and pre-production only
    /// with a human's approval; in development as the level permits (null: the decision stands).
    /// </summary>
    public static PolicyRule? EnvironmentRule(EnvironmentKind environment) => environment switch
    {
        EnvironmentKind.Production => new PolicyRule("tools.install_production", "tools are never installed in production by Kse: install it through the production change process"),
        EnvironmentKind.Test or EnvironmentKind.PreProduction => new PolicyRule("tools.install_needs_approval", $"installing a tool in {environment.Name()} needs a human's approval, whatever the level"),
        _ => null,
    };

    /// <summary>Runs the plan's install command and checks the tool again.</summary>
    public async Task<ToolInstallResult> RunAsync(ToolInstallPlan plan, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var outcome = await runner.RunAsync(plan.Argv, OutputLimit, timeout.Token);
        cancellationToken.ThrowIfCancellationRequested();
        var status = outcome.TimedOut ? "timed_out" : outcome.Succeeded ? "succeeded" : "failed";
        ToolCheck? check = null;
        try
        {
            var report = await tools().CheckAsync(new ToolsTarget { Project = plan.Project, Environment = plan.Environment.Name(), Instance = plan.Instance }, [plan.Tool], cancellationToken);
            check = report.Tools.FirstOrDefault();
        }
        catch (KseException)
        {
            // The install's own outcome stands; the check afterwards is information.
        }

        return new ToolInstallResult
        {
            Status = status,
            ExitCode = outcome.ExitCode,
            Stdout = outcome.Stdout,
            Stderr = outcome.Stderr,
            DurationMs = (long)outcome.Duration.TotalMilliseconds,
            Check = check,
            ErrorContext = status == "succeeded" ? null
                : outcome.StartError ?? (outcome.TimedOut ? $"no end within {Timeout.TotalMinutes:0} minutes" : $"exit {outcome.ExitCode}: {Tail(outcome.Stderr)}"),
        };
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var last = lines.Length == 0 ? "" : lines[^1];
        return last.Length > 300 ? last[..300] + "…" : last;
    }
}
