using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse change</c>: Classify a change's impact (L1 code … L5 architecture) and gate it.</summary>
internal static class ChangeCommand
{
    public static Command Create() =>
        CommandExtensions.Group("change", "Classify a change's impact (L1 code … L5 architecture) and gate it.", "kse change classify --staged --json");
}
