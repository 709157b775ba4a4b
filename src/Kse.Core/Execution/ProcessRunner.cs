using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Kse.Core.Execution;

/// <summary>What one process run produced.</summary>
public sealed record ProcessOutcome
{
    /// <summary>The exit code; null when the process did not start or was killed at its timeout.</summary>
    public int? ExitCode { get; init; }

    public string Stdout { get; init; } = "";

    public string Stderr { get; init; } = "";

    public bool OutputTruncated { get; init; }

    public TimeSpan Duration { get; init; }

    public bool TimedOut { get; init; }

    /// <summary>Why the process could not be started (program missing, not executable).</summary>
    public string? StartError { get; init; }

    public bool Succeeded => ExitCode == 0 && !TimedOut && StartError is null;
}

/// <summary>
/// Starts a program with an argument vector (<see cref="ProcessStartInfo.ArgumentList"/>, never a shell), captures the tail of
/// stdout and stderr up to a limit, and kills the whole process tree when the token is cancelled.
/// </summary>
public sealed class ProcessRunner(TimeProvider clock)
{
    public async Task<ProcessOutcome> RunAsync(IReadOnlyList<string> argv, int outputLimit, CancellationToken cancellationToken)
    {
        if (argv.Count == 0)
        {
            throw new ArgumentException("empty argument vector", nameof(argv));
        }

        var psi = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        var started = clock.GetTimestamp();
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return new ProcessOutcome { StartError = $"cannot start '{argv[0]}': {ex.Message}", Duration = clock.GetElapsedTime(started) };
        }

        process.StandardInput.Close();
        var stdout = new TailBuffer(outputLimit);
        var stderr = new TailBuffer(outputLimit);
        var readOut = stdout.DrainAsync(process.StandardOutput);
        var readErr = stderr.DrainAsync(process.StandardError);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the cancellation and the kill.
            }

            await process.WaitForExitAsync(CancellationToken.None);
        }

        await Task.WhenAll(readOut, readErr);
        return new ProcessOutcome
        {
            ExitCode = timedOut ? null : process.ExitCode,
            Stdout = stdout.ToString(),
            Stderr = stderr.ToString(),
            OutputTruncated = stdout.Truncated || stderr.Truncated,
            Duration = clock.GetElapsedTime(started),
            TimedOut = timedOut,
        };
    }

    /// <summary>Keeps the last <c>limit</c> characters of a stream and reads the rest to the end, so the child never blocks on a full pipe.</summary>
    private sealed class TailBuffer(int limit)
    {
        private readonly StringBuilder _text = new();

        public bool Truncated { get; private set; }

        public async Task DrainAsync(StreamReader reader)
        {
            var buffer = new char[8192];
            int n;
            while ((n = await reader.ReadAsync(buffer)) > 0)
            {
                _text.Append(buffer, 0, n);
                if (_text.Length > 2 * Math.Max(limit, 1024))
                {
                    _text.Remove(0, _text.Length - limit);
                    Truncated = true;
                }
            }

            if (_text.Length > limit)
            {
                _text.Remove(0, _text.Length - limit);
                Truncated = true;
            }
        }

        public override string ToString() => Truncated ? "[… earlier output truncated]\n" + _text : _text.ToString();
    }
}
