using System.CommandLine;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Cli;

/// <summary>How every verb runs: build the context, call the service, map <see cref="KseException"/> to its exit code and one stderr line.</summary>
public static class CommandExtensions
{
    public static Command WithAction(this Command command, Func<CliContext, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = CliContext.From(parse);
            try
            {
                return await action(context, cancellationToken);
            }
            catch (KseException ex)
            {
                await context.Err.WriteLineAsync($"error {ex.Code}: {ex.Message}");
                return ex.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await context.Err.WriteLineAsync("error run.cancelled: cancelled");
                return 130;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Never a stack trace: one line that names the problem, and an exit code from the contract.
                var (code, message, exit) = Unexpected(ex);
                await context.Err.WriteLineAsync($"error {code}: {message}");
                return exit;
            }
        });
        return command;
    }

    /// <summary>An exception no service turned into a <see cref="KseException"/> (stores report unreadable files themselves): an internal failure, exit 5.</summary>
    internal static (string Code, string Message, int Exit) Unexpected(Exception ex) =>
        ("internal.unexpected", $"{ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}", (int)KseErrorKind.Failure);

    /// <summary>
    /// A verb that decides as an operator (approve, reject, grant, revoke, set, promote): it takes <c>--token-file</c>, authenticates
    /// with it or <c>KSE_OPERATOR_TOKEN</c> before anything else, and hands the authenticated operator to <paramref name="action"/>.
    /// Every refusal (no or wrong credential: the OS user is audited; a refused decision: the operator is) is audited as
    /// <c>operator.cli</c>, like the operator API audits its attempts, and keeps its exit code.
    /// </summary>
    public static Command WithOperatorAction(this Command command, Func<CliContext, Actor, CancellationToken, Task<int>> action, bool setupAllowed = false)
    {
        var tokenFile = new Option<string?>("--token-file")
        {
            Description = $"A file holding your operator token, readable by you only (chmod 600); without it {OperatorAuthentication.TokenVariable} is read",
        };
        command.Options.Add(tokenFile);
        return command.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var authentication = ctx.Get<OperatorAuthentication>();
            var target = string.Join(' ', CommandPath(ctx.Parse.CommandResult).Prepend("kse"));
            var parameters = AttemptParameters(ctx.Parse);
            Actor op;
            try
            {
                op = authentication.Decider(OperatorAuthentication.ReadCredential(ctx.Value(tokenFile), Environment.GetEnvironmentVariable), setupAllowed);
            }
            catch (KseException ex)
            {
                await TryAuditRefusalAsync(ctx, authentication, Actor.OsUser(), target, parameters, ex);
                throw;
            }

            if (op.Kind != Actor.Operator)
            {
                await ctx.Err.WriteLineAsync($"warning auth.no_operators: no operator is configured (Kse:Operators), so this change is made by the OS user '{op.Name}'; configure operators with token hashes before an AI agent works in this workspace");
            }

            try
            {
                return await action(ctx, op, ct);
            }
            catch (KseException ex)
            {
                await TryAuditRefusalAsync(ctx, authentication, op, target, parameters, ex);
                throw;
            }
        });
    }

    /// <summary>Audits a refused command-line attempt; a trail that cannot be written is said on stderr, the refusal stands either way.</summary>
    internal static async Task TryAuditRefusalAsync(CliContext ctx, OperatorAuthentication authentication, Actor actor, string target, Dictionary<string, string?> parameters, KseException refusal)
    {
        parameters["osUser"] = Environment.UserName;
        try
        {
            await authentication.AuditRefusalAsync(actor, target, parameters, refusal, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not KseException)
        {
            await ctx.Err.WriteLineAsync($"warning audit.unavailable: this refusal could not be audited ({ex.GetType().Name}: {ex.Message})");
        }
    }

    /// <summary>The verb's own arguments and options as given (global options left out), for the audit entry of an attempt.</summary>
    internal static Dictionary<string, string?> AttemptParameters(ParseResult parse)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        var command = parse.CommandResult;
        foreach (var child in command.Children)
        {
            switch (child)
            {
                case System.CommandLine.Parsing.ArgumentResult a:
                    result[a.Argument.Name] = string.Join(' ', a.Tokens.Select(t => t.Value));
                    break;
                case System.CommandLine.Parsing.OptionResult o when !o.Implicit && o.Option.Name is not "--root" and not "--json" and not "--config":
                    result[o.Option.Name.TrimStart('-')] = string.Join(' ', o.Tokens.Select(t => t.Value));
                    break;
            }
        }

        return result;
    }

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult? r)
    {
        var names = new Stack<string>();
        for (; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (r.Command is not RootCommand)
            {
                names.Push(r.Command.Name);
            }
        }

        return names;
    }

    public static Command WithAction(this Command command, Func<CliContext, int> action) =>
        command.WithAction((ctx, _) => Task.FromResult(action(ctx)));

    /// <summary>A command whose description ends with an example, as every <c>--help</c> should.</summary>
    public static Command Verb(string name, string description, string example) =>
        new(name, $"{description}\n\nExample:\n  {example}");

    /// <summary>A group of verbs; invoked alone it prints its help and exits 2.</summary>
    public static Command Group(string name, string description, string example, params Command[] children)
    {
        var group = Verb(name, description, example);
        foreach (var child in children)
        {
            group.Subcommands.Add(child);
        }

        group.SetAction(parse =>
        {
            var writers = CliContext.Writers.Value ?? (Console.Out, Console.Error);
            writers.Err.WriteLine($"error usage.subcommand_required: 'kse {name}' needs one of: {string.Join(", ", children.Select(c => c.Name))} (see 'kse {name} --help')");
            return 2;
        });
        return group;
    }
}
