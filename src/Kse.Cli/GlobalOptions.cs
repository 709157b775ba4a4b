using System.CommandLine;

namespace Kse.Cli;

/// <summary>Options every verb accepts.</summary>
public static class GlobalOptions
{
    public static readonly Option<string?> Root = new("--root")
    {
        Description = "The workspace root (default: the nearest ancestor of the current directory that has .sce/, else the current directory)",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print one machine-readable JSON document on stdout",
        Recursive = true,
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "An extra settings file (JSON, same shape as appsettings.example.json)",
        Recursive = true,
    };
}
