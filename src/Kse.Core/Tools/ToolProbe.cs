using System.Text.RegularExpressions;
using Kse.Core.Execution;
using Kse.Core.Specs;

namespace Kse.Core.Tools;

/// <summary>What a probe printed, or that its program is not on the host.</summary>
public sealed record ProbeOutput(bool Missing, int? ExitCode, string Output, string? Error);

/// <summary>The host's facts that install advice needs.</summary>
public sealed record HostFacts(string? Os, IReadOnlyList<string> PackageManagers);

/// <summary>
/// Runs version probes on a host: this machine (an argument vector, never a shell) or an SSH instance (the same ssh invocation as
/// operations: batch mode, strict host key checking). A program that cannot start locally, or exit 127 remotely, is missing.
/// </summary>
public sealed partial class ToolProbe(ProcessRunner runner, ExecutionPlanner planner)
{
    /// <summary>How long one probe may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private const int OutputLimit = 16 * 1024;

    // Fixed text (nothing from a spec or a caller goes into it): which package managers the remote host has, and its OS id.
    private const string RemoteFactsScript = "for m in apt-get dnf yum apk brew winget; do command -v \"$m\" >/dev/null 2>&1 && echo \"pm=$m\"; done; if [ -r /etc/os-release ]; then . /etc/os-release; echo \"os=$ID\"; fi; true";

    [GeneratedRegex(@"(?<!\d)\d+(?:\.\d+)+|(?<![\w.])\d+(?![\w.])", RegexOptions.CultureInvariant)]
    private static partial Regex DefaultVersion();

    /// <summary>Runs <paramref name="command"/> on the host (<paramref name="host"/> <c>local</c> or an SSH destination).</summary>
    public async Task<ProbeOutput> RunAsync(string host, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var local = string.Equals(host, "local", StringComparison.OrdinalIgnoreCase);
        var argv = local ? command : planner.SshArgv(host, command);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var outcome = await runner.RunAsync(argv, OutputLimit, timeout.Token);
        cancellationToken.ThrowIfCancellationRequested();
        var output = (outcome.Stdout + "\n" + outcome.Stderr).Trim();
        if (outcome.StartError is not null)
        {
            // Locally the program itself did not start; remotely it is ssh that is missing, which is no fact about the tool.
            return local
                ? new ProbeOutput(true, null, "", outcome.StartError)
                : new ProbeOutput(false, null, "", $"ssh could not start: {outcome.StartError}");
        }

        if (outcome.TimedOut)
        {
            return new ProbeOutput(false, null, output, $"no answer within {Timeout.TotalSeconds:0}s");
        }

        if (!local && outcome.ExitCode == 255)
        {
            return new ProbeOutput(false, 255, output, $"ssh failed (exit 255): {FirstLine(outcome.Stderr)}");
        }

        var missing = outcome.ExitCode == 127 || (!local && outcome.ExitCode == 126 && output.Contains("not found", StringComparison.OrdinalIgnoreCase));
        return new ProbeOutput(missing, outcome.ExitCode, output, null);
    }

    /// <summary>The host's OS id and package managers.</summary>
    public async Task<HostFacts> FactsAsync(string host, CancellationToken cancellationToken)
    {
        if (string.Equals(host, "local", StringComparison.OrdinalIgnoreCase))
        {
            return LocalFacts();
        }

        var probe = await RunAsync(host, ["sh", "-c", RemoteFactsScript], cancellationToken);
        var managers = new List<string>();
        string? os = null;
        foreach (var line in probe.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("pm=", StringComparison.Ordinal) && ManagerOf(line[3..]) is { } m && !managers.Contains(m))
            {
                managers.Add(m);
            }
            else if (line.StartsWith("os=", StringComparison.Ordinal) && line.Length > 3)
            {
                os = line[3..];
            }
        }

        return new HostFacts(os, managers);
    }

    /// <summary>The version text in a probe's output: the pattern's group <c>version</c>, else its group 1, else its match; without a pattern the first dotted number.</summary>
    public static string? ExtractVersion(string output, string? pattern)
    {
        if (pattern is null)
        {
            var m = DefaultVersion().Match(output);
            return m.Success ? m.Value : null;
        }

        try
        {
            var match = Regex.Match(output, pattern, RegexOptions.CultureInvariant | RegexOptions.Multiline, TimeSpan.FromSeconds(1));
            if (!match.Success)
            {
                return null;
            }

            return match.Groups["version"].Success ? match.Groups["version"].Value
                : match.Groups.Count > 1 && match.Groups[1].Success ? match.Groups[1].Value
                : match.Value;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The install command for a package with a package manager.</summary>
    public static InstallAdvice Advice(string manager, string package, string? program = null)
    {
        IReadOnlyList<string> command = manager switch
        {
            "apt" => ["apt-get", "install", "-y", package],
            "dnf" => [program ?? "dnf", "install", "-y", package],
            "apk" => ["apk", "add", "--no-cache", package],
            "brew" => ["brew", "install", package],
            "winget" => ["winget", "install", "--id", package, "--exact", "--silent", "--accept-package-agreements", "--accept-source-agreements"],
            _ => throw new ArgumentOutOfRangeException(nameof(manager), manager, "unknown package manager"),
        };
        return new InstallAdvice(manager, package, command, ShellWords.Join(command), NeedsRoot: manager is "apt" or "dnf" or "apk");
    }

    private static HostFacts LocalFacts()
    {
        var managers = new List<string>();
        foreach (var program in new[] { "apt-get", "dnf", "yum", "apk", "brew", "winget" })
        {
            if (OnPath(program) && ManagerOf(program) is { } m && !managers.Contains(m))
            {
                managers.Add(m);
            }
        }

        string? os = null;
        if (OperatingSystem.IsWindows())
        {
            os = "windows";
        }
        else if (OperatingSystem.IsMacOS())
        {
            os = "macos";
        }
        else if (File.Exists("/etc/os-release"))
        {
            os = File.ReadLines("/etc/os-release")
                .Select(l => l.Trim())
                .FirstOrDefault(l => l.StartsWith("ID=", StringComparison.Ordinal))?[3..].Trim('"');
        }

        return new HostFacts(os, managers);
    }

    private static string? ManagerOf(string program) => program switch
    {
        "apt-get" => "apt",
        "dnf" or "yum" => "dnf",
        "apk" => "apk",
        "brew" => "brew",
        "winget" => "winget",
        _ => null,
    };

    private static bool OnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var extensions = OperatingSystem.IsWindows() ? new[] { ".exe", ".cmd", "" } : [""];
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => extensions.Any(ext => File.Exists(Path.Combine(dir, program + ext))));
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
}
