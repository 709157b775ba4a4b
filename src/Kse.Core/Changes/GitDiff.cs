using System.Diagnostics;
using System.Text;

namespace Kse.Core.Changes;

/// <summary>Reads a diff from the repository by running <c>git</c> with an argument vector (never a shell).</summary>
public static class GitDiff
{
    public static async Task<string> ReadAsync(string repository, string? baseRev, string? headRev, bool staged, string git = "git", CancellationToken cancellationToken = default)
    {
        var args = new List<string> { "-C", repository, "-c", "core.quotepath=off", "diff", "--no-color", "--no-ext-diff", "--find-renames", "--unified=3" };
        if (staged)
        {
            if (baseRev is not null || headRev is not null)
            {
                throw KseException.BadInput("change.source_conflict", "--staged cannot be combined with --base/--head");
            }

            // Outside a repository 'git diff --cached' is not an index diff at all (git falls back to comparing files).
            if ((await RunAsync(git, ["-C", repository, "rev-parse", "--git-dir"], cancellationToken)).ExitCode != 0)
            {
                throw KseException.NotFound("change.not_a_repository", $"'{repository}' is not a git repository");
            }

            args.Add("--cached");
        }
        else
        {
            if (baseRev is null)
            {
                throw KseException.BadInput("change.source_missing", "--base REV is required for a git range (with --head REV, default HEAD)");
            }

            // Each side is resolved to a commit first: outside a repository (or given a path outside it) 'git diff A B'
            // would compare two files of the file system instead of two revisions.
            args.Add(await ResolveAsync(repository, CheckRevision(baseRev, "--base"), git, cancellationToken));
            args.Add(await ResolveAsync(repository, CheckRevision(headRev ?? "HEAD", "--head"), git, cancellationToken));
        }

        args.Add("--");
        var (exitCode, output, error) = await RunAsync(git, args, cancellationToken);
        if (exitCode != 0)
        {
            var first = error.Split('\n')[0];
            if (error.Contains("unknown revision", StringComparison.OrdinalIgnoreCase) || error.Contains("bad revision", StringComparison.OrdinalIgnoreCase))
            {
                throw KseException.NotFound("change.revision_unknown", $"git: {first}");
            }

            if (error.Contains("not a git repository", StringComparison.OrdinalIgnoreCase))
            {
                throw KseException.NotFound("change.not_a_repository", $"'{repository}' is not a git repository");
            }

            throw new KseException("change.git_failed", $"git diff exited {exitCode}: {first}", KseErrorKind.Failure);
        }

        return output;
    }

    /// <summary>The commit a revision names, or change.revision_unknown / change.not_a_repository (exit 3).</summary>
    private static async Task<string> ResolveAsync(string repository, string revision, string git, CancellationToken cancellationToken)
    {
        var (exitCode, output, error) = await RunAsync(git, ["-C", repository, "rev-parse", "--verify", "--quiet", revision + "^{commit}"], cancellationToken);
        if (exitCode == 0 && output.Trim() is { Length: > 0 } commit)
        {
            return commit;
        }

        if (error.Contains("not a git repository", StringComparison.OrdinalIgnoreCase))
        {
            throw KseException.NotFound("change.not_a_repository", $"'{repository}' is not a git repository");
        }

        throw KseException.NotFound("change.revision_unknown", $"git: '{revision}' is not a commit of the workspace repository");
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string git, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(git)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["GIT_PAGER"] = "cat";
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new KseException("change.git_failed", "git could not be started", KseErrorKind.Failure);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new KseException("change.git_failed", $"git could not be started: {ex.Message}", KseErrorKind.Failure, ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await stdout, (await stderr).Trim());
        }
    }

    /// <summary>A revision may not look like an option, and may not hold control characters or spaces.</summary>
    public static string CheckRevision(string rev, string option)
    {
        if (string.IsNullOrWhiteSpace(rev) || rev.StartsWith('-') || rev.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || rev.Length > 256)
        {
            throw KseException.BadInput("change.revision_invalid", $"{option} '{rev}' is not a revision (no leading '-', no spaces)");
        }

        return rev;
    }
}
