using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse instances</c>: Deployed instances of a project (host, environment, version).</summary>
internal static class InstancesCommand
{
    public static Command Create() =>
        CommandExtensions.Group("instances", "Deployed instances of a project (host, environment, version).", "kse instances list billing");
}
