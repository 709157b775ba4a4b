using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse takeover</c>: Takeover levels per project and environment.</summary>
internal static class TakeoverCommand
{
    public static Command Create() =>
        CommandExtensions.Group("takeover", "Takeover levels per project and environment.", "kse takeover show billing");
}
