using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse policy</c>: Ask the policy kernel what it would decide, without running anything.</summary>
internal static class PolicyCommand
{
    public static Command Create() =>
        CommandExtensions.Group("policy", "Ask the policy kernel what it would decide, without running anything.", "kse policy explain --project billing --env production --operation restart --risk normal");
}
