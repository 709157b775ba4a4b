#pragma warning disable MCP9005 // logging/setLevel and notifications/message are how clients up to protocol 2025-11-25 receive a server's log
using System.Collections.Concurrent;
using Kse.Core.Approvals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server;

/// <summary>
/// The server's own log, as <c>notifications/message</c>, to every client that asked for it with <c>logging/setLevel</c>, at
/// that client's level: the warnings and errors Kse's services log (a project that cannot be loaded, a sweep over the stores
/// that failed, a level demoted) and the decisions on approvals. Only Kse's own log categories are sent (never the SDK's or
/// the host's, which would report on the notifications themselves). A client that never sets a level is sent nothing.
/// It is an <see cref="ILoggerProvider"/>: the host's Serilog pipeline and plain Microsoft logging both feed it.
/// </summary>
public sealed class ClientLog : ILoggerProvider
{
    private const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, McpServer> _sessions = new(StringComparer.Ordinal);
    private int _noticesAttached;

    /// <summary>How many sessions asked for the log.</summary>
    public int Count => _sessions.Count;

    /// <summary>The <c>logging/setLevel</c> handler: the SDK has stored the session's level; follow the session from now on.</summary>
    internal static ValueTask<EmptyResult> SetLevel(RequestContext<SetLevelRequestParams> context, CancellationToken cancellationToken)
    {
        if (context.Services?.GetService<ClientLog>() is { } log)
        {
            log.Follow(context.Server, context.Services);
        }

        return ValueTask.FromResult(new EmptyResult());
    }

    internal void Follow(McpServer server, IServiceProvider services)
    {
        // Keyed by session: every request hands its handlers its own view of the session.
        var session = Resources.SpecWatcher.SessionKey(server);
        if (_sessions.ContainsKey(session) || _sessions.Count < MaxSessions)
        {
            _sessions[session] = server;
        }

        if (Interlocked.Exchange(ref _noticesAttached, 1) == 0 && services.GetService<ApprovalService>() is { } approvals)
        {
            // Attached when the first client asks for the log, so that a server nobody listens to pays nothing for it.
            var logger = services.GetRequiredService<ILogger<ApprovalService>>();
            approvals.Changed += a => ApprovalNotice(logger, a);
        }
    }

    /// <summary>The life of an approval, in words (":l" keeps Serilog from quoting the strings).</summary>
    private static void ApprovalNotice(ILogger logger, ApprovalRequest a)
    {
        var where = $"{a.Tool} on {a.Project}/{a.Environment}";
        switch (a.State)
        {
            case ApprovalState.Pending:
                logger.LogInformation("Approval {Id:l} queued for {Action:l}, requested by {Requester:l}", a.Id, where, a.Requester);
                break;
            case ApprovalState.Approved or ApprovalState.Rejected:
                logger.LogInformation("Approval {Id:l} for {Action:l} was {State:l} by {Operator:l}", a.Id, where, a.State.ToString().ToLowerInvariant(), a.DecidedBy);
                break;
            case ApprovalState.Executed:
                logger.LogInformation("Approved {Action:l} ran ({Id:l})", where, a.Id);
                break;
            default:
                logger.LogWarning("Approval {Id:l} for {Action:l} is {State:l}", a.Id, where, a.State.ToString().ToLowerInvariant());
                break;
        }
    }

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("Kse.", StringComparison.Ordinal) ? new SessionLogger(this, categoryName) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose() => _sessions.Clear();

    private void Send(LogLevel level, string category, string message, Exception? exception)
    {
        if (_sessions.IsEmpty)
        {
            return;
        }

        var wire = ToWire(level);
        var data = System.Text.Json.JsonSerializer.SerializeToElement(
            exception is null
                ? new Dictionary<string, string> { ["message"] = message }
                : new Dictionary<string, string> { ["message"] = message, ["error"] = exception.Message },
            McpJsonUtilities.DefaultOptions);
        var logger = category[(category.LastIndexOf('.') + 1)..];
        foreach (var (session, server) in _sessions)
        {
            if (server.LoggingLevel is { } wanted && wire >= wanted)
            {
                _ = SendAsync(session, server, new LoggingMessageNotificationParams { Level = wire, Logger = logger, Data = data });
            }
        }
    }

    private async Task SendAsync(string session, McpServer server, LoggingMessageNotificationParams message)
    {
        try
        {
            await server.SendNotificationAsync(NotificationMethods.LoggingMessageNotification, message);
        }
        catch (Exception ex) when (ex is McpException or ObjectDisposedException or InvalidOperationException or IOException or OperationCanceledException)
        {
            // The session is gone.
            _sessions.TryRemove(session, out _);
        }
    }

    internal static LoggingLevel ToWire(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => LoggingLevel.Debug,
        LogLevel.Information => LoggingLevel.Info,
        LogLevel.Warning => LoggingLevel.Warning,
        LogLevel.Error => LoggingLevel.Error,
        _ => LoggingLevel.Critical,
    };

    private sealed class SessionLogger(ClientLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && !owner._sessions.IsEmpty;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Send(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
