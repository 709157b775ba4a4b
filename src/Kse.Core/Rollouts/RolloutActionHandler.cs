using System.Text.Json;
using Kse.Core.Actions;
using Kse.Core.Changes;
using Kse.Core.Policy;

namespace Kse.Core.Rollouts;

/// <summary>
/// Plans and runs <c>rollout_start</c>, <c>rollout_resume</c> and <c>rollout_abort</c> on the guarded path, so the kernel decides
/// the call itself for its project and environment (a resume or abort takes them from the stored rollout) before the rollout's
/// own steps are decided one by one. Their entries are <c>tool.call</c> entries with the rollout's id as a parameter when known.
/// </summary>
public sealed class RolloutActionHandler(Func<RolloutService> rollouts, Func<ChangeImpactService> changes) : IActionHandler
{
    public const string Start = "rollout_start";

    public const string Resume = "rollout_resume";

    public const string Abort = "rollout_abort";

    public bool Handles(string action) => action is Start or Resume or Abort;

    public async ValueTask<ActionPlan> PlanAsync(ActionRequest request, CancellationToken cancellationToken)
    {
        var args = request.Arguments;
        string? project;
        string? environment;
        if (request.Action == Start)
        {
            project = ProjectName.Validate(Str(args, "project") ?? request.Project ?? throw KseException.BadInput("input.scope_missing", "rollout_start must name 'project' (the changed project)"));
            environment = PolicyNames.ParseEnvironment(Str(args, "environment") ?? request.Environment ?? throw KseException.BadInput("input.scope_missing", "rollout_start must name 'environment'")).Name();
            if (Str(args, "diff") is null && Str(args, "base") is null)
            {
                throw KseException.BadInput("change.source_missing", "give 'diff' (unified diff text) or 'base' (and optionally 'head') git revisions");
            }
        }
        else
        {
            var id = Str(args, "id") ?? throw KseException.BadInput("rollout.id_invalid", $"{request.Action} must name the rollout's 'id'");
            var rollout = await rollouts().GetAsync(id, cancellationToken);
            project = rollout.Project;
            environment = rollout.Environment;
        }

        return new ActionPlan
        {
            Action = request.Action,
            Project = project,
            Environment = environment,
            Risk = RiskClass.Normal,
            Operation = request.Action,
            Arguments = args,
            Target = Str(args, "id") is { } rid ? $"{request.Action} {rid}" : request.Action,
            AuditParameters = ActionPipeline.ArgumentParameters(args),
        };
    }

    public async ValueTask<ActionRunResult> RunAsync(ActionPlan plan, ActionRunContext context, CancellationToken cancellationToken)
    {
        var args = plan.Arguments;
        var actor = context.Request.Actor;
        var service = rollouts();
        Rollout rollout;
        switch (plan.Action)
        {
            case Start:
                var c = changes();
                var files = await c.ReadDiffFilesAsync(new DiffSource { Text = Str(args, "diff"), Base = Str(args, "base"), Head = Str(args, "base") is null ? null : Str(args, "head") }, cancellationToken);
                rollout = await service.StartAsync(new RolloutStartRequest { Files = files, Project = plan.Project, Environment = plan.Environment, ToVersion = Str(args, "toVersion") }, actor, context.Progress, cancellationToken);
                break;
            case Resume:
                rollout = await service.ResumeAsync(Str(args, "id")!, actor, context.Progress, cancellationToken);
                break;
            default:
                rollout = await service.AbortAsync(Str(args, "id")!, actor, Str(args, "reason"), context.Progress, cancellationToken);
                break;
        }

        // The call did what it was asked; a halted rollout's failure is recorded by its step's and its own entries, not
        // counted again against the starting project (so a consumer's failing health check does not demote the provider).
        return new ActionRunResult
        {
            Status = "succeeded",
            Details = new Dictionary<string, string?>(StringComparer.Ordinal) { ["rollout"] = rollout.Id, ["state"] = rollout.State, ["stoppedAt"] = rollout.StoppedAt },
            Value = rollout,
        };
    }

    private static string? Str(IReadOnlyDictionary<string, JsonElement> args, string key) =>
        args.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
}
