using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse ops</c>: Operations specs: create, validate, list and show them.</summary>
internal static class OpsCommand
{
    public static Command Create() =>
        CommandExtensions.Group("ops", "Operations specs: create, validate, list and show them.", "kse ops validate billing --json");
}
