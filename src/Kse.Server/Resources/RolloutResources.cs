using System.ComponentModel;
using Kse.Core;
using Kse.Core.Rollouts;
using ModelContextProtocol.Server;

namespace Kse.Server.Resources;

/// <summary><c>kse://rollouts/{id}</c>: one rollout as JSON (subscribe for updates while it runs).</summary>
[McpServerResourceType]
public sealed class RolloutResources
{
    [McpServerResource(UriTemplate = RolloutSubscriptions.Prefix + "{id}", Name = "rollout", MimeType = "application/json")]
    [Description("One orchestrated rollout: state, waves, every step with its status, correlation id and approval, and where it stopped. Subscribe to hear of each step.")]
    public static Task<string> Rollout(RolloutService rollouts, string id, CancellationToken cancellationToken = default) =>
        SpecResources.GuardAsync(async () => KseJson.Serialize(await rollouts.GetAsync(id, cancellationToken), indented: true));
}
