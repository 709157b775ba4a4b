using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse graph</c>: The multi-project dependency graph.</summary>
internal static class GraphCommand
{
    public static Command Create() =>
        CommandExtensions.Group("graph", "The multi-project dependency graph.", "kse graph show --format dot");
}
