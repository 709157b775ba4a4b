using System.Collections.Concurrent;
using Kse.Core.Specs;

namespace Kse.Core.Actions;

/// <summary>The first thing that keeps a project's operations spec from validating: a document (or project.yaml) and why.</summary>
public sealed record SpecProblem(string Document, string Problem);

/// <summary>
/// Whether a project's operations spec validates, as <c>kse ops validate</c> says, reused across calls until a file of the spec
/// (its documents, the shared documents, project.yaml) changes. An invalid spec keeps the AI to observation (rule <c>spec.invalid</c>).
/// </summary>
/// <param name="versionReport">Validates the documents a spec version resolves to (the Versions capability); without it every plan is held to the main spec.</param>
public sealed class SpecValidity(SpecService specs, KseWorkspace workspace, Func<string, string, ValidationReport>? versionReport = null)
{
    private readonly ConcurrentDictionary<string, (string Stamp, SpecProblem? Problem)> _cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The first failing document of the spec version a plan was read from (<paramref name="specVersion"/>; null or <c>main</c> is the
    /// main spec), or null when it validates.
    /// </summary>
    public SpecProblem? FirstProblem(string project, string? specVersion)
    {
        if (specVersion is null || specVersion == Execution.ExecutionPlanner.MainSpec || versionReport is null)
        {
            return FirstProblem(project);
        }

        if (!ProjectName.IsValid(project) || !Directory.Exists(workspace.OperationsDir(project)))
        {
            return null;
        }

        var versions = Path.Combine(workspace.OperationsDir(project), "versions");
        var subdirs = Directory.Exists(versions) ? Directory.GetDirectories(versions).Order(StringComparer.Ordinal).ToList() : [];
        var stamp = FileStamp.Of([workspace.ProjectFile(project)], [workspace.OperationsDir(project), workspace.SharedOperationsDir, versions, .. subdirs]) + string.Join('|', subdirs);
        var key = project + "@" + specVersion;
        if (_cache.TryGetValue(key, out var cached) && cached.Stamp == stamp)
        {
            return cached.Problem;
        }

        SpecProblem? problem;
        try
        {
            problem = Check(versionReport(project, specVersion));
        }
        catch (KseException ex)
        {
            problem = new SpecProblem($"versions/{specVersion}", ex.Message);
        }

        _cache[key] = (stamp, problem);
        return problem;
    }

    /// <summary>
    /// The first failing document of <paramref name="project"/>, or null when it validates. A project with no operations folder at
    /// all has no spec to validate (only its project.yaml): the rule applies once a spec has been started.
    /// </summary>
    public SpecProblem? FirstProblem(string project)
    {
        if (!ProjectName.IsValid(project) || !Directory.Exists(workspace.OperationsDir(project)))
        {
            return null;
        }

        var stamp = FileStamp.Of([workspace.ProjectFile(project)], [workspace.OperationsDir(project), workspace.SharedOperationsDir]);
        if (_cache.TryGetValue(project, out var cached) && cached.Stamp == stamp)
        {
            return cached.Problem;
        }

        var problem = Check(specs.Validate(project));
        _cache[project] = (stamp, problem);
        return problem;
    }

    private static SpecProblem? Check(ValidationReport report)
    {
        if (report.Valid)
        {
            return null;
        }

        if (report.ManifestErrors.Count > 0)
        {
            return new SpecProblem("project.yaml", report.ManifestErrors[0]);
        }

        var doc = report.Documents.FirstOrDefault(d => !d.Complete);
        if (doc is null)
        {
            return new SpecProblem("(spec)", "the operations spec does not validate");
        }

        var why = doc.Errors.FirstOrDefault()
            ?? (doc.MissingSections.Count > 0 ? $"{doc.Name} lacks the section(s) {string.Join(", ", doc.MissingSections)}"
            : doc.UnfilledSections.Count > 0 ? $"{doc.Name} has unfilled section(s) {string.Join(", ", doc.UnfilledSections)}"
            : $"{doc.Name} does not validate");
        return new SpecProblem(doc.Name, why);
    }
}
