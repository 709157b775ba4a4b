using System.CommandLine;

namespace Kse.Cli.Commands;

/// <summary><c>kse audit</c>: The tamper-evident audit trail: verify, query, export.</summary>
internal static class AuditCommand
{
    public static Command Create() =>
        CommandExtensions.Group("audit", "The tamper-evident audit trail: verify, query, export.", "kse audit verify");
}
