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
                throw KseException.BadInput("change.source_conflict", "staged cannot be combined with base/head");
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
                throw KseException.BadInput("change.source_missing", "base (a git revision) is required for a git range (with head, default HEAD)");
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
    internal static async Task<string> ResolveAsync(string repository, string revision, string git, CancellationToken cancellationToken)
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

    internal static async Task<(int ExitCode, string Output, string Error)> RunAsync(string git, IEnumerable<string> args, CancellationToken cancellationToken)
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

    /// <summary>Most files whose full text is read, and the largest one; beyond them rules work from the hunks alone.</summary>
    public const int MaxContentFiles = 5000;

    public const int MaxContentBytes = 1_000_000;

    /// <summary>
    /// Attaches the full old and new text of each changed file, read with one <c>git cat-file --batch</c> process, so rules can
    /// see what encloses a hunk (an OpenAPI path, a Kubernetes kind, a Prisma model). <paramref name="newRev"/> null means the index.
    /// </summary>
    public static async Task<IReadOnlyList<DiffFile>> AttachContentAsync(IReadOnlyList<DiffFile> files, string repository, string oldRev, string? newRev, string git = "git", CancellationToken cancellationToken = default)
    {
        // Best effort: without the full text the rules still work from the hunks, so a failure here never fails the command.
        try
        {
            return await ReadContentAsync(files, repository, oldRev, newRev, git, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception or KseException)
        {
            return files;
        }
    }

    private static async Task<string> PrefixAsync(string repository, string git, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(git) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-C", repository, "rev-parse", "--show-prefix" })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("git could not be started");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 ? output.Trim() : "";
    }

    private static async Task<IReadOnlyList<DiffFile>> ReadContentAsync(IReadOnlyList<DiffFile> files, string repository, string oldRev, string? newRev, string git, CancellationToken cancellationToken)
    {
        // Diff paths are relative to the workspace (--relative); object names need them relative to the repository root.
        var prefix = await PrefixAsync(repository, git, cancellationToken);
        var requests = new List<(int File, bool Old, string Spec)>();
        for (var i = 0; i < files.Count && requests.Count < 2 * MaxContentFiles; i++)
        {
            var f = files[i];
            if (f.IsBinary || f.Hunks.Count == 0)
            {
                continue;
            }

            if (f.Status != DiffFileStatus.Added)
            {
                requests.Add((i, true, $"{oldRev}:{prefix}{f.OldPath ?? f.Path}"));
            }

            if (f.Status != DiffFileStatus.Deleted)
            {
                requests.Add((i, false, $"{newRev ?? ""}:{prefix}{f.Path}"));
            }
        }

        if (requests.Count == 0)
        {
            return files;
        }

        var psi = new ProcessStartInfo(git) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-C", repository, "cat-file", "--batch" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        var texts = new Dictionary<(int, bool), IReadOnlyList<string>>();
        using (var process = Process.Start(psi) ?? throw new KseException("change.git_failed", "git could not be started", KseErrorKind.Failure))
        {
            var writer = Task.Run(
                async () =>
                {
                    var stdin = process.StandardInput;
                    try
                    {
                        foreach (var r in requests)
                        {
                            // A newline in a path would split the request; such a file is simply read from its hunks.
                            await stdin.WriteAsync((r.Spec.Contains('\n', StringComparison.Ordinal) ? "-" : r.Spec) + "\n");
                        }

                        stdin.Close();
                    }
                    catch (IOException)
                    {
                        // git stopped reading (it failed): the reader sees the end of its output.
                    }
                },
                cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await using var stdout = new BufferedStream(process.StandardOutput.BaseStream, 1 << 16);
            foreach (var r in requests)
            {
                var header = await ReadLineAsync(stdout, cancellationToken);
                if (header is null)
                {
                    break;
                }

                var parts = header.Split(' ');
                if (parts.Length != 3 || parts[1] != "blob" || !long.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size))
                {
                    continue;
                }

                var buffer = new byte[size + 1];
                await stdout.ReadExactlyAsync(buffer, cancellationToken);
                if (size <= MaxContentBytes && Array.IndexOf(buffer, (byte)0, 0, (int)Math.Min(size, 8000)) < 0)
                {
                    var text = Encoding.UTF8.GetString(buffer, 0, (int)size).Replace("\r\n", "\n", StringComparison.Ordinal);
                    texts[(r.File, r.Old)] = text.Split('\n').Select(l => l.Length > UnifiedDiff.MaxLineLength ? l[..UnifiedDiff.MaxLineLength] : l).ToList();
                }
            }

            await writer;
            await process.WaitForExitAsync(cancellationToken);
            _ = await stderr;
        }

        return files.Select((f, i) =>
        {
            var old = texts.GetValueOrDefault((i, true));
            var neu = texts.GetValueOrDefault((i, false));
            return old is null && neu is null ? f : f.WithContent(new DiffFileContent(old, neu));
        }).ToList();
    }

    private static async Task<string?> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var bytes = new List<byte>(80);
        var one = new byte[1];
        while (true)
        {
            var n = await stream.ReadAsync(one, cancellationToken);
            if (n == 0)
            {
                return bytes.Count == 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
            }

            if (one[0] == (byte)'\n')
            {
                return Encoding.UTF8.GetString(bytes.ToArray());
            }

            bytes.Add(one[0]);
        }
    }
}
