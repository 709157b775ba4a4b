using Kse.Server.Resources;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Server;

/// <summary>Resource handlers that are not attribute-based: subscriptions, and the operations documents listed as resources.</summary>
internal static class KseResourceRegistration
{
    public static void Add(IMcpServerBuilder builder)
    {
        builder.Services.AddSingleton<ApprovalSubscriptions>();
        builder.Services.AddSingleton<RolloutSubscriptions>();
        builder.Services.AddSingleton<SpecWatcher>();
        builder
            .WithMessageFilters(filters => filters.AddOutgoingFilter(AttachSessions))
            .WithListResourcesHandler((context, _) => ValueTask.FromResult(new ListResourcesResult
            {
                Resources = [.. context.Services!.GetRequiredService<SpecWatcher>().ListDocuments()],
            }))
            .WithSubscribeToResourcesHandler(async (context, cancellationToken) =>
            {
                if (context.Params?.Uri is { } uri && uri.StartsWith(ApprovalSubscriptions.Prefix, StringComparison.Ordinal))
                {
                    await context.Services!.GetRequiredService<ApprovalSubscriptions>().SubscribeAsync(context.Server, uri, cancellationToken);
                }
                else if (context.Params?.Uri is { } rollout && rollout.StartsWith(RolloutSubscriptions.Prefix, StringComparison.Ordinal))
                {
                    context.Services!.GetRequiredService<RolloutSubscriptions>().Subscribe(context.Server, rollout);
                }
                else if (context.Params?.Uri is { } spec && SpecWatcher.Handles(spec))
                {
                    context.Services!.GetRequiredService<SpecWatcher>().Subscribe(context.Server, spec);
                }

                return new EmptyResult();
            })
            .WithUnsubscribeFromResourcesHandler((context, _) =>
            {
                if (context.Params?.Uri is { } uri)
                {
                    context.Services!.GetRequiredService<ApprovalSubscriptions>().Unsubscribe(context.Server, uri);
                    context.Services!.GetRequiredService<RolloutSubscriptions>().Unsubscribe(context.Server, uri);
                    context.Services!.GetRequiredService<SpecWatcher>().Unsubscribe(context.Server, uri);
                }

                return ValueTask.FromResult(new EmptyResult());
            });
    }

    /// <summary>Every session the server answers is told about changes on disk (<see cref="SpecWatcher"/>); the first one starts the watching.</summary>
    private static McpMessageHandler AttachSessions(McpMessageHandler next) => async (context, cancellationToken) =>
    {
        await next(context, cancellationToken);
        if (context.JsonRpcMessage is JsonRpcResponse && context.Server is { } server && context.Services?.GetService<SpecWatcher>() is { } watcher)
        {
            watcher.Attach(server);
        }
    };
}
