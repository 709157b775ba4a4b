using System.Text.Json.Serialization;

namespace Kse.Core.Projects;

/// <summary>What a project offers or uses: an API, a database, or a queue/topic.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResourceKind>))]
public enum ResourceKind
{
    [JsonStringEnumMemberName("api")]
    Api,
    [JsonStringEnumMemberName("database")]
    Database,
    [JsonStringEnumMemberName("queue")]
    Queue,
}

/// <summary>An API, database or queue a project provides.</summary>
public sealed record ProvidedResource
{
    public required ResourceKind Kind { get; init; }

    public required string Name { get; init; }

    public string? Version { get; init; }

    /// <summary>For APIs: <c>http</c>, <c>grpc</c>, <c>graphql</c> or <c>library</c>.</summary>
    public string? Protocol { get; init; }

    /// <summary>Path (from the workspace root) of the contract file: an OpenAPI document, a .proto, a schema folder.</summary>
    public string? Contract { get; init; }

    public int Line { get; init; }
}

/// <summary>A declared use of another project's resource.</summary>
public sealed record Consumption
{
    public required string Project { get; init; }

    public required ResourceKind Kind { get; init; }

    public required string Name { get; init; }

    /// <summary>A version range such as <c>&gt;=1.2 &lt;2</c>, <c>^1.4</c>, <c>~2.1.0</c> or <c>1.x</c>.</summary>
    public string? Version { get; init; }

    /// <summary>What exactly is used: operations (<c>GET /invoices/{id}</c>), fields, tables. Empty means "all of it".</summary>
    public IReadOnlyList<string> Uses { get; init; } = [];

    public int Line { get; init; }
}

/// <summary>One project of <c>.sce/dependencies.yaml</c>.</summary>
public sealed record ProjectNode
{
    public required string Name { get; init; }

    /// <summary>Source folder from the workspace root, used to map changed files to the project and for discovery.</summary>
    public string? Path { get; init; }

    /// <summary>Host names other projects use to reach this one (its name always counts too).</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    public IReadOnlyList<ProvidedResource> Provides { get; init; } = [];

    public IReadOnlyList<Consumption> Consumes { get; init; } = [];

    public int Line { get; init; }
}

/// <summary>A problem in the declaration or the graph, with the line it comes from when there is one.</summary>
public sealed record GraphProblem
{
    /// <summary><c>schema</c>, <c>unknown-project</c>, <c>unknown-resource</c>, <c>cycle</c>, <c>version-unsatisfied</c>, <c>undeclared-dependency</c>, <c>stale-dependency</c>.</summary>
    public required string Kind { get; init; }

    public required string Message { get; init; }

    public string? File { get; init; }

    public int? Line { get; init; }

    public int? Column { get; init; }

    public IReadOnlyList<string>? Projects { get; init; }
}

/// <summary>A consumer-to-provider edge of the graph, labelled with the resource and the version range.</summary>
public sealed record GraphEdge(string From, string To, string Resource, string? Version);

/// <summary>The graph as <c>kse graph show --format json</c> prints it.</summary>
public sealed record GraphDocument(IReadOnlyList<ProjectNode> Projects, IReadOnlyList<GraphEdge> Edges);

/// <summary>The result of <c>kse graph check</c>.</summary>
public sealed record GraphCheckReport(bool Valid, int Projects, IReadOnlyList<GraphProblem> Problems);

/// <summary>A project that depends on another, directly or through others.</summary>
public sealed record Dependent
{
    public required string Project { get; init; }

    public required bool Direct { get; init; }

    /// <summary>The chain from the provider to this dependent, provider first.</summary>
    public required IReadOnlyList<string> Path { get; init; }

    /// <summary>What this dependent consumes directly from the previous project on its path.</summary>
    public IReadOnlyList<string> Consumes { get; init; } = [];
}

/// <summary>A consumer that breaks, or may break, because of what a change removes or alters.</summary>
public sealed record Incompatibility
{
    public required string Consumer { get; init; }

    public required string Provider { get; init; }

    public required string Resource { get; init; }

    public required string Rule { get; init; }

    public required string File { get; init; }

    public required int Line { get; init; }

    public string? Subject { get; init; }

    public required string Reason { get; init; }
}

/// <summary>Who consumes what a change touches, and which consumers it breaks.</summary>
public sealed record DependencyAnalysis
{
    public required IReadOnlyList<string> ChangedProjects { get; init; }

    public required IReadOnlyList<Dependent> Dependents { get; init; }

    public required IReadOnlyList<Incompatibility> Incompatibilities { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];
}
