using System.Diagnostics;
using System.Text;

namespace Kse.Core.Changes;

/// <summary>Reads a diff from the repository by running <c>git</c> with an argument vector (never a shell).</summary>
public static class GitDiff
{
    public static async Task<string> ReadAsync(string repository, string? baseRev, string? headRev, bool staged, string git = "git", CancellationToken cancellationToken = default)
    {
        // --relative: when the workspace is a folder inside the repository, paths are relative to it (as dependencies.yaml's are).
        var args = new List<string> { "-C", repository, "-c", "core.quotepath=off", "diff", "--no-color", "--no-ext-diff", "--find-renames", "--unified=3", "--relative" };
        if (staged)
        {
            if (baseRev is not null || headRev is not null)
            {
                throw KseException.BadInput("change.source_conflict", "--staged cannot be combined with --base/--head");
            }

            args.Add("--cached");
        }
        else
        {
            if (baseRev is null)
            {
                throw KseException.BadInput("change.source_missing", "--base REV is required for a git range (with --head REV, default HEAD)");
            }

            args.Add(CheckRevision(baseRev, "--base"));
            args.Add(CheckRevision(headRev ?? "HEAD", "--head"));
        }

        args.Add("--");
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
            var output = await stdout;
            var error = (await stderr).Trim();
            if (process.ExitCode != 0)
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

                throw new KseException("change.git_failed", $"git diff exited {process.ExitCode}: {first}", KseErrorKind.Failure);
            }

            return output;
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
