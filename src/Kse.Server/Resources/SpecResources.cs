using System.ComponentModel;
using Kse.Core;
using Kse.Core.Specs;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Resources;

/// <summary>Operations specs as MCP resources: the resolved documents and the project list.</summary>
[McpServerResourceType]
public sealed class SpecResources
{
    [McpServerResource(UriTemplate = "kse://specs/{project}/operations/{doc}", Name = "operations-document", MimeType = "text/markdown")]
    [Description("One operations document of a project (deployment.md, monitoring.md, ..., tools.yaml), resolved against the shared library in .sce/shared/operations/.")]
    public static TextResourceContents Document(SpecService specs, RequestContext<ReadResourceRequestParams> request, string project, string doc) => Guard(() =>
    {
        var view = specs.Show(project, doc, resolved: true);
        return new TextResourceContents
        {
            Uri = request.Params?.Uri ?? $"kse://specs/{project}/operations/{doc}",
            MimeType = view.Name.EndsWith(".yaml", StringComparison.Ordinal) ? "application/yaml" : "text/markdown",
            Text = view.Text,
        };
    });

    [McpServerResource(UriTemplate = "kse://specs/{project}/versions/{version}/{doc}", Name = "versioned-operations-document", MimeType = "text/markdown")]
    [Description("One operations document as a spec version resolves it (the exact version, else the nearest lower of the same major.minor, else of the same major, else the main spec; diff versions overlay their base by ## section), merged with the shared library.")]
    public static string VersionedDocument(Kse.Core.Versions.SpecVersionService versions, string project, string version, string doc) =>
        Guard(() => versions.Show(project, doc, version, shared: true).Text);

    [McpServerResource(UriTemplate = "kse://projects", Name = "projects", MimeType = "application/json")]
    [Description("The workspace's projects with their system type and operations spec validity.")]
    public static string Projects(SpecService specs) => Guard(() => KseJson.Serialize(specs.ListProjects(), indented: true));

    /// <summary>A resource read that fails says why, with the stable code, as a protocol error.</summary>
    internal static T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (KseException ex)
        {
            throw AsProtocolError(ex);
        }
    }

    /// <summary>The same for an asynchronous read.</summary>
    internal static async Task<T> GuardAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (KseException ex)
        {
            throw AsProtocolError(ex);
        }
    }

    private static McpProtocolException AsProtocolError(KseException ex) =>
        new($"error {ex.Code}: {ex.Message}", ex.Kind == KseErrorKind.NotFound ? McpErrorCode.ResourceNotFound : McpErrorCode.InvalidParams);
}
