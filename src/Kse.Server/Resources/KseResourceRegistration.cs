using Kse.Server.Resources;
using ModelContextProtocol.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Server;

/// <summary>Resource handlers that are not attribute-based (subscriptions).</summary>
internal static class KseResourceRegistration
{
    public static void Add(IMcpServerBuilder builder)
    {
        builder.Services.AddSingleton<ApprovalSubscriptions>();
        builder.Services.AddSingleton<RolloutSubscriptions>();
        builder
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

                return new EmptyResult();
            })
            .WithUnsubscribeFromResourcesHandler((context, _) =>
            {
                if (context.Params?.Uri is { } uri)
                {
                    context.Services!.GetRequiredService<ApprovalSubscriptions>().Unsubscribe(context.Server, uri);
                    context.Services!.GetRequiredService<RolloutSubscriptions>().Unsubscribe(context.Server, uri);
                }

                return ValueTask.FromResult(new EmptyResult());
            });
    }
}
