using System.Globalization;
using System.Text.Json;
using Kse.Core.Actions;
using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Core.Tools;

/// <summary>
/// Plans and runs <c>tools_install</c> on the guarded path: install a tool that tools.yaml declares on one instance with the host's
/// package manager. Risk <c>normal</c>, <c>critical</c> when the package manager needs root. On top of the kernel's decision: never in
/// production, a human's approval in test and pre-production, and in development whatever the level permits. Entries are <c>tools.install</c>.
/// </summary>
public sealed class ToolsInstallActionHandler(ToolInstaller installer) : IAuditedActionHandler, IConstrainedActionHandler
{
    public string AuditType => ToolInstaller.AuditType;

    public bool Handles(string action) => action == ToolInstaller.Action;

    public ValueTask<ActionPlan> PlanAsync(ActionRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(Plan(request));

    private ActionPlan Plan(ActionRequest request)
    {
        var args = request.Arguments;
        var project = Str(args, "project") ?? request.Project ?? throw KseException.BadInput("input.scope_missing", "an install names its project");
        var tool = Str(args, "tool") ?? throw KseException.BadInput("tools.tool_required", "name the tool to install (a tool of tools.yaml)");
        var dryRun = args.TryGetValue("dryRun", out var dry) && dry.ValueKind == JsonValueKind.True;
        var plan = installer.Plan(project, tool, Str(args, "environment") ?? request.Environment, Str(args, "instance") ?? request.Instance);
        var arguments = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["project"] = plan.Project,
            ["tool"] = plan.Tool,
            ["environment"] = plan.Environment.Name(),
            ["instance"] = plan.Instance,
        };
        if (dryRun)
        {
            arguments["dryRun"] = true;
        }

        return new ActionPlan
        {
            Action = ToolInstaller.Action,
            Project = plan.Project,
            Environment = plan.Environment.Name(),
            Instance = plan.Instance,
            Host = plan.Host,
            Risk = plan.Risk,
            Argv = plan.Argv,
            Command = plan.CommandLine,
            Rationale = $"installs {plan.Tool} as package '{plan.Package}' with {plan.Manager}, the package manager found on {plan.Instance}" + (plan.NeedsRoot ? " (as root: critical)" : ""),
            DryRun = dryRun,
            Arguments = ActionRequest.ArgumentsOf(arguments),
            AuditType = AuditType,
            Target = $"{plan.Tool}@{plan.Instance}",
            AuditParameters = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["tool"] = plan.Tool,
                ["instance"] = plan.Instance,
                ["host"] = plan.Host,
                ["manager"] = plan.Manager,
                ["package"] = plan.Package,
                ["command"] = plan.CommandLine,
                ["needsRoot"] = plan.NeedsRoot ? "true" : "false",
                ["risk"] = plan.Risk.Name(),
            },
            Detail = plan,
        };
    }

    public ActionDecision Constrain(ActionPlan plan, Actor actor, ActionDecision decision)
    {
        if (decision.Kind == DecisionKind.Deny || !PolicyKernel.IsKnownEnvironmentName(plan.Environment, out var environment) || ToolInstaller.EnvironmentRule(environment) is not { } rule)
        {
            return decision;
        }

        var explanation = decision.Explanation;
        if (environment == EnvironmentKind.Production)
        {
            return new ActionDecision(explanation with { Decision = DecisionKind.Deny, Rules = [.. explanation.Rules, rule] }, false);
        }

        return decision.Kind switch
        {
            DecisionKind.Run or DecisionKind.RunAndFlag => new ActionDecision(explanation with { Decision = DecisionKind.QueueForApproval, Rules = [.. explanation.Rules, rule] }, false),
            DecisionKind.QueueForApproval => decision with { Explanation = explanation with { Rules = [.. explanation.Rules, rule] } },
            _ => decision,
        };
    }

    public async ValueTask<ActionRunResult> RunAsync(ActionPlan plan, ActionRunContext context, CancellationToken cancellationToken)
    {
        var install = (ToolInstallPlan)plan.Detail!;
        if (plan.DryRun)
        {
            return new ActionRunResult { Status = "dry_run" };
        }

        var result = await installer.RunAsync(install, cancellationToken);
        return new ActionRunResult
        {
            Status = result.Status,
            ErrorContext = result.ErrorContext,
            Details = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["exitCode"] = result.ExitCode?.ToString(CultureInfo.InvariantCulture),
                ["durationMs"] = result.DurationMs.ToString(CultureInfo.InvariantCulture),
                ["after"] = result.Check is { } c ? $"{c.Status}{(c.Version is null ? "" : " " + c.Version)}" : null,
            },
            Value = result,
        };
    }

    public string TargetOf(ActionRequest request) => $"{Str(request.Arguments, "tool") ?? "?"}@{Str(request.Arguments, "instance") ?? request.Instance ?? "?"}";

    public IReadOnlyDictionary<string, string?> ParametersOf(ActionRequest request) => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["tool"] = Str(request.Arguments, "tool"),
        ["instance"] = Str(request.Arguments, "instance") ?? request.Instance,
    };

    private static string? Str(IReadOnlyDictionary<string, JsonElement> args, string key) =>
        args.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
}

