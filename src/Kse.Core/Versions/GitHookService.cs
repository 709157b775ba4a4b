using System.Text;
using Kse.Core.Changes;

namespace Kse.Core.Versions;

/// <summary>What <c>kse hooks install</c> wrote.</summary>
public sealed record HookInstallResult(string Hook, string Path, IReadOnlyList<string> Projects, bool Replaced, string Command);

/// <summary>
/// Installs the git pre-commit hook that runs <c>kse ops drift --staged</c> for each project in warning mode: it prints what the
/// staged change leaves undocumented and never blocks the commit. A hook kse did not write is never overwritten.
/// </summary>
public sealed class GitHookService(KseWorkspace workspace, string git = "git")
{
    /// <summary>The line that marks a hook as written by kse (and so safe to rewrite).</summary>
    public const string Marker = "# kse-managed-hook: pre-commit drift check";

    /// <summary>Writes the pre-commit hook; <paramref name="command"/> is how the hook starts kse (already shell-quoted).</summary>
    public async Task<HookInstallResult> InstallAsync(string command, CancellationToken cancellationToken = default)
    {
        workspace.EnsureInitialized();
        var (code, output, error) = await GitDiff.RunAsync(git, ["-C", workspace.Root, "rev-parse", "--git-path", "hooks"], cancellationToken);
        if (code != 0)
        {
            throw error.Contains("not a git repository", StringComparison.OrdinalIgnoreCase)
                ? KseException.NotFound("change.not_a_repository", $"'{workspace.Root}' is not a git repository: there is no pre-commit hook to install")
                : new KseException("change.git_failed", $"git exited {code}: {error.Split('\n')[0]}", KseErrorKind.Failure);
        }

        var dir = output.Trim();
        dir = Path.IsPathRooted(dir) ? dir : Path.GetFullPath(Path.Combine(workspace.Root, dir));
        var path = Path.Combine(dir, "pre-commit");
        var replaced = File.Exists(path);
        if (replaced && !(await File.ReadAllTextAsync(path, cancellationToken)).Contains(Marker, StringComparison.Ordinal))
        {
            throw KseException.Refused("hooks.foreign_hook", $"{path} exists and was not written by kse: it is left alone. Call 'kse ops drift <project> --staged' from it yourself");
        }

        var projects = workspace.ListProjects().Where(p => Directory.Exists(workspace.OperationsDir(p))).ToList();
        Directory.CreateDirectory(dir);
        var tmp = path + ".tmp";
        await File.WriteAllTextAsync(tmp, Script(command, projects), new UTF8Encoding(false), cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        File.Move(tmp, path, overwrite: true);
        return new HookInstallResult("pre-commit", path, projects, replaced, command);
    }

    private string Script(string command, IReadOnlyList<string> projects)
    {
        var sb = new StringBuilder();
        sb.Append("#!/bin/sh\n");
        sb.Append(Marker).Append('\n');
        sb.Append("# Written by 'kse hooks install'; run it again to update the project list. Warning mode: it never blocks a commit.\n");
        sb.Append("# 'kse ops drift <project> --staged --strict' in CI fails the build instead.\n");
        sb.Append("root=").Append(ShellQuote(workspace.Root)).Append('\n');
        foreach (var p in projects)
        {
            sb.Append(command).Append(" ops drift ").Append(p).Append(" --staged --root \"$root\" >&2 || echo \"kse: drift check of ").Append(p).Append(" could not run\" >&2\n");
        }

        sb.Append("exit 0\n");
        return sb.ToString();
    }

    /// <summary>One word for sh: single-quoted, with embedded quotes closed and escaped.</summary>
    public static string ShellQuote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
