using Kse.Core;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server;

/// <summary>
/// A tool call's progress, handed into Core as <see cref="IProgress{WorkProgress}"/>: each report becomes a
/// <c>notifications/progress</c> for the client's <c>progressToken</c>. Notifications are sent one after another, in
/// the order reported (the SDK's own progress sends each on its own, and they can overtake each other), and a tool
/// awaits <see cref="FlushAsync"/> before it answers, so none arrives after the result.
/// </summary>
internal sealed class ToolProgress : IProgress<WorkProgress>
{
    private readonly McpServer _server;
    private readonly ProgressToken _token;
    private readonly Lock _gate = new();
    private Task _tail = Task.CompletedTask;

    private ToolProgress(McpServer server, ProgressToken token)
    {
        _server = server;
        _token = token;
    }

    /// <summary>The call's progress, or null when the client sent no progress token (nothing is reported then).</summary>
    public static ToolProgress? For(RequestContext<CallToolRequestParams>? context) =>
        context?.Params?.ProgressToken is { } token ? new ToolProgress(context.Server, token) : null;

    public void Report(WorkProgress value)
    {
        var notification = new ProgressNotificationValue { Progress = (float)value.Done, Total = value.Total is { } t ? (float)t : null, Message = value.Message };
        lock (_gate)
        {
            _tail = _tail.ContinueWith(_ => _server.NotifyProgressAsync(_token, notification), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>Waits until every reported notification is sent; a failed send (a client gone) is not the tool's failure.</summary>
    public async Task FlushAsync()
    {
        Task tail;
        lock (_gate)
        {
            tail = _tail;
        }

        try
        {
            await tail;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Progress is advisory: the result still goes out.
        }
    }

    /// <summary>Runs <paramref name="work"/> with the call's progress and flushes it before the result is returned.</summary>
    public static async Task<T> RunAsync<T>(RequestContext<CallToolRequestParams>? context, Func<IProgress<WorkProgress>?, Task<T>> work)
    {
        var progress = For(context);
        try
        {
            return await work(progress);
        }
        finally
        {
            if (progress is not null)
            {
                await progress.FlushAsync();
            }
        }
    }
}
