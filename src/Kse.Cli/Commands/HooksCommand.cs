using System.CommandLine;
using Kse.Core.Versions;

namespace Kse.Cli.Commands;

/// <summary><c>kse hooks</c>: git hooks that keep the operations spec in step with the code.</summary>
internal static class HooksCommand
{
    public static Command Create() =>
        CommandExtensions.Group("hooks", "Git hooks that keep the operations spec in step with the code.", "kse hooks install", Install());

    private static Command Install()
    {
        var command = CommandExtensions.Verb(
            "install",
            "Write a git pre-commit hook that runs 'kse ops drift <project> --staged' for each project in warning mode (it never blocks a commit). A pre-commit hook kse did not write is left alone (exit 4).",
            "kse hooks install");
        return command.WithAction(async (ctx, ct) =>
        {
            var result = await ctx.Get<GitHookService>().InstallAsync(SelfCommand(), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
                return 0;
            }

            ctx.WriteLine($"{(result.Replaced ? "updated" : "installed")} {result.Path}: drift check (warning mode) for {(result.Projects.Count == 0 ? "no projects yet (run again after 'kse ops init')" : string.Join(", ", result.Projects))}");
            return 0;
        });
    }

    /// <summary>How the hook starts this kse: the executable, or the dotnet host with this assembly.</summary>
    private static string SelfCommand()
    {
        var process = Environment.ProcessPath ?? "kse";
        var name = Path.GetFileNameWithoutExtension(process);
        var assembly = typeof(HooksCommand).Assembly.Location;
        return string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase) && assembly.Length > 0
            ? $"{GitHookService.ShellQuote(process)} {GitHookService.ShellQuote(assembly)}"
            : GitHookService.ShellQuote(process);
    }
}
