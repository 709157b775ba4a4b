using Kse.Core.Changes;
using Kse.Core.Specs;

namespace Kse.Core.Versions;

/// <summary>
/// For <c>kse ops status</c>: a finished development spec's code change, from the commit that added its <c>tasks.md</c> to HEAD,
/// checked for drift against its operations documents. Outside a git repository nothing is reported. The drift service is
/// looked up when needed: it reads documents through the spec service that this check serves.
/// </summary>
public sealed class DevSpecDriftCheck(KseWorkspace workspace, Func<DriftService> drift, string git = "git") : IDevSpecCheck
{
    public IEnumerable<OperationsUpdate> Check(DevSpecStatus spec) => CheckAsync(spec).GetAwaiter().GetResult();

    private async Task<IReadOnlyList<OperationsUpdate>> CheckAsync(DevSpecStatus spec)
    {
        var tasks = "./" + Path.GetRelativePath(workspace.Root, Path.Combine(workspace.ProjectDir(spec.Name), "tasks.md")).Replace('\\', '/');
        var (code, output, _) = await GitDiff.RunAsync(git, ["-C", workspace.Root, "log", "--diff-filter=A", "--format=%H", "--", tasks], CancellationToken.None);
        var start = code == 0 ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() : null;
        if (start is null)
        {
            return [];
        }

        // From before the spec began; a spec added in the first commit is compared from that commit.
        var (parentCode, _, _) = await GitDiff.RunAsync(git, ["-C", workspace.Root, "rev-parse", "--verify", "--quiet", start + "^"], CancellationToken.None);
        var from = parentCode == 0 ? start + "^" : start;
        DriftReport report;
        try
        {
            report = await drift().CheckAsync(spec.Name, new DiffSource { Base = from, Head = "HEAD" });
        }
        catch (KseException)
        {
            return [];
        }

        return report.Findings
            .GroupBy(f => (f.Document, f.Section))
            .Select(g => new OperationsUpdate(g.Key.Document, g.Key.Section, g.First().Rule, string.Join("; ", g.Select(f => f.Subject ?? f.File).Distinct(StringComparer.Ordinal).Take(5)) + $" ({g.First().Reason.Split(';')[0]})"))
            .ToList();
    }
}
