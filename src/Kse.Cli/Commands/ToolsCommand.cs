using System.CommandLine;
using System.Globalization;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Tools;

namespace Kse.Cli.Commands;

/// <summary><c>kse tools</c>: choose the tool for an operation in context, check installed versions, install what is missing.</summary>
internal static class ToolsCommand
{
    private static readonly Argument<string> Project = new("project") { Description = "The project (a slug)" };

    public static Command Create() =>
        CommandExtensions.Group(
            "tools",
            "The tools of a project's tools.yaml: choose one for an operation in context, check installed versions on an instance.",
            "kse tools select shopdb postgres-backup --data-size 50GB --window 2h",
            Select(),
            Check(),
            Install());

    private static Command Select()
    {
        var operation = new Argument<string>("operation") { Description = "A strategy of tools.yaml (e.g. postgres-backup)" };
        var dataSize = new Option<string?>("--data-size") { Description = "How much data the operation handles, e.g. 50GB, 500MB, 2TiB" };
        var network = new Option<string?>("--network") { Description = "The link to the data: fast, slow or offline" };
        var window = new Option<string?>("--window") { Description = "The time it must finish in, e.g. 2h, 90m, 1h30m" };
        var cpu = new Option<int?>("--cpu") { Description = "CPU cores available" };
        var memory = new Option<string?>("--memory") { Description = "Memory available, e.g. 8GB" };
        var diskFree = new Option<string?>("--disk-free") { Description = "Free disk on the instance, e.g. 200GB" };
        var env = new Option<string?>("--env") { Description = "With --instance: probe the candidates there; a missing or incompatible tool is disqualified" };
        var instance = new Option<string?>("--instance") { Description = "The instance id (default: the environment's only instance)" };
        var targetVersion = new Option<string?>("--target-version") { Description = "The target's version (e.g. the PostgreSQL server's) for version requirements" };
        var user = new Option<string?>("--user") { Description = "Who asks (default: the OS user); recorded in the audit trail" };
        var command = CommandExtensions.Verb(
            "select",
            "Rank an operation's candidate tools in context: score = 0.4 AI-friendliness + 0.3 native + 0.3 efficiency (data-size band, throughput against the window, network, resumability; weights from tools.yaml). A tool that cannot finish in the window, fit the disk or memory, or is missing on the instance is disqualified with the reason. Prints the ranking, each score's parts, the winner and the rationale; the selection is audited.",
            "kse tools select shopdb postgres-backup --data-size 500GB --window 2h --disk-free 300GB --json");
        command.Arguments.Add(Project);
        command.Arguments.Add(operation);
        foreach (var o in new Option[] { dataSize, network, window, cpu, memory, diskFree, env, instance, targetVersion, user })
        {
            command.Options.Add(o);
        }

        return command.WithAction(async (ctx, ct) =>
        {
            var target = new ToolsTarget { Project = ctx.Value(Project)!, Environment = ctx.Value(env), Instance = ctx.Value(instance), TargetVersion = ctx.Value(targetVersion) };
            var context = new SelectionContextText
            {
                DataSize = ctx.Value(dataSize),
                Network = ctx.Value(network),
                Window = ctx.Value(window),
                Cpu = ctx.Value(cpu),
                Memory = ctx.Value(memory),
                DiskFree = ctx.Value(diskFree),
            };
            var actor = ctx.Get<Kse.Core.Policy.PolicyService>().ActorFor(ctx.Value(user));
            var selection = await ctx.Get<ToolsService>().SelectAsync(target, ctx.Value(operation)!, context, actor, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(selection);
            }
            else
            {
                Write(ctx, selection);
            }

            return selection.Winner is null ? 1 : 0;
        });
    }

    private static Command Check()
    {
        var env = new Option<string?>("--env") { Description = "The instance's environment (without --env and --instance: this machine)" };
        var instance = new Option<string?>("--instance") { Description = "The instance id (default: the environment's only instance)" };
        var tool = new Option<string[]>("--tool") { Description = "Check only this tool (repeat for more)" };
        var targetVersion = new Option<string?>("--target-version") { Description = "The target's version (e.g. the PostgreSQL server's) for requirements like >={target.major}" };
        var command = CommandExtensions.Verb(
            "check",
            "Probe the installed version of each tool on an instance (locally or over its SSH) against its requirement; report missing tools with the install command for the host's package manager (apt, dnf, apk, brew, winget). Exit 0 when all are fine, 1 when one is missing, incompatible or its probe failed.",
            "kse tools check shopdb --env production --instance prod-1 --json");
        command.Arguments.Add(Project);
        command.Options.Add(env);
        command.Options.Add(instance);
        command.Options.Add(tool);
        command.Options.Add(targetVersion);
        return command.WithAction(async (ctx, ct) =>
        {
            var target = new ToolsTarget { Project = ctx.Value(Project)!, Environment = ctx.Value(env), Instance = ctx.Value(instance), TargetVersion = ctx.Value(targetVersion) };
            var report = await ctx.Get<ToolsService>().CheckAsync(target, ctx.Value(tool) ?? [], ct);
            if (ctx.Json)
            {
                ctx.WriteJson(report);
            }
            else
            {
                ctx.WriteLine($"{report.Project} tools on {report.Instance ?? "this machine"} ({report.Host}; os {report.Os ?? "unknown"}; package managers: {(report.PackageManagers.Count == 0 ? "none found" : string.Join(", ", report.PackageManagers))})"
                    + (report.TargetVersion is { } tv ? $", target {tv} ({report.TargetVersionSource})" : ""));
                foreach (var t in report.Tools)
                {
                    ctx.WriteLine($"  {t.Tool,-16} {t.Status,-12} {t.Version ?? "-",-10} {t.Message}");
                }
            }

            return report.Ok ? 0 : 1;
        });
    }

