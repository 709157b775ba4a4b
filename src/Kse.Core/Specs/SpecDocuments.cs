namespace Kse.Core.Specs;

/// <summary>One of the nine operations documents and the <c>##</c> sections it must have.</summary>
public sealed record SpecDocumentKind(string Name, IReadOnlyList<string> RequiredSections)
{
    public bool IsYaml => Name.EndsWith(".yaml", StringComparison.Ordinal);
}

/// <summary>The nine documents of <c>.sce/specs/&lt;project&gt;/operations/</c>, in their canonical order.</summary>
public static class SpecDocuments
{
    public const string ToolsYaml = "tools.yaml";

    public static IReadOnlyList<SpecDocumentKind> All { get; } =
    [
        new("deployment.md", ["Prerequisites", "Deployment Steps", "Environment Variables", "Health Checks", "Rollback Procedure"]),
        new("monitoring.md", ["Metrics", "Thresholds", "Alert Rules", "Response Procedures"]),
        new("operations.md", ["Daily Tasks", "Maintenance Procedures", "Backup Procedures"]),
        new("troubleshooting.md", ["Common Issues", "Diagnostic Commands", "Resolution Steps"]),
        new("rollback.md", ["Rollback Triggers", "Rollback Steps", "Data Recovery Procedures"]),
        new("change-impact.md", ["Change Classification", "Affected Systems", "Risk Assessment"]),
        new("migration-plan.md", ["Migration Strategy", "Data Mapping", "Validation Steps", "Rollback Plan"]),
        new("feedback-response.md", ["Feedback Classification Rules", "Response Procedures", "Escalation Paths", "Resolution Tracking"]),
        new(ToolsYaml, []),
    ];

    /// <summary>Finds a document by name, with or without its extension (<c>deployment</c>, <c>deployment.md</c>); <c>spec.document_unknown</c> otherwise.</summary>
    public static SpecDocumentKind Find(string? name)
    {
        var n = name?.Trim().ToLowerInvariant() ?? string.Empty;
        return All.FirstOrDefault(d => d.Name == n || Path.GetFileNameWithoutExtension(d.Name) == n)
            ?? throw KseException.BadInput("spec.document_unknown", $"unknown operations document '{name}': use one of {string.Join(", ", All.Select(d => d.Name))}");
    }

    /// <summary>Headings compare case-insensitively after trimming (and after dropping closing <c>#</c>s).</summary>
    public static string NormalizeHeading(string heading) => heading.Trim().TrimEnd('#').Trim().ToLowerInvariant();
}
