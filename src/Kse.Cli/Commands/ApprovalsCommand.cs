using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse approvals</c>: The approval queue: what the AI asked to do and a human must decide.</summary>
internal static class ApprovalsCommand
{
    public static Command Create() =>
        CommandExtensions.Group("approvals", "The approval queue: what the AI asked to do and a human must decide.", "kse approvals list");
}
