using Kse.Core.Projects;

namespace Kse.Core.Changes;

/// <summary>
/// For a classified change, checks each dependent's declared consumption (and, without a <c>uses</c> list, its operations spec)
/// against what the change removes or alters, and reports every incompatibility.
/// </summary>
public static class CompatibilityChecker
{
    public static DependencyAnalysis Analyze(DependencyGraph graph, IReadOnlyList<ChangeFinding> findings, IReadOnlyList<string> changedProjects, KseWorkspace? workspace)
    {
        var notes = new List<string>();
        var dependents = new List<Dependent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var project in changedProjects.Where(graph.Contains))
        {
            foreach (var d in graph.Dependents(project, transitive: true))
            {
                if (seen.Add(d.Project))
                {
                    dependents.Add(d);
                }
            }
        }

        foreach (var unknown in changedProjects.Where(p => !graph.Contains(p)))
        {
            notes.Add($"'{unknown}' is not declared in .sce/dependencies.yaml: its dependents are unknown");
        }

        var incompatibilities = new List<Incompatibility>();
        var specCache = new Dictionary<string, List<(string Doc, int Line, string Text)>>(StringComparer.Ordinal);
        foreach (var finding in findings.Where(Alters))
        {
            var provider = finding.Project ?? (changedProjects.Count == 1 ? changedProjects[0] : null);
            if (provider is null || !graph.Contains(provider))
            {
                continue;
            }

            var (kind, protocol) = ResourceOf(finding.Rule);
            var node = graph.Get(provider);
            var candidates = node.Provides.Where(r => kind is null || r.Kind == kind).Where(r => protocol is null || r.Protocol is null || r.Protocol == protocol).ToList();
            var byContract = candidates.Where(r => r.Contract is { } c && (finding.File == c || finding.File.StartsWith(c.TrimEnd('/') + "/", StringComparison.Ordinal))).ToList();
            if (byContract.Count > 0)
            {
                candidates = byContract;
            }

            if (candidates.Count == 0)
            {
                notes.Add($"{finding.Rule} in {finding.File}: '{provider}' declares no {(kind is null ? "resource" : DependencyFile.KindName(kind.Value))}{(protocol is null ? "" : " (" + protocol + ")")} that it touches, so no consumer is checked");
                continue;
            }

            var names = candidates.Select(c => (c.Kind, c.Name)).ToHashSet();
            foreach (var consumer in graph.Projects.Where(p => p.Name != provider))
            {
                foreach (var use in consumer.Consumes.Where(c => c.Project == provider && names.Contains((c.Kind, c.Name))))
                {
                    var resource = $"{DependencyFile.KindName(use.Kind)}:{use.Name}";
                    var reason = Judge(finding, use, consumer.Name, workspace, specCache);
                    if (reason is not null)
                    {
                        incompatibilities.Add(new Incompatibility
                        {
                            Consumer = consumer.Name,
                            Provider = provider,
                            Resource = resource,
                            Rule = finding.Rule,
                            File = finding.File,
                            Line = finding.Line,
                            Subject = finding.Subject,
                            Reason = reason,
                        });
                    }
                }
            }
        }

