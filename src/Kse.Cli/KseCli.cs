using System.CommandLine;
using Kse.Cli.Commands;

namespace Kse.Cli;

/// <summary>The <c>kse</c> command line: global options, verbs, and the exit-code contract (0 ok, 1 problems found, 2 bad input, 3 not found, 4 refused by policy).</summary>
public static class KseCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("kse: operations specs, the policy kernel and the audit trail for AI-operated systems.\n\nExample:\n  kse init && kse ops init billing && kse ops validate billing");
        root.Options.Add(GlobalOptions.Root);
        root.Options.Add(GlobalOptions.Json);
        root.Options.Add(GlobalOptions.Config);
        foreach (var command in Verbs())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    /// <summary>Every verb, one line each; each capability owns its file under Commands/.</summary>
    private static IEnumerable<Command> Verbs() =>
    [
        InitCommand.Create(),
        OpsCommand.Create(),
        ServeCommand.Create(),
        TakeoverCommand.Create(),
        PolicyCommand.Create(),
        EmergencyCommand.Create(),
        ApprovalsCommand.Create(),
        AuditCommand.Create(),
        InstancesCommand.Create(),
        ChangeCommand.Create(),
        GraphCommand.Create(),
        RolloutCommand.Create(),
        HooksCommand.Create(),
        FeedbackCommand.Create(),
        ToolsCommand.Create(),
        ObserveCommand.Create(),
        LearnCommand.Create(),
        StoreCommand.Create(),
    ];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var root = Build();
        var parse = root.Parse(args);
        var isHelp = args.Any(a => a is "-h" or "--help" or "-?");
        if (parse.Errors.Count > 0 && !isHelp)
        {
            // One line that names the real problem: an unrecognized word says more than the "command required" it causes.
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            var message = string.Join(' ', error.Message.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()));
            await stderr.WriteLineAsync($"error usage.invalid: {message} (see '{string.Join(' ', CommandPath(parse).Prepend("kse"))} --help')");
            return 2;
        }

        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        CliContext.Writers.Value = (stdout, stderr);
        try
        {
            return await parse.InvokeAsync(config, cancellationToken);
        }
        finally
        {
            CliContext.Writers.Value = null;
        }
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new Stack<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (r.Command is not RootCommand)
            {
                names.Push(r.Command.Name);
            }
        }

        return names;
    }
}
