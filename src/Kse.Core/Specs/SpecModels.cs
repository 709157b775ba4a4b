namespace Kse.Core.Specs;

/// <summary>The validation result of one document. Shape of <c>kse ops validate --json</c> and the <c>ops_validate</c> tool.</summary>
public sealed record DocumentReport
{
    public required string Name { get; init; }

    public required bool Present { get; init; }

    public IReadOnlyList<string> MissingSections { get; init; } = [];

    public IReadOnlyList<string> UnfilledSections { get; init; } = [];

    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>Problems worth fixing that do not make the document invalid (e.g. <c>ops.operation_option_injectable</c>).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Required sections supplied by <c>.sce/shared/operations/</c> rather than the project.</summary>
    public IReadOnlyList<string> SharedSections { get; init; } = [];

    public bool Complete => Present && MissingSections.Count == 0 && UnfilledSections.Count == 0 && Errors.Count == 0;
}

/// <summary>The validation result of a project's operations spec.</summary>
public sealed record ValidationReport(string Project, bool Valid, IReadOnlyList<DocumentReport> Documents)
{
    /// <summary>Problems of <c>project.yaml</c> (system type, environments, instances), each naming its line and column.</summary>
    public IReadOnlyList<string> ManifestErrors { get; init; } = [];

    /// <summary>With <c>--version</c>: the spec version the documents were resolved from (a version folder's name or <c>main</c>).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? SpecVersion { get; init; }
}

/// <summary>A project in the workspace, as <c>kse ops list</c> shows it.</summary>
public sealed record ProjectSummary(string Name, string SystemType, bool HasOperations, bool Valid, int CompleteDocuments, int Problems);

/// <summary>Every project of the workspace.</summary>
public sealed record ProjectList(string Root, IReadOnlyList<ProjectSummary> Projects);

/// <summary>A kse development spec (<c>requirements.md</c>, <c>design.md</c>, <c>tasks.md</c>) and whether it has been handed to operations.</summary>
public sealed record DevSpecStatus(string Name, int TasksDone, int TasksTotal, bool HasOperationsSpec, bool NeedsOperationsSpec, string? Action)
{
    /// <summary>For a finished spec whose code changed operational things: the operations documents and sections to update.</summary>
    public IReadOnlyList<OperationsUpdate>? OperationsUpdates { get; init; }
}

/// <summary>One operations document section a finished development spec's code change calls for.</summary>
public sealed record OperationsUpdate(string Document, string Section, string Rule, string Reason);

/// <summary><c>kse ops status</c>: development specs, those finished without an operations spec, and those whose operations documents must follow their code.</summary>
public sealed record OpsStatus(IReadOnlyList<DevSpecStatus> Specs, IReadOnlyList<string> NeedOperationsSpec)
{
    /// <summary>Finished specs whose code changed operational things their operations documents do not describe.</summary>
    public IReadOnlyList<string> NeedOperationsUpdate { get; init; } = [];
}

/// <summary>A further check of a finished development spec (drift between its code and its operations documents, say).</summary>
public interface IDevSpecCheck
{
    IEnumerable<OperationsUpdate> Check(DevSpecStatus spec);
}

/// <summary>A document as stored, or merged with the shared library.</summary>
public sealed record SpecDocumentView(string Project, string Name, bool Resolved, string Text, IReadOnlyList<string> SharedSections);

/// <summary>What <c>kse ops init</c> wrote and left alone.</summary>
public sealed record InitResult(string Project, string Directory, IReadOnlyList<string> Created, IReadOnlyList<string> Overwritten, IReadOnlyList<string> Skipped);

/// <summary>A problem a further check found in one document; the message names the line.</summary>
public sealed record SpecCheckError(string Document, string Message)
{
    /// <summary>A warning is reported but does not make the spec invalid.</summary>
    public bool IsWarning { get; init; }
}

/// <summary>
/// A further check over a project's operations documents together, Markdown and tools.yaml (for example the runnable
/// <c>kse-operation</c> blocks, whose verify/rollback may name an operation of another document, or a strategy of tools.yaml).
/// </summary>
public interface ISpecDocumentCheck
{
    IEnumerable<SpecCheckError> Check(IReadOnlyList<(string Name, string Text)> documents);
}
