using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse emergency</c>: Time-boxed emergency elevation, granted by an emergency-approver operator.</summary>
internal static class EmergencyCommand
{
    public static Command Create() =>
        CommandExtensions.Group("emergency", "Time-boxed emergency elevation, granted by an emergency-approver operator.", "kse emergency list");
}
