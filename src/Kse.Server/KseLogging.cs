using Kse.Core;
using Serilog;
using Serilog.Events;

namespace Kse.Server;

/// <summary>Serilog to stderr (stdout belongs to the stdio protocol) and to <c>.sce/state/logs/</c>.</summary>
public static class KseLogging
{
    /// <param name="providers">Microsoft logging providers that also receive every event (the MCP clients' log, <see cref="ClientLog"/>).</param>
    public static Serilog.ILogger Create(KseWorkspace workspace, LogEventLevel minimum = LogEventLevel.Information, Serilog.Extensions.Logging.LoggerProviderCollection? providers = null)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            // The host's lifetime lines ("Press Ctrl+C", content root) and the SDK's line per request handled say nothing a reader
            // of a stdio server's log needs, and cost every start and every call their formatting and writes.
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Warning)
            .MinimumLevel.Override("ModelContextProtocol", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}");
        if (providers is not null)
        {
            config = config.WriteTo.Providers(providers);
        }

        try
        {
            StateFolder.Create(workspace.StateDir);
            StateFolder.Create(workspace.LogsDir);
            config = config.WriteTo.File(Path.Combine(workspace.LogsDir, "kse-.log"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, shared: true);
        }
        catch (IOException)
        {
            // A read-only workspace still serves; logs then go to stderr only.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return config.CreateLogger();
    }
}
