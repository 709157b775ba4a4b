using System.CommandLine;
using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Cli.Commands;

/// <summary><c>kse policy</c>: Ask the policy kernel what it would decide, without running anything.</summary>
internal static class PolicyCommand
{
    public static Command Create() =>
        CommandExtensions.Group("policy", "Ask the policy kernel what it would decide, without running anything.", "kse policy explain --project billing --env production --operation restart --risk normal", Explain());

    private static Command Explain()
    {
        var project = new Option<string?>("--project") { Description = "The project", Required = true };
        var env = new Option<string?>("--env") { Description = "The environment", Required = true };
        var operation = new Option<string?>("--operation") { Description = "The operation or tool name", Required = true };
        var risk = new Option<string?>("--risk") { Description = "read, normal or critical", Required = true };
        var instance = new Option<string?>("--instance") { Description = "The instance (recorded in the explanation)" };
        var user = new Option<string?>("--user") { Description = "Who asks (default: the OS user; for --actor ai, the MCP client's name)" };
        var actorKind = new Option<string?>("--actor") { Description = "ai (bound by the takeover level, the caps and the spec's validity) or human (bound by role and four-eyes; runs at L1 are observed); without it, the kernel's level table alone" };
        var command = CommandExtensions.Verb("explain", "Print the decision (run, run_and_flag, queue_for_approval, observe_only, deny), the levels and the rules that decided. Runs nothing.", "kse policy explain --project billing --env production --operation restart-service --risk normal --actor human --json");
        command.Options.Add(project);
        command.Options.Add(env);
        command.Options.Add(operation);
        command.Options.Add(risk);
        command.Options.Add(instance);
        command.Options.Add(user);
        command.Options.Add(actorKind);
        return command.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var policy = ctx.Get<PolicyService>();
            var kind = ctx.Value(actorKind)?.Trim().ToLowerInvariant();
            var actor = kind switch
            {
                null or "" => policy.ActorFor(ctx.Value(user)),
                "ai" => Actor.Ai(ctx.Value(user) is { Length: > 0 } client ? client.Trim() : "any-client"),
                "human" => policy.ActorFor(ctx.Value(user)),
                var other => throw KseException.BadInput("policy.actor_unknown", $"unknown actor '{other}': use ai or human"),
            };
            var kernel = await policy.ExplainAsync(ctx.Value(project)!, ctx.Value(env), ctx.Value(operation) ?? "", ctx.Value(risk), ctx.Value(instance), actor, ct);
            var decided = string.IsNullOrEmpty(kind) ? new ActionDecision(kernel, false) : ctx.Get<ActionPipeline>().ForActor(kernel, actor, PolicyNames.ParseRisk(ctx.Value(risk)));
            var e = decided.Explanation;
            if (ctx.Json)
            {
                ctx.WriteJson(e);
                return 0;
            }

            ctx.WriteLine($"{e.Decision.Name()}: {e.Operation} ({e.Risk}) on {e.Project}/{e.Environment}{(e.Instance is null ? "" : "/" + e.Instance)} at {e.EffectiveLevel} (level {e.Level} {e.LevelSource}, cap {e.Cap})");
            if (decided.Observed)
            {
                ctx.WriteLine("  (a run is recorded as an observation)");
            }

            foreach (var r in e.Rules)
            {
                ctx.WriteLine($"  {r.Id,-28} {r.Text}");
            }

            return 0;
        });
    }
}
