using Kse.Core.Changes;
using Kse.Core.Projects;

namespace Kse.Core.Versions;

/// <summary>
/// Drift between code and operations spec: when a change touches something operational (a variable, a port, a migration, a
/// deployment file, a dependency, a scheduled job) and the document that describes it did not follow, name the document and section.
/// The diff is read and parsed as <c>kse change</c> reads it.
/// </summary>
public sealed class DriftService(KseWorkspace workspace, ChangeImpactService changes)
{
    public KseWorkspace Workspace => workspace;

    /// <summary>Reads the diff from <paramref name="source"/> and checks it for <paramref name="project"/>.</summary>
    public async Task<DriftReport> CheckAsync(string project, DiffSource source, CancellationToken cancellationToken = default)
    {
        ProjectName.Validate(project);
        RequireProject(project);
        var files = await changes.ReadDiffFilesAsync(source, cancellationToken);
        return Check(project, files, Describe(source));
    }

    private static string Describe(DiffSource source) =>
        source.Staged ? "staged" : source.Base is not null ? $"{source.Base}..{source.Head ?? "HEAD"}" : source.File is not null ? Path.GetFileName(source.File) : "text";

    /// <summary>Checks parsed diff files for <paramref name="project"/>.</summary>
    public DriftReport Check(string project, IReadOnlyList<DiffFile> files, string source = "text")
    {
        ProjectName.Validate(project);
        RequireProject(project);
        var graph = changes.LoadGraph();
        var declaresPath = graph is not null && DependencyFile.TryLoad(workspace)?.Projects.Any(p => p.Name == project && !string.IsNullOrEmpty(p.Path)) == true;
        var opsPrefix = $".sce/specs/{project}/operations/";

        // Documents the diff changed (main spec or any version's copy), with the lines it added to each.
        var changedDocs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var projectFiles = new List<DiffFile>();
        foreach (var f in files)
        {
            var path = f.Path.Replace('\\', '/');
            if (path.StartsWith(opsPrefix, StringComparison.Ordinal) || path == DriftRules.DependenciesDocument)
            {
                var doc = path == DriftRules.DependenciesDocument ? DriftRules.DependenciesDocument : Path.GetFileName(path);
                (changedDocs.TryGetValue(doc, out var lines) ? lines : changedDocs[doc] = []).AddRange(f.AllLines.Where(l => l.Kind == DiffLineKind.Added).Select(l => l.Text));
                continue;
            }

            if (path.StartsWith(".sce/", StringComparison.Ordinal))
            {
                continue;
            }

            var owner = graph?.ProjectOf(path);
            if (declaresPath ? owner == project : owner is null || owner == project)
            {
                projectFiles.Add(f);
            }
        }

        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        string TextOf(string document)
        {
            if (!texts.TryGetValue(document, out var text))
            {
                text = string.Join('\n', DocumentFiles(project, document).Select(ReadBounded).Concat(changedDocs.GetValueOrDefault(document) ?? []));
                texts[document] = text;
            }

            return text;
        }

        var findings = new List<DriftFinding>();
        var seen = new HashSet<(string Rule, string Document, string? Subject)>();
        var covered = 0;
        foreach (var candidate in projectFiles.SelectMany(DriftRules.Scan))
        {
            if (!seen.Add((candidate.Rule, candidate.Document, candidate.Subject)))
            {
                continue;
            }

            var mentioned = candidate.Terms.Any(t => DriftRules.Mentions(TextOf(candidate.Document), t));
            if (mentioned || (!candidate.RequiresMention && changedDocs.ContainsKey(candidate.Document)))
            {
                covered++;
                continue;
            }

            var document = candidate.Document == DriftRules.DependenciesDocument ? candidate.Document : opsPrefix + candidate.Document;
            findings.Add(new DriftFinding
            {
                Rule = candidate.Rule,
                File = candidate.File,
                Line = candidate.Line,
                Document = document,
                Section = candidate.Section,
                Subject = candidate.Subject,
                Reason = candidate.Reason + (candidate.Document == DriftRules.DependenciesDocument
                    ? $"; {candidate.Document} does not name it under '{project}' {candidate.Section}"
                    : $"; {candidate.Document} does not {(candidate.RequiresMention ? "mention it" : "change with it")} (update '## {candidate.Section}')"),
            });
        }

        return new DriftReport
        {
            Project = project,
            Source = source,
            FilesChanged = files.Count,
            ProjectFiles = projectFiles.Count,
            DocumentsChanged = changedDocs.Keys.Order(StringComparer.Ordinal).ToList(),
            Findings = findings,
            Covered = covered,
        };
    }

    /// <summary>The files that hold <paramref name="document"/> today: the main spec's and every version's copy.</summary>
    private IEnumerable<string> DocumentFiles(string project, string document)
    {
        if (document == DriftRules.DependenciesDocument)
        {
            yield return workspace.DependenciesFile;
            yield break;
        }

        yield return Path.Combine(workspace.OperationsDir(project), document);
        var versions = Path.Combine(workspace.OperationsDir(project), "versions");
        if (Directory.Exists(versions))
        {
            foreach (var dir in Directory.GetDirectories(versions))
            {
                yield return Path.Combine(dir, document);
            }
        }
    }

    private static string ReadBounded(string path)
    {
        try
        {
            return File.Exists(path) && new FileInfo(path).Length <= Specs.SpecService.MaxDocumentBytes ? File.ReadAllText(path) : string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private void RequireProject(string project)
    {
        if (!Directory.Exists(workspace.ProjectDir(project)))
        {
            throw KseException.NotFound("spec.project_not_found", $"project '{project}' has no folder .sce/specs/{project}: run 'kse ops init {project}'");
        }
    }
}
