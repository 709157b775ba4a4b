using System.CommandLine;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Changes;
using Kse.Core.Policy;
using Kse.Core.Rollouts;

namespace Kse.Cli.Commands;

/// <summary><c>kse rollout</c>: plan coordinated rollouts across dependent projects, and run them wave by wave on the guarded path.</summary>
internal static class RolloutCommand
{
    public static Command Create() =>
        CommandExtensions.Group("rollout", "Plan coordinated rollouts across dependent projects, and run them wave by wave through the policy kernel.", "kse rollout start --change change.diff --project billing --env development",
            Plan(), Start(), Status(), List(), Resume(), Abort());

    private static Command Start()
    {
        var source = new ChangeSourceOptions("--change", "--diff");
        var env = new Option<string?>("--env") { Description = "development, test, pre-production or production (default: development)" };
        var toVersion = new Option<string?>("--to-version") { Description = "The version the changed project rolls to: recorded with the rollout, and passed as version=V to its rollout operations that declare a version parameter" };
        var user = new Option<string?>("--user") { Description = "Who runs it (default: the OS user); every step is decided for this actor" };
        var command = source.AddTo(CommandExtensions.Verb("start",
            "Plan the change's rollout and run it: wave by wave, per project its declared deploy/migrate operations (a 'rollout:' role in the kse-operation block, or the operation's name) on each instance of the environment, the first instance (the canary) first, each followed by the project's health check. Every step is an ops_run action decided by the policy kernel and audited under the rollout's id; a step queued for approval pauses the rollout (exit 4), a failed step or health check halts it and rolls back its wave's done steps in reverse (exit 1).",
            "kse rollout start --change samples/changes/billing-invoice-summary.diff --project billing --env development --root samples"));
        command.Options.Add(env);
        command.Options.Add(toVersion);
        command.Options.Add(user);
        return command.WithAction(async (ctx, ct) =>
        {
            var changes = ctx.Get<ChangeImpactService>();
            var files = await source.ReadAsync(ctx, changes, ct);
            var actor = ctx.Get<PolicyService>().ActorFor(ctx.Value(user));
            var rollout = await ctx.Get<RolloutService>().StartAsync(
                new RolloutStartRequest { Files = files, Project = ctx.Value(source.Project), Environment = ctx.Value(env), ToVersion = ctx.Value(toVersion) },
                actor,
                ctx.Json ? null : new Progress(ctx),
                ct);
            return Report(ctx, rollout);
        });
    }

    private static Command Status()
    {
        var id = new Argument<string>("id") { Description = "The rollout id (ro-…), as printed by 'kse rollout start' or 'kse rollout list'" };
        var command = CommandExtensions.Verb("status", "Show a rollout: its state, its waves and every step with its outcome and correlation id, and where it stopped.", "kse rollout status ro-0123456789ab --json");
        command.Arguments.Add(id);
        return command.WithAction(async (ctx, ct) =>
        {
            var rollout = await ctx.Get<RolloutService>().GetAsync(ctx.Value(id)!, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(rollout);
            }
            else
            {
                Write(ctx, rollout);
            }

            return 0;
        });
    }

    private static Command List()
    {
        var limit = new Option<int>("--limit") { Description = "At most this many, the most recent first", DefaultValueFactory = _ => 50 };
        var command = CommandExtensions.Verb("list", "List rollouts, the most recently updated first: id, state, project, environment, steps done.", "kse rollout list --json");
        command.Options.Add(limit);
        return command.WithAction(async (ctx, ct) =>
        {
            var list = await ctx.Get<RolloutService>().ListAsync(ctx.Value(limit), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(list);
                return 0;
            }

            if (list.Rollouts.Count == 0)
            {
                ctx.WriteLine("no rollouts");
            }

            foreach (var r in list.Rollouts)
            {
                ctx.WriteLine($"{r.Id}  {r.State,-9}  {r.Project} → {r.Environment}  {r.StepsDone}/{r.Steps} steps, {r.Waves} wave(s)  {r.UpdatedAt:u}" + (r.StoppedAt is { } s ? $"\n    {DisplayText.Field(s)}" : ""));
            }

            return 0;
        });
    }

