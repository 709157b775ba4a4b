using Kse.Core.Approvals;
using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Core.Completion;

/// <summary>The kinds of names a user can be offered while typing an argument.</summary>
public enum NameKind
{
    Project,
    Document,
    Environment,
    Operation,
    Instance,
    Approval,
    Level,
    Risk,

    /// <summary>A project's spec versions (and the versions its instances run), for <c>version</c> arguments.</summary>
    Version,
}

/// <summary>
/// Offers the names that exist in the workspace for what a user is typing: projects, operations documents,
/// environments, a project's runnable operations and instances, pending approvals, levels and risks. Reads only
/// what the answer needs (directory names, one project's files), never validates, never fails on a broken file.
/// </summary>
public sealed class NameCompletion(KseWorkspace workspace, ApprovalService approvals)
{
    /// <summary>At most this many values are returned (the MCP limit); <c>total</c> says how many matched.</summary>
    public const int MaxValues = 100;

    /// <summary>The names of <paramref name="kind"/> that start with <paramref name="prefix"/> (case-insensitive), sorted.</summary>
    /// <param name="context">Arguments already given (e.g. <c>project</c>, <c>environment</c>), which narrow operations and instances.</param>
    public async Task<(IReadOnlyList<string> Values, int Total)> CompleteAsync(NameKind kind, string? prefix, IReadOnlyDictionary<string, string> context, CancellationToken cancellationToken = default)
    {
        IEnumerable<string> names = kind switch
        {
            NameKind.Project => Projects(),
            NameKind.Document => SpecDocuments.All.Select(d => d.IsYaml ? d.Name : Path.GetFileNameWithoutExtension(d.Name)),
            NameKind.Environment => Enum.GetValues<EnvironmentKind>().Select(e => e.Name()),
            NameKind.Operation => Operations(context),
            NameKind.Instance => Instances(context),
            NameKind.Approval => (await approvals.ListAsync(ApprovalState.Pending, Given(context, "project"), cancellationToken: cancellationToken)).Approvals.Select(a => a.Id),
            NameKind.Level => Enum.GetValues<TakeoverLevel>().Select(l => l.ToString()),
            NameKind.Risk => Enum.GetValues<RiskClass>().Select(r => r.Name()),
            NameKind.Version => Versions(context),
            _ => [],
        };
        var matches = names
            .Where(n => n.StartsWith(prefix ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return (matches.Take(MaxValues).ToList(), matches.Count);
    }

    private IEnumerable<string> Projects() =>
        workspace.ListProjects().Where(p => Directory.Exists(workspace.OperationsDir(p)) || File.Exists(workspace.ProjectFile(p)));

    private IEnumerable<string> Operations(IReadOnlyDictionary<string, string> context)
    {
        if (Project(context) is not { } project)
        {
            return [];
        }

        try
        {
            return OperationCatalog.Load(workspace, project).Operations.Select(o => o.Name);
        }
        catch (KseException)
        {
            return [];
        }
    }

    private IEnumerable<string> Instances(IReadOnlyDictionary<string, string> context)
    {
        if (Project(context) is not { } project)
        {
            return [];
        }

        try
        {
            var environment = Given(context, "environment");
            return ProjectManifest.Load(workspace, project).Instances
                .Where(i => environment is null || string.Equals(i.Environment.Name(), environment, StringComparison.OrdinalIgnoreCase))
                .Select(i => i.Id);
        }
        catch (KseException)
        {
            return [];
        }
    }

    private IEnumerable<string> Versions(IReadOnlyDictionary<string, string> context)
    {
        if (Project(context) is not { } project)
        {
            return [];
        }

        var dir = Path.Combine(workspace.OperationsDir(project), "versions");
        var stored = Directory.Exists(dir)
            ? Directory.GetDirectories(dir).Select(Path.GetFileName).OfType<string>().Where(n => Kse.Core.Projects.SemanticVersion.TryParse(n, out var v) && v.ToString() == n)
            : [];
        IEnumerable<string> running;
        try
        {
            running = ProjectManifest.Load(workspace, project).Instances.Select(i => i.Version).OfType<string>();
        }
        catch (KseException)
        {
            running = [];
        }

        return stored.Concat(running).Append("main");
    }

    /// <summary>The project named in the context, when it is a valid name of an existing project.</summary>
    private string? Project(IReadOnlyDictionary<string, string> context) =>
        Given(context, "project") is { } p && ProjectName.IsValid(p) && Projects().Contains(p, StringComparer.Ordinal) ? p : null;

    private static string? Given(IReadOnlyDictionary<string, string> context, string key) =>
        context.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
}