        return new DependencyAnalysis
        {
            ChangedProjects = changedProjects,
            Dependents = dependents,
            Incompatibilities = incompatibilities
                .GroupBy(i => (i.Consumer, i.Provider, i.Resource, i.Rule, i.Subject))
                .Select(g => g.First())
                .OrderBy(i => i.Consumer, StringComparer.Ordinal).ThenBy(i => i.File, StringComparer.Ordinal).ThenBy(i => i.Line)
                .ToList(),
            Notes = notes,
        };
    }

    /// <summary>A finding that removes or alters something consumers may rely on.</summary>
    public static bool Alters(ChangeFinding f) =>
        f.Breaking == true && ResourceOf(f.Rule) is var (kind, _) && (kind is not null || f.Rule is "arch.service-removed" or "arch.iac.resource-removed")
        || f.Rule == "arch.broker-topology";

    private static (ResourceKind? Kind, string? Protocol) ResourceOf(string rule) => rule switch
    {
        _ when rule.StartsWith("api.openapi.", StringComparison.Ordinal) || rule.StartsWith("api.aspnet.", StringComparison.Ordinal) => (ResourceKind.Api, "http"),
        _ when rule.StartsWith("api.proto.", StringComparison.Ordinal) => (ResourceKind.Api, "grpc"),
        _ when rule.StartsWith("api.graphql.", StringComparison.Ordinal) => (ResourceKind.Api, "graphql"),
        _ when rule.StartsWith("api.public.", StringComparison.Ordinal) => (ResourceKind.Api, "library"),
        _ when rule.StartsWith("data.", StringComparison.Ordinal) => (ResourceKind.Database, null),
        "arch.broker-topology" => (ResourceKind.Queue, null),
        _ => (null, null),
    };

    private static string? Judge(ChangeFinding finding, Consumption use, string consumer, KseWorkspace? workspace, Dictionary<string, List<(string Doc, int Line, string Text)>> specCache)
    {
        var subject = finding.Subject;
        var what = subject is null ? ChangeRuleCatalog.Get(finding.Rule).Summary : $"'{subject}'";
        if (use.Uses.Count > 0)
        {
            if (subject is null)
            {
                return $"declares uses of {use.Name} (dependencies.yaml line {use.Line}); the change alters it without naming what ({finding.Reason})";
            }

            var hit = use.Uses.FirstOrDefault(u => Matches(u, subject));
            if (hit is not null)
            {
                return $"declares use of '{hit}' of {use.Name} (dependencies.yaml line {use.Line}), which the change affects: {finding.Reason}";
            }
        }

        // The operations spec counts too: a runbook query or a health check on what the change removes breaks as well.
        if (workspace is not null && subject is { Length: >= 3 })
        {
            var lines = SpecLines(workspace, consumer, specCache);
            var token = Token(subject);
            var hit = lines.FirstOrDefault(l => l.Text.Contains(token, StringComparison.OrdinalIgnoreCase));
            if (hit.Doc is not null)
            {
                return $"its operations spec uses '{token}' ({hit.Doc}:{hit.Line}), which the change affects: {finding.Reason}";
            }
        }

        if (use.Uses.Count > 0)
        {
            return null;
        }

        return $"consumes {DependencyFile.KindName(use.Kind)} {use.Name} without a 'uses' list, so it is assumed to rely on {what}: {finding.Reason}";
    }

    /// <summary>The distinctive part of a subject: the path of <c>GET /x</c>, the column of <c>table.column</c> stays qualified.</summary>
    private static string Token(string subject)
    {
        var space = subject.LastIndexOf(' ');
        return space >= 0 && subject[(space + 1)..].Length >= 3 ? subject[(space + 1)..] : subject;
    }

    /// <summary>
    /// Whether a declared use is touched by a finding's subject: HTTP operations compare path (and method when both
    /// name one) exactly; dotted names match themselves and what they contain (<c>invoices</c> covers <c>invoices.total</c>).
    /// </summary>
    internal static bool Matches(string use, string subject)
    {
        static string N(string s) => string.Join(' ', s.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var u = N(use);
        var s = N(subject);
        if (u.Length == 0 || s.Length == 0)
        {
            return false;
        }

        if (u == s)
        {
            return true;
        }

        static (string? Method, string? Path) Http(string text)
        {
            var parts = text.Split(' ');
            var path = parts.FirstOrDefault(p => p.StartsWith('/'));
            var method = parts.Length > 1 && parts[0] is "get" or "put" or "post" or "delete" or "patch" or "head" or "options" or "trace" ? parts[0] : null;
            return (method, path?.TrimEnd('/'));
        }

        var (um, up) = Http(u);
        var (sm, sp) = Http(s);
        if (up is not null || sp is not null)
        {
            return up is not null && up == sp && (um is null || sm is null || um == sm);
        }

        return u.StartsWith(s + ".", StringComparison.Ordinal) || s.StartsWith(u + ".", StringComparison.Ordinal);
    }

    private static List<(string Doc, int Line, string Text)> SpecLines(KseWorkspace workspace, string project, Dictionary<string, List<(string Doc, int Line, string Text)>> cache)
    {
        if (cache.TryGetValue(project, out var lines))
        {
            return lines;
        }

        lines = [];
        var dir = workspace.OperationsDir(project);
        if (Directory.Exists(dir))
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*.*", SearchOption.TopDirectoryOnly).Where(f => f.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
            {
                var n = 0;
                foreach (var line in File.ReadLines(file))
                {
                    n++;
                    lines.Add((Path.GetFileName(file), n, line));
                }
            }
        }

        cache[project] = lines;
        return lines;
    }
}
