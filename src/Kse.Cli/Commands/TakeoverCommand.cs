using System.CommandLine;
using Kse.Core.Policy;

namespace Kse.Cli.Commands;

/// <summary><c>kse takeover</c>: Takeover levels per project and environment.</summary>
internal static class TakeoverCommand
{
    public static Command Create() =>
        CommandExtensions.Group("takeover", "Takeover levels per project and environment.", "kse takeover show billing", Show(), Set());

    private static Command Show()
    {
        var project = new Argument<string>("project") { Description = "The project" };
        var env = new Option<string?>("--env") { Description = "Only this environment (development, test, pre-production, production)" };
        var command = CommandExtensions.Verb("show", "Show the level, cap, effective level and any emergency elevation per environment.", "kse takeover show billing --env production --json");
        command.Arguments.Add(project);
        command.Options.Add(env);
        return command.WithAction(ctx =>
        {
            ctx.Workspace.EnsureInitialized();
            var report = ctx.Get<PolicyService>().Show(ctx.Value(project)!, ctx.Value(env));
            if (ctx.Json)
            {
                ctx.WriteJson(report);
                return 0;
            }

            ctx.WriteLine($"{report.Project} ({report.SystemType} system)");
            foreach (var v in report.Environments)
            {
                var line = $"  {v.Environment.Name(),-15} {v.EffectiveLevel}  (level {v.Level} {v.Source}, cap {v.Cap})";
                if (v.Elevation is { } e)
                {
                    line += $"  elevated by {e.GrantedBy} until {e.ExpiresAt:u} [{e.Id}]";
                }

                if (v.Reason is not null)
                {
                    line += $"  set by {v.SetBy} at {v.SetAt:u}: {v.Reason}";
                }

                ctx.WriteLine(line);
            }

            return 0;
        });
    }

    private static Command Set()
    {
        var project = new Argument<string>("project") { Description = "The project" };
        var env = new Option<string?>("--env") { Description = "The environment", Required = true };
        var level = new Option<string?>("--level") { Description = "L1 observation, L2 suggestion, L3 semi-auto, L4 auto, L5 fully autonomous", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why (required; kept in the audit trail)" };
        var user = new Option<string?>("--user") { Description = "Who makes the change (default: the OS user)" };
        var command = CommandExtensions.Verb("set", "Set a project's level in one environment. A level above the environment's cap is refused (exit 4); a reason is required.", "kse takeover set billing --env test --level L4 --reason \"two weeks without failures\"");
        command.Arguments.Add(project);
        command.Options.Add(env);
        command.Options.Add(level);
        command.Options.Add(reason);
        command.Options.Add(user);
        return command.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var policy = ctx.Get<PolicyService>();
            var change = await policy.SetLevelAsync(ctx.Value(project)!, ctx.Value(env), ctx.Value(level), ctx.Value(reason), policy.ActorFor(ctx.Value(user)), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(change);
            }
            else
            {
                ctx.WriteLine($"{change.Project}/{change.Environment.Name()}: {change.From} -> {change.To} (cap {change.Cap}) by {change.User}; audited as #{change.AuditSequence}");
            }

            return 0;
        });
    }
}