    private static Command Resume()
    {
        var id = new Argument<string>("id") { Description = "The rollout id" };
        var user = new Option<string?>("--user") { Description = "Who resumes it (default: the OS user); the remaining steps are still decided for the actor who started the rollout" };
        var force = new Option<bool>("--force") { Description = "Resume a rollout marked running by a process on another machine that you checked is gone (on this machine an ended process is detected)" };
        var command = CommandExtensions.Verb("resume",
            "Continue a rollout: a paused one once its queued step was approved (the step's outcome at approval is taken), a failed one after a fix (its failed wave runs again from its first step), or one whose process ended while running (its current step runs again).",
            "kse rollout resume ro-0123456789ab");
        command.Arguments.Add(id);
        command.Options.Add(user);
        command.Options.Add(force);
        return command.WithAction(async (ctx, ct) =>
        {
            var actor = ctx.Get<PolicyService>().ActorFor(ctx.Value(user));
            var rollout = await ctx.Get<RolloutService>().ResumeAsync(ctx.Value(id)!, actor, ctx.Json ? null : new Progress(ctx), ct, ctx.Value(force));
            return Report(ctx, rollout);
        });
    }

    private static Command Abort()
    {
        var id = new Argument<string>("id") { Description = "The rollout id" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit trail)" };
        var user = new Option<string?>("--user") { Description = "Who aborts it (default: the OS user)" };
        var command = CommandExtensions.Verb("abort",
            "Stop a rollout that is not finished: the approval its waiting step asked for is withdrawn, and the declared rollbacks of its done steps run in reverse order where the policy allows, and are proposed (queued for approval) where it does not.",
            "kse rollout abort ro-0123456789ab --reason \"payment errors in the canary\"");
        command.Arguments.Add(id);
        command.Options.Add(reason);
        command.Options.Add(user);
        return command.WithAction(async (ctx, ct) =>
        {
            var actor = ctx.Get<PolicyService>().ActorFor(ctx.Value(user));
            var rollout = await ctx.Get<RolloutService>().AbortAsync(ctx.Value(id)!, actor, ctx.Value(reason), ctx.Json ? null : new Progress(ctx), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(rollout);
            }
            else
            {
                Write(ctx, rollout);
            }

            return rollout.Steps.Any(s => s.Status is "rollback_failed") ? 1 : 0;
        });
    }

    private static int Report(CliContext ctx, Rollout rollout)
    {
        if (ctx.Json)
        {
            ctx.WriteJson(rollout);
        }
        else
        {
            Write(ctx, rollout);
        }

        return rollout.State switch
        {
            "completed" => 0,
            "paused" => 4,
            _ => 1,
        };
    }

    internal static void Write(CliContext ctx, Rollout r)
    {
        ctx.WriteLine($"rollout {r.Id}: {r.State} ({r.Project} → {r.Environment}" + (r.ToVersion is { } v ? $", to {v}" : "") + $", {r.Level}, started by {r.StartedBy})");
        foreach (var w in r.Waves)
        {
            ctx.WriteLine($"Wave {w.Number} ({w.Phase}): {w.Status} — {string.Join(", ", w.Projects)}");
            foreach (var s in r.Steps.Where(s => s.Wave == w.Number))
            {
                ctx.WriteLine($"  {s.Number,2}. {s.Project}/{s.Instance} {s.Operation}{(s.Canary ? " (canary)" : "")}: {s.Status}  [{s.CorrelationId}]" + (s.Message is { } m ? $" — {DisplayText.Field(m)}" : ""));
            }
        }

        if (r.StoppedAt is { } stopped)
        {
            ctx.WriteLine($"stopped at: {DisplayText.Field(stopped)}");
        }

        foreach (var note in r.Notes)
        {
            ctx.WriteLine($"note: {DisplayText.Field(note)}");
        }

        if (r.State == "paused" && r.Steps.FirstOrDefault(s => s.Status == "queued")?.ApprovalId is { } approval)
        {
            ctx.WriteLine($"approve it with 'kse approvals approve {approval} --reason ...' (another operator), then 'kse rollout resume {r.Id}'");
        }
        else if (r.State == "failed")
        {
            ctx.WriteLine($"after a fix: 'kse rollout resume {r.Id}' runs wave {r.Steps.Where(s => s.Status != "succeeded").Select(s => s.Wave).DefaultIfEmpty(0).Min()} again; 'kse rollout abort {r.Id}' rolls back every done step");
        }

        ctx.WriteLine($"audit trail: kse audit query --correlation {r.Id}");
    }

    /// <summary>Step progress on stderr, so stdout stays the report.</summary>
    internal sealed class Progress(CliContext ctx) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value)
        {
            ctx.Err.WriteLine($"  {DisplayText.Field(value.Message)}");
        }
    }

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
