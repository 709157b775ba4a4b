using System.CommandLine;
using Kse.Core.Audit;
using Kse.Core.Changes;

namespace Kse.Cli.Commands;

/// <summary><c>kse rollout</c>: Plan coordinated rollouts across dependent projects.</summary>
internal static class RolloutCommand
{
    public static Command Create() =>
        CommandExtensions.Group("rollout", "Plan coordinated rollouts across dependent projects.", "kse rollout plan --change change.diff", Plan());

    private static Command Plan()
    {
        var source = new ChangeSourceOptions("--change", "--diff");
        var command = source.AddTo(CommandExtensions.Verb("plan",
            "Classify a change, check every dependent's declared consumption against it, and print rollout waves: providers expand, consumers migrate, providers contract, in dependency order with health checks between waves.",
            "kse rollout plan --change change.diff --project billing"));
        return command.WithAction(async (ctx, ct) =>
        {
            var service = ctx.Get<ChangeImpactService>();
            var plan = await service.PlanRolloutAsync(await source.ReadAsync(ctx, service, ct), ctx.Value(source.Project), Actor.OsUser(), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(plan);
                return 0;
            }

            ctx.WriteLine($"{ChangeCommand.LevelName(plan.Level)} change to {string.Join(", ", plan.ChangedProjects)}: {(plan.CoordinationNeeded ? $"{plan.Incompatibilities.Count} incompatibilit{(plan.Incompatibilities.Count == 1 ? "y" : "ies")}, coordinated in {plan.Waves.Count} wave(s)" : $"no dependent is incompatible; {plan.Waves.Count} wave(s)")}");
            foreach (var i in plan.Incompatibilities)
            {
                ctx.WriteLine($"  incompatible: {i.Consumer} ({i.Resource} of {i.Provider}) — {i.Reason}");
            }

            foreach (var wave in plan.Waves)
            {
                ctx.WriteLine($"Wave {wave.Number} ({ChangeCommand.Name(wave.Phase)}):");
                foreach (var step in wave.Steps)
                {
                    ctx.WriteLine($"  {step.Project}: {step.Action}");
                    foreach (var op in step.Operations)
                    {
                        ctx.WriteLine($"    - {op}");
                    }

                    foreach (var hc in step.HealthChecks)
                    {
                        ctx.WriteLine($"    health: {hc}");
                    }
                }

                if (wave.Gate is not null)
                {
                    ctx.WriteLine($"  gate: {wave.Gate}");
                }
            }

            foreach (var cycle in plan.Cycles)
            {
                ctx.WriteLine($"cycle: {string.Join(" -> ", cycle)}");
            }

            foreach (var note in plan.Notes)
            {
                ctx.WriteLine($"note: {note}");
            }

            return 0;
        });
    }
}
