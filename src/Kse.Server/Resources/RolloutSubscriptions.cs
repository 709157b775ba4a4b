using System.Collections.Concurrent;
using Kse.Core.Rollouts;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Resources;

/// <summary>
/// Who follows which <c>kse://rollouts/{id}</c>, per session: <c>notifications/resources/updated</c> goes out when the rollout
/// changes in this process, and, for rollouts advanced by another process (<c>kse rollout resume</c>), when a periodic look sees a
/// new revision.
/// </summary>
public sealed class RolloutSubscriptions : IDisposable
{
    public const string Prefix = "kse://rollouts/";

    private const int MaxFollowed = 10_000;

    private readonly ConcurrentDictionary<(McpServer Server, string Uri), int> _subscriptions = new();
    private readonly RolloutService _rollouts;
    private readonly IRolloutStore _store;
    private readonly ILogger<RolloutSubscriptions> _log;
    private readonly ITimer _timer;

    public RolloutSubscriptions(RolloutService rollouts, IRolloutStore store, TimeProvider clock, ILogger<RolloutSubscriptions> log)
    {
        _rollouts = rollouts;
        _store = store;
        _log = log;
        _rollouts.Changed += OnChanged;
        _timer = clock.CreateTimer(_ => _ = PollAsync(), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
    }

    public void Subscribe(McpServer server, string uri)
    {
        if (_subscriptions.Count < MaxFollowed)
        {
            _subscriptions[(server, uri)] = -1;
        }
    }

    public void Unsubscribe(McpServer server, string uri) => _subscriptions.TryRemove((server, uri), out _);

    private void OnChanged(Rollout rollout) => Notify(Prefix + rollout.Id, rollout.Revision);

    private async Task PollAsync()
    {
        try
        {
            foreach (var ((_, uri), known) in _subscriptions)
            {
                var r = await _store.GetAsync(uri[Prefix.Length..]);
                if (r is null)
                {
                    continue;
                }

                if (known >= 0 && r.Revision != known)
                {
                    Notify(uri, r.Revision);
                }
                else if (known < 0)
                {
                    foreach (var key in _subscriptions.Keys.Where(k => k.Uri == uri).ToList())
                    {
                        _subscriptions[key] = r.Revision;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _log.LogDebug(ex, "Checking followed rollouts failed");
        }
    }

    private void Notify(string uri, int revision)
    {
        foreach (var key in _subscriptions.Keys.Where(k => k.Uri == uri).ToList())
        {
            _subscriptions[key] = revision;
            _ = SendAsync(key.Server, uri);
        }
    }

    private async Task SendAsync(McpServer server, string uri)
    {
        try
        {
            await server.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri });
        }
        catch (Exception ex) when (ex is McpException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            _log.LogDebug(ex, "Dropping the subscription to {Uri}: the session is gone", uri);
            _subscriptions.TryRemove((server, uri), out _);
        }
    }

    public void Dispose()
    {
        _rollouts.Changed -= OnChanged;
        _timer.Dispose();
    }
}
