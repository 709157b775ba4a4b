using System.CommandLine;
using Kse.Core;
using Kse.Core.Changes;

namespace Kse.Cli.Commands;

/// <summary>The diff-source options shared by <c>kse change</c> and <c>kse rollout</c>: a file, a git range, the staged changes, or stdin.</summary>
internal sealed class ChangeSourceOptions
{
    /// <summary>Tests substitute stdin here; null means the process's standard input.</summary>
    internal static readonly AsyncLocal<TextReader?> StdinOverride = new();

    public ChangeSourceOptions(string diffOption = "--diff", params string[] aliases)
    {
        Diff = new Option<string?>(diffOption, aliases) { Description = "A unified diff file ('-' for stdin; stdin is also read when no source is given)" };
        Base = new Option<string?>("--base") { Description = "Git revision to diff from (to --head)" };
        Head = new Option<string?>("--head") { Description = "Git revision to diff to (default HEAD; needs --base)" };
        Staged = new Option<bool>("--staged") { Description = "Classify the staged changes (git diff --cached)" };
        Project = new Option<string?>("--project", "-p") { Description = "The project the change belongs to (default: from the 'path' of projects in .sce/dependencies.yaml)" };
    }

    public Option<string?> Diff { get; }

    public Option<string?> Base { get; }

    public Option<string?> Head { get; }

    public Option<bool> Staged { get; }

    public Option<string?> Project { get; }

    public Command AddTo(Command command, bool withProject = true)
    {
        command.Options.Add(Diff);
        command.Options.Add(Base);
        command.Options.Add(Head);
        command.Options.Add(Staged);
        if (withProject)
        {
            command.Options.Add(Project);
        }

        return command;
    }

    public async Task<IReadOnlyList<DiffFile>> ReadAsync(CliContext ctx, ChangeImpactService service, CancellationToken cancellationToken)
    {
        var file = ctx.Value(Diff);
        var baseRev = ctx.Value(Base);
        var headRev = ctx.Value(Head);
        var staged = ctx.Value(Staged);
        if (headRev is not null && baseRev is null)
        {
            throw KseException.BadInput("change.source_missing", "--head needs --base");
        }

        var git = staged || baseRev is not null;
        if (file is null && !git || file == "-")
        {
            if (git)
            {
                throw KseException.BadInput("change.source_conflict", "give one diff source: --diff, --base/--head or --staged");
            }

            var reader = StdinOverride.Value;
            if (reader is null)
            {
                if (!Console.IsInputRedirected)
                {
                    throw KseException.BadInput("change.source_missing", "no diff given: pass --diff FILE, --base REV [--head REV], --staged, or pipe a diff on stdin");
                }

                reader = Console.In;
            }

            return await service.ReadDiffFilesAsync(new DiffSource { Text = await service.ReadBoundedAsync(reader, "the diff on stdin", cancellationToken) }, cancellationToken);
        }

        return await service.ReadDiffFilesAsync(new DiffSource { File = file, Base = baseRev, Head = git ? headRev : null, Staged = staged }, cancellationToken);
    }
}
