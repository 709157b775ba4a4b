using System.CommandLine;
using System.Globalization;
using Kse.Core.Audit;
using Kse.Core.Learning;

namespace Kse.Cli.Commands;

/// <summary><c>kse observe</c>: run a command for the human and record it as an observation; <c>kse observe import</c>: work already done.</summary>
internal static class ObserveCommand
{
    public static Command Create()
    {
        var project = new Option<string>("--project") { Description = "The project the work belongs to", Required = true };
        var env = new Option<string>("--env") { Description = "development, test, pre-production or production", Required = true };
        var instance = new Option<string?>("--instance") { Description = "The instance it runs against (its host is recorded)" };
        var command = new Argument<string[]>("command") { Description = "The command and its arguments, after --", Arity = ArgumentArity.ZeroOrMore };
        var observe = CommandExtensions.Verb(
            "observe",
            "Run a command for the human at L1 and record it as an observation: its stdin, stdout, stderr and exit code are passed through; the command, arguments, working directory, OS user, host, start, duration and exit code are stored (secrets masked first) in .sce/state/observations.db and summarised in the audit trail. With --json the record is printed after the command's own output.",
            "kse observe --project shopdb --env production --instance prod-1 -- systemctl restart nginx");
        observe.Options.Add(project);
        observe.Options.Add(env);
        observe.Options.Add(instance);
        observe.Arguments.Add(command);
        observe.Subcommands.Add(Import());
        observe.WithAction(async (ctx, ct) =>
        {
            var argv = ctx.Value(command) ?? [];
            var result = await ctx.Get<LearningService>().ObserveAsync(ctx.Value(project)!, ctx.Value(env)!, ctx.Value(instance), argv, Actor.OsUser(), ct);
            if (result.Problem is not null)
            {
                await ctx.Err.WriteLineAsync($"error observe.command_not_found: {result.Problem} (recorded as {result.Observation.Id}, exit 127)");
            }

            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }

            return result.ExitCode;
        });
        return observe;
    }

    private static Command Import()
    {
        var project = new Option<string>("--project") { Description = "The project the work belongs to", Required = true };
        var env = new Option<string>("--env") { Description = "development, test, pre-production or production", Required = true };
        var instance = new Option<string?>("--instance") { Description = "The instance the history comes from (its host is recorded)" };
        var history = new Option<string?>("--shell-history") { Description = "A shell history file (bash with HISTTIMEFORMAT '#<epoch>' lines, zsh extended, fish)" };
        var format = new Option<string?>("--format") { Description = "bash, zsh or fish (default: detected)" };
        format.AcceptOnlyFromAmong("bash", "zsh", "fish");
        var auditd = new Option<string?>("--auditd") { Description = "An auditd log (EXECVE records, e.g. /var/log/audit/audit.log)" };
        var journal = new Option<string?>("--journal") { Description = "sudo commands from the journal: 'journalctl -o json' output or the short text format" };
        var import = CommandExtensions.Verb(
            "import",
            "Import work already done as observations: a shell history (timestamps when the format has them), auditd EXECVE records, or sudo commands from the journal. Secrets are masked before anything is stored; the import is summarised in the audit trail.",
            "kse observe import --project shopdb --env production --shell-history ~/.bash_history --format bash");
        foreach (var o in new Option[] { project, env, instance, history, format, auditd, journal })
        {
            import.Options.Add(o);
        }

        return import.WithAction(async (ctx, ct) =>
        {
            var sources = new[] { (ctx.Value(history), (string?)null), (ctx.Value(auditd), "auditd"), (ctx.Value(journal), "journal") }.Where(s => s.Item1 is not null).ToList();
            if (sources.Count != 1)
            {
                throw Kse.Core.KseException.BadInput("observe.source_invalid", "give exactly one of --shell-history FILE, --auditd FILE or --journal FILE");
            }

            var (file, kind) = sources[0];
            var fmt = kind ?? ctx.Value(format);
            var result = await ctx.Get<LearningService>().ImportAsync(ctx.Value(project)!, ctx.Value(env)!, ctx.Value(instance), file!, fmt, Actor.OsUser(), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
            }
            else
            {
                var range = result.From is { } f && result.To is { } t ? string.Create(CultureInfo.InvariantCulture, $", {f:yyyy-MM-dd HH:mm} to {t:yyyy-MM-dd HH:mm} UTC") : "";
                ctx.WriteLine($"{result.Imported} observations imported from a {result.Source} history into {result.Project} ({result.Environment}){range}; {result.MaskedSecrets} secrets masked, {result.WithoutTimestamp} without a timestamp, {result.Skipped} lines skipped, {result.Duplicates} already imported (batch {result.BatchId})");
                foreach (var p in result.Problems)
                {
                    ctx.WriteLine($"  warning: {p}");
                }
            }

            return 0;
        });
    }
}
