namespace Kse.Core.Versions;

/// <summary>
/// One place where the code changed something operational and the operations document that describes it did not follow: the
/// rule, where in the change, which document and section to update, and why.
/// </summary>
public sealed record DriftFinding
{
    /// <summary>A stable rule id: <c>drift.env-var</c>, <c>drift.config-key</c>, <c>drift.port</c>, <c>drift.health-endpoint</c>,
    /// <c>drift.migration</c>, <c>drift.deployment-artifact</c>, <c>drift.external-dependency</c>, <c>drift.scheduled-job</c>.</summary>
    public required string Rule { get; init; }

    /// <summary>The changed file, relative to the workspace root.</summary>
    public required string File { get; init; }

    /// <summary>The line in the new file (1 for a whole-file finding).</summary>
    public required int Line { get; init; }

    /// <summary>The document to update, relative to the workspace root.</summary>
    public required string Document { get; init; }

    /// <summary>The <c>##</c> section of the document (for dependencies.yaml: the key).</summary>
    public required string Section { get; init; }

    /// <summary>What changed: a variable, a key, a port, a path, a host, a package, a migration, a job.</summary>
    public string? Subject { get; init; }

    /// <summary>Why the document needs an update, in one line.</summary>
    public required string Reason { get; init; }
}

/// <summary><c>kse ops drift</c>: what the change touched that the operations spec does not describe yet.</summary>
public sealed record DriftReport
{
    public required string Project { get; init; }

    /// <summary>Where the diff came from: <c>HEAD~1..HEAD</c>, <c>staged</c>, a file name, or <c>text</c>.</summary>
    public required string Source { get; init; }

    /// <summary>Files in the diff.</summary>
    public required int FilesChanged { get; init; }

    /// <summary>Files of the diff that belong to the project (its <c>path</c> in dependencies.yaml, else everything outside .sce/).</summary>
    public required int ProjectFiles { get; init; }

    /// <summary>Operations documents of the project the diff changed.</summary>
    public required IReadOnlyList<string> DocumentsChanged { get; init; }

    public required IReadOnlyList<DriftFinding> Findings { get; init; }

    /// <summary>Operational changes the documents already cover (the document changed too, or already names the subject).</summary>
    public required int Covered { get; init; }

    /// <summary>True when nothing needs an update.</summary>
    public bool Clean => Findings.Count == 0;
}
