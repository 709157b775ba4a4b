using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server;

/// <summary>
/// Completes when the server has sent its first answer to a client and <see cref="Settle"/> has passed (a client's opening
/// requests, initialize then tools/list, resources/list, prompts/list, come together), or after <see cref="MaxWait"/> without
/// one, so a server nobody talks to still does its background work. Work that no first request needs (the sweepers' passes
/// over the stores, building the tools) waits for it, so it does not compete with start-up for the CPU.
/// </summary>
public sealed class FirstAnswer
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Sent => _sent.Task;

    public void Signal() => _sent.TrySetResult();

    /// <summary>Waits for the first answer and <see cref="Settle"/>, at most <see cref="MaxWait"/>.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _sent.Task.WaitAsync(MaxWait, TimeProvider.System, cancellationToken);
            await Task.Delay(Settle, TimeProvider.System, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>The outgoing message filter that signals after the first response has been written.</summary>
    internal static McpMessageHandler Watch(McpMessageHandler next) => async (context, cancellationToken) =>
    {
        await next(context, cancellationToken);
        if (context.JsonRpcMessage is JsonRpcResponse or JsonRpcError && context.Services?.GetService(typeof(FirstAnswer)) is FirstAnswer first)
        {
            first.Signal();
        }
    };
}
