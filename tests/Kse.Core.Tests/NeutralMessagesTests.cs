using System.Text.RegularExpressions;

namespace Kse.Core.Tests;

/// <summary>
/// Core's error messages reach every face (CLI, MCP, HTTP), so they name arguments neutrally (<c>instance</c>, not
/// <c>--instance</c>): a command-line option in a message means nothing to an MCP client. Quoted <c>'kse …'</c> command
/// suggestions are advice for a person and may carry options; the few messages about things only the command line has are
/// listed with the reason.
/// </summary>
public sealed partial class NeutralMessagesTests
{
    private static readonly string[] CommandLineOnly =
    [
        "workspace.not_initialized", // the workspace root is how kse is started, on every face (kse serve --root)
        "auth.required",             // operator credentials exist at the command line only (the HTTP API takes a bearer token)
        "observe.command_missing",   // kse observe is a command-line verb: its usage is the message
        "change.diff_invalid",       // 'diff --git' is the diff format's header, not an option
    ];

    [GeneratedRegex("""KseException\.\w+\(\s*"(?<code>[a-z_.]+)",\s*\$?"(?<message>(?:[^"\\]|\\.)*)"\)""")]
    private static partial Regex Thrown();

    [GeneratedRegex("""'kse [^']*'""")]
    private static partial Regex CommandSuggestion();

    [GeneratedRegex("""(?<![\w-])--[a-z][a-z-]*""")]
    private static partial Regex Option();

    [Fact]
    public void CoreMessages_NameArgumentsNeutrally_NotAsCommandLineOptions()
    {
        var src = Path.Combine(RepoRoot(), "src", "Kse.Core");
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            foreach (Match m in Thrown().Matches(File.ReadAllText(file)))
            {
                var code = m.Groups["code"].Value;
                var message = CommandSuggestion().Replace(m.Groups["message"].Value, "");
                if (!CommandLineOnly.Contains(code) && Option().Match(message) is { Success: true } option)
                {
                    offenders.Add($"{Path.GetRelativePath(src, file)}: {code} names {option.Value}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "Core messages naming command-line options:\n" + string.Join("\n", offenders));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kse.Mcp.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (Kse.Mcp.sln) was not found above " + AppContext.BaseDirectory);
    }
}
