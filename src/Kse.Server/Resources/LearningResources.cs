using System.ComponentModel;
using Kse.Core.Learning;
using ModelContextProtocol.Server;

namespace Kse.Server.Resources;

/// <summary><c>kse://drafts/{project}/{doc}</c>: a draft operations document written by <c>learn_draft</c>, as Markdown.</summary>
[McpServerResourceType]
public sealed class LearningResources
{
    [McpServerResource(UriTemplate = "kse://drafts/{project}/{doc}", Name = "drafted-spec", MimeType = "text/markdown")]
    [Description("A draft operations document (operations.md, troubleshooting.md, deployment.md, monitoring.md) drafted from observed operations, with each suggestion's confidence and evidence. Not the real spec.")]
    public static Task<string> Draft(LearningService learning, string project, string doc, CancellationToken cancellationToken = default) =>
        SpecResources.GuardAsync(() => Task.FromResult(learning.ReadDraft(project, doc)));
}