    private static Command Install()
    {
        var tool = new Argument<string>("tool") { Description = "A tool of tools.yaml that has install hints" };
        var env = new Option<string>("--env") { Description = "development, test, pre-production or production", Required = true };
        var instance = new Option<string?>("--instance") { Description = "The instance id (default: the environment's only instance)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the install command, where it runs and what policy decides; run nothing" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit trail and with a queued approval)" };
        var user = new Option<string?>("--user") { Description = "Who asks (default: the OS user)" };
        var command = CommandExtensions.Verb(
            "install",
            "Install a tool on an instance with the host's package manager (apt, dnf, apk, brew, winget; the package from tools.yaml's install hints), through the guarded path: normal risk, critical when it needs root; in development as the level permits, queued for an operator's approval in test and pre-production, refused in production. Decision and outcome are audited (tools.install).",
            "kse tools install shopdb pg_dump --env development --instance dev-1 --dry-run");
        command.Arguments.Add(Project);
        command.Arguments.Add(tool);
        foreach (var o in new Option[] { env, instance, dryRun, reason, user })
        {
            command.Options.Add(o);
        }

        return command.WithAction(async (ctx, ct) =>
        {
            var actor = ctx.Get<Kse.Core.Policy.PolicyService>().ActorFor(ctx.Value(user));
            var arguments = new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["project"] = Kse.Core.ProjectName.Validate(ctx.Value(Project)),
                ["tool"] = ctx.Value(tool),
                ["environment"] = ctx.Value(env),
                ["instance"] = ctx.Value(instance),
                ["dryRun"] = ctx.Value(dryRun),
            };
            var action = await ctx.Get<Kse.Core.Actions.ActionPipeline>().ExecuteAsync(
                new Kse.Core.Actions.ActionRequest
                {
                    Actor = actor,
                    Action = ToolInstaller.Action,
                    Project = ctx.Value(Project),
                    Environment = ctx.Value(env),
                    Instance = ctx.Value(instance),
                    Arguments = Kse.Core.Actions.ActionRequest.ArgumentsOf(arguments),
                    Reason = ctx.Value(reason),
                },
                cancellationToken: ct);
            if (action.Error is { } error)
            {
                throw error;
            }

            var outcome = ToolInstallOutcome.Shape(action);
            if (ctx.Json)
            {
                ctx.WriteJson(outcome);
            }
            else
            {
                WriteInstall(ctx, outcome);
            }

            return outcome.Status switch
            {
                "succeeded" or "dry_run" => 0,
                "queued" or "observed" or "denied" => 4,
                _ => 1,
            };
        });
    }

    private static void WriteInstall(CliContext ctx, ToolInstallOutcome o)
    {
        ctx.WriteLine($"{o.Project} install {o.Install?.Tool} ({o.Risk?.Name()}) on {o.Instance} [{o.Environment}, {o.Host}]");
        ctx.WriteLine($"  command:  {o.CommandLine}" + (o.Install is { NeedsRoot: true } ? "   (needs root)" : ""));
        ctx.WriteLine($"  policy:   {o.Decision.Name()}" + (o.EffectiveLevel is { } l ? $" at {l}" : ""));
        foreach (var rule in o.Rules)
        {
            ctx.WriteLine($"            {rule}");
        }

        if (o.Message is not null)
        {
            ctx.WriteLine($"  {o.Message}");
        }

        if (o.Result is { } r)
        {
            ctx.WriteLine($"  result:   {r.Status}" + (r.ExitCode is { } c ? $", exit {c}" : "") + $", {r.DurationMs} ms" + (r.ErrorContext is { } e ? $": {e}" : ""));
            if (r.Check is { } check)
            {
                ctx.WriteLine($"  now:      {check.Status}: {check.Message}");
            }
        }
    }

    private static void Write(CliContext ctx, ToolSelection s)
    {
        var context = s.Context.Count == 0 ? "no context given" : string.Join(", ", s.Context.Select(kv => $"{kv.Key} {kv.Value}"));
        ctx.WriteLine($"{s.Project} {s.Operation}: {context}");
        ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  score = {s.Weights.AiFriendliness} AI-friendliness + {s.Weights.Native} native + {s.Weights.Efficiency} efficiency"));
        foreach (var r in s.Ranking)
        {
            var parts = string.Create(CultureInfo.InvariantCulture, $"ai {r.Parts.AiFriendliness:0.00}  native {r.Parts.Native:0}  efficiency {r.Parts.Efficiency:0.00} (band {r.EfficiencyParts.DataSizeFit:0.00}, speed {r.EfficiencyParts.Speed:0.00}, network {r.EfficiencyParts.Network:0.00}, resume {r.EfficiencyParts.Resumability:0.00})");
            ctx.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Rank}. {r.Tool,-16} {r.Score:0.000}  {parts}") + (r.Disqualified ? "  OUT" : ""));
            foreach (var d in r.Disqualifications)
            {
                ctx.WriteLine($"       out: {d}");
            }

            if (r.Flags.Count > 0)
            {
                ctx.WriteLine($"       flags: {string.Join(", ", r.Flags)}");
            }
        }

        ctx.WriteLine(s.Winner is null ? "  no tool qualifies" : $"  winner: {s.Winner}");
        ctx.WriteLine($"  why: {s.Rationale}");
    }
}