/// <summary>What is installed: the tool of tools.yaml, with which package manager and package, and whether it needs root.</summary>
public sealed record InstallTarget(string Tool, string Manager, string Package, bool NeedsRoot);

/// <summary>
/// The answer to an install request from every face (<c>kse tools install</c>, <c>tools_install</c>): the decision, what runs where and
/// the result if it ran. Only <c>status</c> and <c>decision</c> are always present, so the interception point's own answers
/// (<c>pending_approval</c>, <c>observed</c>) fit the same schema.
/// </summary>
public sealed record ToolInstallOutcome
{
    /// <summary><c>succeeded</c>, <c>failed</c>, <c>timed_out</c>, <c>dry_run</c>, <c>queued</c>, <c>observed</c>, <c>denied</c>, or from the interception point <c>pending_approval</c>.</summary>
    public required string Status { get; init; }

    public required DecisionKind Decision { get; init; }

    public IReadOnlyList<PolicyRule> Rules { get; init; } = [];

    public TakeoverLevel? EffectiveLevel { get; init; }

    /// <summary>The action's name, <c>tools_install</c>.</summary>
    public string? Tool { get; init; } = ToolInstaller.Action;

    public string? Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public string? Host { get; init; }

    public RiskClass? Risk { get; init; }

    public InstallTarget? Install { get; init; }

    public string? CommandLine { get; init; }

    public IReadOnlyList<string>? Argv { get; init; }

    public string? ApprovalId { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public string? Resource { get; init; }

    public ToolInstallResult? Result { get; init; }

    public string? Message { get; init; }

    public string? CorrelationId { get; init; }

    /// <summary>The answer for an outcome of the guarded path.</summary>
    public static ToolInstallOutcome Shape(ActionOutcome outcome)
    {
        var decision = outcome.Decision.Explanation;
        var plan = outcome.Plan?.Detail as ToolInstallPlan;
        var approval = outcome.Status == "queued" ? outcome.Approval : null;
        return new ToolInstallOutcome
        {
            Status = outcome.Status,
            Decision = decision.Decision,
            Rules = decision.Rules,
            EffectiveLevel = decision.EffectiveLevel,
            Project = plan?.Project ?? outcome.Plan?.Project,
            Environment = plan?.Environment.Name() ?? outcome.Plan?.Environment,
            Instance = plan?.Instance,
            Host = plan?.Host,
            Risk = plan?.Risk,
            Install = plan is null ? null : new InstallTarget(plan.Tool, plan.Manager, plan.Package, plan.NeedsRoot),
            CommandLine = plan?.CommandLine,
            Argv = plan?.Argv,
            ApprovalId = approval?.Id,
            ExpiresAt = approval?.ExpiresAt,
            Resource = approval is null ? null : $"kse://approvals/{approval.Id}",
            Result = outcome.Result?.Value as ToolInstallResult,
            CorrelationId = outcome.CorrelationId,
            Message = outcome.Status switch
            {
                "dry_run" => $"dry run: would {(decision.Decision is DecisionKind.Run or DecisionKind.RunAndFlag ? "install" : decision.Decision == DecisionKind.QueueForApproval ? "be queued for approval" : decision.Decision == DecisionKind.ObserveOnly ? "be recorded as an observation only" : "be refused")}; nothing ran",
                "queued" => $"queued for approval: it runs once another operator approves {approval?.Id}",
                "observed" => "not run: recorded as an observation",
                "denied" => $"not run: {string.Join("; ", decision.Rules.Where(r => r.Id.StartsWith("tools.", StringComparison.Ordinal)).Select(r => r.Text).DefaultIfEmpty($"the policy kernel decided {decision.Decision.Name()}"))}",
                _ => null,
            },
        };
    }
}
