using System.CommandLine;
using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Execution;
using Kse.Core.Policy;

namespace Kse.Cli.Commands;

/// <summary><c>kse ops run</c>: a human runs a declared operation on an instance, through the policy kernel and into the audit trail.</summary>
internal static class OpsRunCommand
{
    internal static Command Create()
    {
        var project = new Argument<string>("project") { Description = "The project (a slug)" };
        var operation = new Argument<string>("operation") { Description = "A kse-operation declared in the project's operations documents" };
        var env = new Option<string>("--env") { Description = "development, test, pre-production or production", Required = true };
        var instance = new Option<string?>("--instance") { Description = "The instance id (default: the environment's only instance)" };
        var param = new Option<string[]>("--param") { Description = "A parameter value as name=value; repeat for each (each value stays one argument)", AllowMultipleArgumentsPerToken = false };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show exactly what would run on which host and what policy decides; run nothing" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit trail and with a queued approval)" };
        var user = new Option<string?>("--user") { Description = "Who runs it (default: the OS user)" };
        var command = CommandExtensions.Verb(
            "run",
            "Run a declared operation on one instance. The policy kernel decides first (run, queue, observe, deny) and the decision and outcome are audited as a human action (bound by role and four-eyes; at L1 recorded as an observation). Nothing runs through a shell: each parameter is checked against its type and pattern and passed as one argument.",
            "kse ops run billing restart-service --env test --instance test-1 --param unit=billing.service --dry-run");
        command.Arguments.Add(project);
        command.Arguments.Add(operation);
        command.Options.Add(env);
        command.Options.Add(instance);
        command.Options.Add(param);
        command.Options.Add(dryRun);
        command.Options.Add(reason);
        command.Options.Add(user);
        return command.WithAction(async (ctx, ct) =>
        {
            var request = new OperationRunRequest
            {
                Project = ProjectName.Validate(ctx.Value(project)),
                Operation = ctx.Value(operation)!,
                Environment = ctx.Value(env)!,
                Instance = ctx.Value(instance),
                Parameters = ParseParams(ctx.Value(param) ?? []),
                DryRun = ctx.Value(dryRun),
                Reason = ctx.Value(reason),
            };
            var actor = ctx.Get<PolicyService>().ActorFor(ctx.Value(user));
            var outcome = await ctx.Get<ActionPipeline>().RunOperationAsync(request, actor, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(outcome);
            }
            else
            {
                Write(ctx, outcome);
            }

            return outcome.Status switch
            {
                "succeeded" or "dry_run" => 0,
                "queued" or "observed" or "denied" => 4,
                _ => 1,
            };
        });
    }

    internal static Dictionary<string, string?> ParseParams(IEnumerable<string> items)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw KseException.BadInput("ops.parameter_invalid", $"--param '{item}' must be name=value");
            }

            var name = item[..eq];
            if (!result.TryAdd(name, item[(eq + 1)..]))
            {
                throw KseException.BadInput("ops.parameter_invalid", $"--param '{name}' is given twice");
            }
        }

        return result;
    }

    private static void Write(CliContext ctx, OperationRunOutcome o)
    {
        ctx.WriteLine($"{o.Project} {o.Operation} ({o.Risk?.Name()}) on {o.Instance} [{o.Environment}, {o.Host}]");
        if (o.Strategy is { } chosen)
        {
            ctx.WriteLine($"  tool:     {chosen.Tool} (strategy {chosen.Strategy}, score {chosen.Score.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}" + (chosen.Version is { } v ? $", {v} on {o.Instance}" : "") + $"; ranking {chosen.Ranking})");
            ctx.WriteLine($"  why:      {chosen.Rationale}");
        }

        ctx.WriteLine($"  command:  {o.CommandLine}");
        if (o.Host != "local" && o.Argv is not null)
        {
            ctx.WriteLine($"  process:  {ShellWords.Join(o.Argv)}");
        }

        ctx.WriteLine($"  policy:   {o.Decision.Name()}" + (o.EffectiveLevel is { } l ? $" at {l}" : "") + (o.Observed == true ? " (recorded as an observation)" : ""));
        foreach (var rule in o.Rules)
        {
            ctx.WriteLine($"            {rule}");
        }

        if (o.Message is not null)
        {
            ctx.WriteLine($"  {o.Message}");
        }

        if (o.ApprovalId is not null)
        {
            ctx.WriteLine($"  queued as {o.ApprovalId}: another operator approves it with 'kse approvals approve {o.ApprovalId} --reason ...' or on the approval page");
        }

        if (o.Result is { Status: not "dry_run" } r)
        {
            ctx.WriteLine($"  result:   {r.Status}" + (r.ExitCode is { } c ? $", exit {c}" : "") + $", {r.DurationMs} ms, {r.Attempts.Count} attempt(s)");
            if (!string.IsNullOrEmpty(r.Stdout))
            {
                ctx.WriteLine("  stdout:");
                ctx.WriteLine(Indent(r.Stdout));
            }

            if (!string.IsNullOrEmpty(r.Stderr))
            {
                ctx.WriteLine("  stderr:");
                ctx.WriteLine(Indent(r.Stderr));
            }

            if (r.ErrorContext is not null)
            {
                ctx.WriteLine($"  error:    {r.ErrorContext}");
            }

            foreach (var rec in r.Recovery)
            {
                ctx.WriteLine($"  recovery: {rec}");
            }
        }
        else if (o.Result is { Recovery.Count: > 0 } dry)
        {
            ctx.WriteLine($"  on failure: rollback '{dry.Recovery[0].Operation}' (run or proposed per policy)");
        }
    }

    private static string Indent(string text) => string.Join('\n', text.TrimEnd('\n').Split('\n').Select(l => "    " + l));
}
