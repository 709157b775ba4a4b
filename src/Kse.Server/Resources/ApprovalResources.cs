using System.ComponentModel;
using Kse.Core;
using Kse.Core.Approvals;
using Kse.Server.Tools;
using ModelContextProtocol.Server;

namespace Kse.Server.Resources;

/// <summary><c>kse://approvals/{id}</c>: one queued action's state as JSON; subscribe to be told when it changes.</summary>
[McpServerResourceType]
public sealed class ApprovalResources
{
    [McpServerResource(UriTemplate = "kse://approvals/{id}", Name = "approval", MimeType = "application/json")]
    [Description("A queued action's state (pending, approved, rejected, expired, executed). Subscribe for resource-updated notifications.")]
    public static async Task<string> Approval(ApprovalService approvals, string id, CancellationToken cancellationToken = default)
    {
        var approval = await SpecResources.GuardAsync(() => approvals.ViewAsync(id, cancellationToken));
        return KseJson.Serialize(ApprovalStatus.From(approval), indented: true);
    }
}
