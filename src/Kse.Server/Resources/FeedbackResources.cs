using System.ComponentModel;
using Kse.Core;
using Kse.Core.Feedback;
using ModelContextProtocol.Server;

namespace Kse.Server.Resources;

/// <summary><c>kse://feedback/{project}</c> (the project's items) and <c>kse://feedback/{project}/{id}</c> (one item), as JSON.</summary>
[McpServerResourceType]
public sealed class FeedbackResources
{
    [McpServerResource(UriTemplate = "kse://feedback/{project}", Name = "feedback", MimeType = "application/json")]
    [Description("A project's feedback items, newest first (at most 200): triage, state, occurrences, reporters, version.")]
    public static Task<string> Items(FeedbackService feedback, string project, CancellationToken cancellationToken = default) =>
        SpecResources.GuardAsync(async () => KseJson.Serialize(await feedback.ListAsync(new FeedbackQuery { Project = project, Limit = 200 }, cancellationToken), indented: true));

    [McpServerResource(UriTemplate = "kse://feedback/{project}/{id}", Name = "feedback-item", MimeType = "application/json")]
    [Description("One feedback item: triage and its rules, occurrences, reporters, version, lifecycle history, response.")]
    public static Task<string> Item(FeedbackService feedback, string project, string id, CancellationToken cancellationToken = default) =>
        SpecResources.GuardAsync(async () => KseJson.Serialize(await feedback.GetAsync(project, id, cancellationToken), indented: true));
}
