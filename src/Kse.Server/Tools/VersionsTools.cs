using System.ComponentModel;
using Kse.Core.Changes;
using Kse.Core.Policy;
using Kse.Core.Versions;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>Read-only tools over spec versions and drift: thin adapters over <see cref="SpecVersionService"/> and <see cref="DriftService"/>.</summary>
[McpServerToolType]
public sealed class VersionsTools
{
    [McpServerTool(Name = "ops_resolve", Title = "Resolve a spec version", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Resolve the operations spec a version runs on: the exact spec version, else the nearest lower of the same major.minor, else of the same major, else the main spec. For each document: the file and version that supplied it and each ## section, and its SHA-256. Pass an instance's version to see the spec that instance runs.")]
    [OperationRisk(RiskClass.Read)]
    public static ResolvedSpec Resolve(
        SpecVersionService versions,
        [Description("The project name, e.g. billing")] string project,
        [Description("A semantic version such as 2.4.1, or 'main'")] string version) =>
        versions.Resolve(project, version);

    [McpServerTool(Name = "ops_drift", Title = "Drift between a change and the operations spec", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Check a change for drift from the project's operations spec: new environment variables and configuration keys, ports and health endpoints, migrations, Dockerfiles/Kubernetes/compose/Terraform files, new external dependencies and scheduled jobs that the matching document (deployment.md, monitoring.md, migration-plan.md, rollback.md, operations.md, dependencies.yaml) does not describe. Each finding names the rule, file, line, document and section to update. Give a git range (base, head), staged=true, or a unified diff text.")]
    [OperationRisk(RiskClass.Read)]
    public static async Task<DriftReport> Drift(
        DriftService drift,
        [Description("The project name, e.g. billing")] string project,
        [Description("Git revision to diff from")] string? @base = null,
        [Description("Git revision to diff to (default HEAD; needs base)")] string? head = null,
        [Description("Check the staged changes (git diff --cached)")] bool staged = false,
        [Description("A unified diff as text, instead of a git range")] string? diff = null,
        CancellationToken cancellationToken = default)
    {
        if (head is not null && @base is null)
        {
            throw Kse.Core.KseException.BadInput("change.source_missing", "head needs base");
        }

        var source = new DiffSource { Text = diff, Base = @base, Head = @base is null ? null : head, Staged = staged };
        if (diff is null && !source.IsGit)
        {
            throw Kse.Core.KseException.BadInput("change.source_missing", "give base (and head), staged=true, or a diff text");
        }

        return await drift.CheckAsync(project, source, cancellationToken);
    }
}
