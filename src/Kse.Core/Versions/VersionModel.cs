using System.Text.Json.Serialization;
using Kse.Core.Policy;

namespace Kse.Core.Versions;

/// <summary>How a version of an operations spec stores its documents.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SpecVersionStrategy>))]
public enum SpecVersionStrategy
{
    /// <summary>Every document is copied into the version's folder; the version stands alone.</summary>
    [JsonStringEnumMemberName("full")]
    Full,

    /// <summary>Only the documents that differ are stored; each overlays its base section by section (by <c>##</c> heading).</summary>
    [JsonStringEnumMemberName("diff")]
    Diff,
}

/// <summary>A version of a project's operations spec, as <c>kse ops version list</c> shows it.</summary>
public sealed record SpecVersionInfo
{
    public required string Version { get; init; }

    public required SpecVersionStrategy Strategy { get; init; }

    /// <summary>For a diff version: the version it overlays (<c>main</c> is the spec in <c>operations/</c>). For a full version: the one it was copied from.</summary>
    public string? Base { get; init; }

    /// <summary>The folder, relative to the workspace root.</summary>
    public required string Directory { get; init; }

    /// <summary>The documents the version stores itself.</summary>
    public required IReadOnlyList<string> Documents { get; init; }

    /// <summary>The code revision (a commit) the version describes, when linked.</summary>
    public string? Revision { get; init; }

    /// <summary>The git tag the revision came from, when it came from one.</summary>
    public string? Tag { get; init; }

    public DateTimeOffset? Created { get; init; }

    public DateTimeOffset? Linked { get; init; }

    /// <summary>Instances whose version resolves to this spec version.</summary>
    public IReadOnlyList<string> Instances { get; init; } = [];

    /// <summary>Problems of the version's <c>version.yaml</c>, if any (the version is then used as if it had none).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

/// <summary><c>kse ops version list</c>: the versions of a project's spec and which instances run on each.</summary>
public sealed record SpecVersionList
{
    public required string Project { get; init; }

    /// <summary>The project's own <c>version</c> in project.yaml: the version the main spec describes.</summary>
    public string? MainVersion { get; init; }

    /// <summary>Instances that resolve to the main spec (<c>operations/</c>).</summary>
    public IReadOnlyList<string> MainInstances { get; init; } = [];

    public required IReadOnlyList<SpecVersionInfo> Versions { get; init; }
}

/// <summary>Where one <c>##</c> section of a resolved document came from.</summary>
public sealed record ResolvedSection(string Heading, string Version, string Source);

/// <summary>One document of a resolved spec: its text, its SHA-256, and which file supplied it and each of its sections.</summary>
public sealed record ResolvedDocument
{
    public required string Name { get; init; }

    /// <summary>The version whose file supplied the document (<c>main</c> for <c>operations/</c>); for an overlay, the topmost one.</summary>
    public required string Version { get; init; }

    /// <summary>The file that supplied it (the topmost one for an overlay), relative to the workspace root.</summary>
    public required string Source { get; init; }

    /// <summary>True when sections come from more than one file.</summary>
    public bool Overlaid { get; init; }

    /// <summary>SHA-256 of the resolved text (UTF-8), lower-case hex.</summary>
    public required string Sha256 { get; init; }

    public IReadOnlyList<ResolvedSection> Sections { get; init; } = [];

    [JsonIgnore]
    public string Text { get; init; } = string.Empty;
}

/// <summary>
/// The operations spec a version resolves to: the exact version, else the nearest lower version of the same major.minor, else of
/// the same major, else the main spec; diff versions overlay their base.
/// </summary>
public sealed record ResolvedSpec
{
    public required string Project { get; init; }

    /// <summary>The version asked for (an instance's version, or as given); null asks for the main spec.</summary>
    public string? RequestedVersion { get; init; }

    /// <summary>The spec version it resolved to: a version folder's name, or <c>main</c>.</summary>
    public required string SpecVersion { get; init; }

    /// <summary>Why this spec version was chosen.</summary>
    public required string Reason { get; init; }

    /// <summary>The versions whose files were read, topmost first, ending with <c>main</c> for a diff chain.</summary>
    public required IReadOnlyList<string> Chain { get; init; }

    public required IReadOnlyList<ResolvedDocument> Documents { get; init; }

    public ResolvedDocument? Find(string name) => Documents.FirstOrDefault(d => d.Name == name);

