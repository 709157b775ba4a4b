using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse rollout</c>: Plan coordinated rollouts across dependent projects.</summary>
internal static class RolloutCommand
{
    public static Command Create() =>
        CommandExtensions.Group("rollout", "Plan coordinated rollouts across dependent projects.", "kse rollout plan --diff change.diff");
}
