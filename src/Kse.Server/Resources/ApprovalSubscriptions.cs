using System.Collections.Concurrent;
using Kse.Core.Approvals;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Resources;

/// <summary>
/// Who follows which <c>kse://approvals/{id}</c>, per session; sends <c>notifications/resources/updated</c> when an
/// approval changes in this process, and (for changes made by other processes, e.g. <c>kse approvals approve</c>) when a
/// periodic check of the followed approvals sees a new state. A store shared by several servers pushes changes made on any of
/// them (<see cref="Kse.Core.IStoreChangeFeed"/>, PostgreSQL LISTEN/NOTIFY), so sessions hear of them at once. Sessions up to protocol 2025-11-25 follow with
/// <c>resources/subscribe</c>; on 2026-07-28 and later the session that queued an approval follows it implicitly and the
/// SDK delivers the notification only to a <c>subscriptions/listen</c> stream that asked for that URI.
/// </summary>
public sealed class ApprovalSubscriptions : IDisposable
{
    public const string Prefix = "kse://approvals/";

    /// <summary>The first protocol revision whose notifications go through <c>subscriptions/listen</c> (which filters by URI).</summary>
    public const string ListenProtocol = "2026-07-28";

    private const int MaxFollowed = 10_000;

    private readonly ConcurrentDictionary<(McpServer Server, string Uri), string> _subscriptions = new();
    private readonly ApprovalService _approvals;
    private readonly IApprovalStore _store;
    private readonly ILogger<ApprovalSubscriptions> _log;
    private readonly ITimer _timer;
    private readonly Kse.Core.IStoreChangeFeed? _feed;

    public ApprovalSubscriptions(ApprovalService approvals, IApprovalStore store, TimeProvider clock, ILogger<ApprovalSubscriptions> log, Kse.Core.IStoreChangeFeed? feed = null)
    {
        _approvals = approvals;
        _store = store;
        _log = log;
        _feed = feed;
        _approvals.Changed += OnChanged;
        if (_feed is not null)
        {
            _feed.ApprovalChanged += OnStoreChanged;
        }

        _timer = clock.CreateTimer(_ => _ = PollAsync(null), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
    }

    public int Count => _subscriptions.Count;

    public async ValueTask SubscribeAsync(McpServer server, string uri, CancellationToken cancellationToken = default)
    {
        var state = uri.StartsWith(Prefix, StringComparison.Ordinal) ? (await _store.GetAsync(uri[Prefix.Length..], cancellationToken))?.State.ToString() ?? "" : "";
        _subscriptions[(server, uri)] = state;
    }

    public void Unsubscribe(McpServer server, string uri) => _subscriptions.TryRemove((server, uri), out _);

    /// <summary>Lets the session that queued <paramref name="approvalId"/> hear about it, where the protocol routes notifications by subscription.</summary>
    public void Follow(McpServer server, string approvalId)
    {
        if (string.CompareOrdinal(server.NegotiatedProtocolVersion, ListenProtocol) >= 0 && _subscriptions.Count < MaxFollowed)
        {
            _subscriptions.TryAdd((server, Prefix + approvalId), "");
        }
    }

    private void OnChanged(ApprovalRequest approval) => Notify(Prefix + approval.Id, approval.State.ToString(), done: (approval.State == ApprovalState.Executed && approval.Outcome is not null) || approval.State is ApprovalState.Rejected or ApprovalState.Expired or ApprovalState.Stale);

    /// <summary>A change committed by any server: re-read that approval (or, after the feed missed some, every followed one).</summary>
    private void OnStoreChanged(string? approvalId)
    {
        if (_subscriptions.IsEmpty)
        {
            return;
        }

        _ = PollAsync(approvalId is null ? null : Prefix + approvalId);
    }

    private async Task PollAsync(string? onlyUri)
    {
        try
        {
            foreach (var ((_, uri), known) in _subscriptions)
            {
                if ((onlyUri is null || uri == onlyUri) && uri.StartsWith(Prefix, StringComparison.Ordinal) && await _store.GetAsync(uri[Prefix.Length..]) is { } a && a.State.ToString() != known)
                {
                    Notify(uri, a.State.ToString(), done: false);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next change or tick tries again; a store that stays unreadable is reported by every request that needs it.
            _log.LogWarning(ex, "Checking followed approvals failed");
        }
    }

    private void Notify(string uri, string state, bool done)
    {
        foreach (var key in _subscriptions.Keys.Where(k => k.Uri == uri).ToList())
        {
            _subscriptions[key] = state;
            _ = SendAsync(key.Server, uri);
            if (done && string.CompareOrdinal(key.Server.NegotiatedProtocolVersion, ListenProtocol) >= 0)
            {
                // A finished approval changes no more: stop following it implicitly.
                _subscriptions.TryRemove(key, out _);
            }
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
        _approvals.Changed -= OnChanged;
        if (_feed is not null)
        {
            _feed.ApprovalChanged -= OnStoreChanged;
        }

        _timer.Dispose();
    }
}