    /// <summary>The runnable operations of the resolved documents.</summary>
    public Execution.OperationCatalog Catalog() =>
        Execution.OperationCatalog.FromDocuments(Project, Documents.Where(d => d.Name.EndsWith(".md", StringComparison.Ordinal)).Select(d => (d.Name, d.Text)));
}

/// <summary>A document of a version as <c>kse ops show --version</c> prints it.</summary>
public sealed record VersionedDocumentView
{
    public required string Project { get; init; }

    public required string Name { get; init; }

    public required string RequestedVersion { get; init; }

    public required string SpecVersion { get; init; }

    public required string Source { get; init; }

    public required bool Resolved { get; init; }

    public required string Sha256 { get; init; }

    public IReadOnlyList<ResolvedSection> Sections { get; init; } = [];

    /// <summary>Sections the shared library supplied (with <c>--resolved</c>).</summary>
    public IReadOnlyList<string> SharedSections { get; init; } = [];

    public required string Text { get; init; }
}

/// <summary>What <c>kse ops version create</c> wrote.</summary>
public sealed record SpecVersionCreated
{
    public required string Project { get; init; }

    public required string Version { get; init; }

    public required SpecVersionStrategy Strategy { get; init; }

    public string? Base { get; init; }

    public required string Directory { get; init; }

    public required IReadOnlyList<string> Documents { get; init; }

    public string? Revision { get; init; }

    public string? Tag { get; init; }
}

/// <summary><c>kse ops version create --from-tag</c>: the versions made and the tags left alone.</summary>
public sealed record SpecVersionsFromTags(string Project, IReadOnlyList<SpecVersionCreated> Created, IReadOnlyList<string> Skipped);

/// <summary>What <c>kse ops version link</c> recorded.</summary>
public sealed record SpecVersionLink(string Project, string Version, string Revision, string? Tag, string Directory);

/// <summary>What changed in one section between two versions.</summary>
public sealed record SectionChange(string Heading, string Change);

/// <summary>What changed in one operation block between two versions.</summary>
public sealed record OperationChange
{
    public required string Name { get; init; }

    /// <summary><c>added</c>, <c>removed</c> or <c>changed</c>.</summary>
    public required string Change { get; init; }

    public required string Document { get; init; }

    /// <summary>The risk in the newer version (the older one for a removed operation).</summary>
    public required RiskClass Risk { get; init; }

    public RiskClass? PreviousRisk { get; init; }

    /// <summary>Which fields changed: command, risk, parameters, timeout, verify, rollback, idempotent, description.</summary>
    public IReadOnlyList<string> Fields { get; init; } = [];

    public string? From { get; init; }

    public string? To { get; init; }
}

/// <summary>What changed in one document between two versions.</summary>
public sealed record DocumentChange
{
    public required string Name { get; init; }

    /// <summary><c>added</c>, <c>removed</c> or <c>changed</c>.</summary>
    public required string Change { get; init; }

    public string? FromSource { get; init; }

    public string? ToSource { get; init; }

    public IReadOnlyList<SectionChange> Sections { get; init; } = [];
}

/// <summary><c>kse ops diff</c>: documents, sections and operation blocks that differ between two versions.</summary>
public sealed record SpecVersionDiff
{
    public required string Project { get; init; }

    public required string From { get; init; }

    public required string FromSpecVersion { get; init; }

    public required string To { get; init; }

    public required string ToSpecVersion { get; init; }

    public required bool Identical { get; init; }

    public required IReadOnlyList<DocumentChange> Documents { get; init; }

    public required IReadOnlyList<OperationChange> Operations { get; init; }
}

/// <summary>What <c>kse ops hotfix</c> changed, with the document's hash before and after.</summary>
public sealed record HotfixResult
{
    public required string Project { get; init; }

    public required string Version { get; init; }

    public required string Document { get; init; }

    /// <summary>The version's own copy, relative to the workspace root.</summary>
    public required string Path { get; init; }

    /// <summary>True when the version had no copy of the document and one was made from its resolved text.</summary>
    public required bool CopyCreated { get; init; }

    public required string Sha256Before { get; init; }

    public required string Sha256After { get; init; }

    public required bool Changed { get; init; }

    /// <summary>Diff versions built on this one (with no copy of their own) whose resolved document changed with it.</summary>
    public IReadOnlyList<string> AlsoChanged { get; init; } = [];

    /// <summary>Problems the changed document has (it is kept; <c>kse ops validate --version</c> shows them).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
