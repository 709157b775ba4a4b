using System.Text;
using System.Text.RegularExpressions;

namespace Kse.Core.Specs;

/// <summary>Creates, validates, lists and resolves operations specs of a workspace.</summary>
public sealed partial class SpecService(KseWorkspace workspace, TemplateLibrary templates, IEnumerable<ISpecDocumentCheck> checks, IEnumerable<IDevSpecCheck>? devSpecChecks = null)
{
    /// <summary>Documents above this size are reported, not parsed.</summary>
    public const int MaxDocumentBytes = InputLimits.MaxDocumentBytes;

    private readonly IReadOnlyList<ISpecDocumentCheck> _checks = checks.ToList();

    private readonly IReadOnlyList<IDevSpecCheck> _devSpecChecks = devSpecChecks?.ToList() ?? [];

    public KseWorkspace Workspace => workspace;

    [GeneratedRegex(@"^\s*[-*+]\s+\[( |x|X)\]", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex TaskCheckbox();

    /// <summary>Creates the nine documents and <c>project.yaml</c>. Never overwrites without <paramref name="force"/>; the name is checked before the disk is touched.</summary>
    public InitResult InitProject(string project, SystemType systemType = SystemType.Kse, bool force = false)
    {
        ProjectName.Validate(project);
        var dir = workspace.OperationsDir(project);
        Directory.CreateDirectory(workspace.SpecsDir);
        Directory.CreateDirectory(workspace.SharedOperationsDir);
        StateFolder.Create(workspace.StateDir);
        Directory.CreateDirectory(dir);
        var created = new List<string>();
        var overwritten = new List<string>();
        var skipped = new List<string>();

        void Write(string path, string label, string content)
        {
            var exists = File.Exists(path);
            if (exists && !force)
            {
                skipped.Add(label);
                return;
            }

            var tmp = path + ".tmp";
            File.WriteAllText(tmp, content);
            File.Move(tmp, path, overwrite: true);
            (exists ? overwritten : created).Add(label);
        }

        foreach (var doc in SpecDocuments.All)
        {
            Write(Path.Combine(dir, doc.Name), doc.Name, templates.Render(doc.Name, project));
        }

        Write(workspace.ProjectFile(project), "project.yaml", new ProjectManifest { Name = project, SystemType = systemType }.ToYaml());
        return new InitResult(project, Path.GetRelativePath(workspace.Root, dir), created, overwritten, skipped);
    }

    /// <summary>Validates every document of <paramref name="project"/>; <c>spec.project_not_found</c> when it has no folder.</summary>
    public ValidationReport Validate(string project)
    {
        RequireProject(project);
        return ValidateCore(project, kind =>
        {
            var path = Path.Combine(workspace.OperationsDir(project), kind.Name);
            if (!File.Exists(path))
            {
                return (false, null, null);
            }

            try
            {
                return (true, InputLimits.ReadText(path, "spec.document", kind.Name), null);
            }
            catch (KseException ex)
            {
                return (true, null, ex.Message);
            }
        });
    }

    /// <summary>
    /// Validates documents given as text (a version's resolved documents, by name; an absent name is a missing document).
    /// With <paramref name="only"/> just that document is reported.
    /// </summary>
    public ValidationReport Validate(string project, IReadOnlyDictionary<string, string> documents, string? only = null)
    {
        RequireProject(project);
        return ValidateCore(
            project,
            kind =>
            {
                if (!documents.TryGetValue(kind.Name, out var text))
                {
                    return (false, null, null);
                }

                try
                {
                    InputLimits.CheckSize(text, "spec.document", kind.Name);
                    return (true, text, null);
                }
                catch (KseException ex)
                {
                    return (true, null, ex.Message);
                }
            },
            only);
    }

    private ValidationReport ValidateCore(string project, Func<SpecDocumentKind, (bool Present, string? Text, string? Error)> read, string? only = null)
    {
        var texts = new List<(string Name, string Text)>();
        var reports = SpecDocuments.All.Where(d => only is null || d.Name == only).Select(d => ValidateDocument(project, d, read(d), texts)).ToList();
        var further = _checks.SelectMany(c => c.Check(texts)).ToList();
        if (further.Count > 0)
        {
            reports = reports
                .Select(r => further.Where(e => e.Document == r.Name).ToList() is { Count: > 0 } extra
                    ? r with
                    {
                        Errors = [.. r.Errors, .. extra.Where(e => !e.IsWarning).Select(e => e.Message)],
                        Warnings = [.. r.Warnings, .. extra.Where(e => e.IsWarning).Select(e => e.Message)],
                    }
                    : r)
                .ToList();
        }

        var manifestErrors = new List<string>();
        try
        {
            ProjectManifest.Load(workspace, project);
        }
        catch (KseException ex) when (ex.Kind == KseErrorKind.BadInput)
        {
            manifestErrors.Add(ex.Message);
        }

        return new ValidationReport(project, manifestErrors.Count == 0 && reports.All(r => r.Complete), reports) { ManifestErrors = manifestErrors };
    }

    private DocumentReport ValidateDocument(string project, SpecDocumentKind kind, (bool Present, string? Text, string? Error) document, List<(string Name, string Text)> texts)
    {
        if (!document.Present)
        {
            return new DocumentReport { Name = kind.Name, Present = false, MissingSections = kind.RequiredSections, Errors = [$"{kind.Name} is missing: 'kse ops init {project}' recreates it from the template"] };
        }

        if (document.Text is null)
        {
            return new DocumentReport { Name = kind.Name, Present = true, Errors = [document.Error ?? $"{kind.Name} could not be read"] };
        }

        var text = document.Text;
        if (kind.IsYaml)
        {
            var tools = ToolsManifest.Parse(text, kind.Name);
            texts.Add((kind.Name, text));
            return new DocumentReport
            {
                Name = kind.Name,
                Present = true,
                Errors = tools.Errors,
                UnfilledSections = tools.HasPlaceholder ? ["tools"] : [],
            };
        }

        MarkdownSpec own;
        MarkdownSpec? shared;
        try
        {
            own = MarkdownSpec.Parse(text, kind.Name);
            shared = LoadShared(kind);
        }
        catch (KseException ex)
        {
            return new DocumentReport { Name = kind.Name, Present = true, Errors = [$"{ex.Code}: {ex.Message}"] };
        }

        var missing = new List<string>();
        var unfilled = new List<string>();
        var fromShared = new List<string>();
        foreach (var heading in kind.RequiredSections)
        {
            var section = own.Find(heading);
            var sharedSection = shared?.Find(heading);
            if (section is { IsFilled: true })
            {
                continue;
            }

            if (sharedSection is { IsFilled: true })
            {
                fromShared.Add(heading);
            }
            else if (section is null)
            {
                missing.Add(heading);
            }
            else
            {
                unfilled.Add(heading);
            }
        }

        texts.Add((kind.Name, text));
        return new DocumentReport { Name = kind.Name, Present = true, MissingSections = missing, UnfilledSections = unfilled, SharedSections = fromShared };
    }

    /// <summary>Every project with a folder under <c>.sce/specs</c> that has an operations spec or a project.yaml.</summary>
    public ProjectList ListProjects()
    {
        var result = new List<ProjectSummary>();
        foreach (var name in workspace.ListProjects())
        {
            var hasOps = Directory.Exists(workspace.OperationsDir(name));
            if (!hasOps && !File.Exists(workspace.ProjectFile(name)))
            {
                continue;
            }

            string systemType;
            try
            {
                systemType = ProjectManifest.SystemTypeName(ProjectManifest.Load(workspace, name).SystemType);
            }
            catch (KseException)
            {
                systemType = "invalid";
            }

            if (!hasOps)
            {
                result.Add(new ProjectSummary(name, systemType, false, false, 0, SpecDocuments.All.Count));
                continue;
            }

            var report = Validate(name);
            result.Add(new ProjectSummary(
                name,
                systemType,
                true,
                report.Valid,
                report.Documents.Count(d => d.Complete),
                report.Documents.Sum(d => (d.Present ? 0 : 1) + d.MissingSections.Count + d.UnfilledSections.Count + d.Errors.Count)));
        }

        return new ProjectList(workspace.Root, result);
    }

    /// <summary>The document as stored, or with <paramref name="resolved"/> merged with the shared library (a project's own filled section wins).</summary>
    public SpecDocumentView Show(string project, string document, bool resolved)
    {
        RequireProject(project);
        var kind = SpecDocuments.Find(document);
        var path = Path.Combine(workspace.OperationsDir(project), kind.Name);
        var exists = File.Exists(path);
        var shared = kind.IsYaml ? null : LoadShared(kind);
        if (!exists && !(resolved && shared is not null))
        {
            throw KseException.NotFound("spec.document_not_found", $"{Path.GetRelativePath(workspace.Root, path)} does not exist");
        }

        if (exists && new FileInfo(path).Length > MaxDocumentBytes)
        {
            throw KseException.BadInput("spec.document_too_large", $"{kind.Name} is larger than {MaxDocumentBytes} bytes");
        }

        var text = exists ? InputLimits.ReadText(path, "spec.document", kind.Name) : string.Empty;
        if (!resolved || kind.IsYaml || shared is null)
        {
            return new SpecDocumentView(project, kind.Name, resolved, text, []);
        }

        return Merge(project, kind, exists ? MarkdownSpec.Parse(text, kind.Name) : null, shared);
    }

    /// <summary>A document's text (a version's, say) merged with the shared library as <see cref="Show"/> does with <c>resolved</c>.</summary>
    public SpecDocumentView MergeShared(string project, SpecDocumentKind kind, string text)
    {
        var shared = kind.IsYaml ? null : LoadShared(kind);
        return shared is null ? new SpecDocumentView(project, kind.Name, true, text, []) : Merge(project, kind, MarkdownSpec.Parse(text, kind.Name), shared);
    }

    private SpecDocumentView Merge(string project, SpecDocumentKind kind, MarkdownSpec? own, MarkdownSpec shared)
    {
        var sb = new StringBuilder();
        var fromShared = new List<string>();
        var source = $".sce/shared/operations/{kind.Name}";
        sb.Append(own?.Preamble ?? shared.Preamble);
        var seen = new HashSet<string>();
        foreach (var section in own?.Sections ?? [])
        {
            var key = SpecDocuments.NormalizeHeading(section.Heading);
            seen.Add(key);
            var sharedSection = shared.Find(section.Heading);
            if (!section.IsFilled && sharedSection is { IsFilled: true })
            {
                AppendSection(sb, sharedSection, source);
                fromShared.Add(section.Heading);
            }
            else
            {
                AppendSection(sb, section, null);
            }
        }

        foreach (var section in shared.Sections.Where(s => !seen.Contains(SpecDocuments.NormalizeHeading(s.Heading))))
        {
            AppendSection(sb, section, source);
            fromShared.Add(section.Heading);
        }

        return new SpecDocumentView(project, kind.Name, true, sb.ToString(), fromShared);
    }

    private static void AppendSection(StringBuilder sb, SpecSection section, string? source)
    {
        sb.Append("## ").Append(section.Heading).Append('\n');
        if (source is not null)
        {
            sb.Append("<!-- kse: from ").Append(source).Append(" -->\n");
        }

        sb.Append(section.Body);
        if (!section.Body.EndsWith('\n'))
        {
            sb.Append('\n');
        }
    }

    /// <summary>kse development specs and which of them are finished but have no operations spec yet (the hand-off).</summary>
    public OpsStatus Status()
    {
        var specs = new List<DevSpecStatus>();
        foreach (var name in workspace.ListProjects())
        {
            var dir = workspace.ProjectDir(name);
            var tasks = Path.Combine(dir, "tasks.md");
            if (!File.Exists(tasks))
            {
                continue;
            }

            var boxes = TaskCheckbox().Matches(File.ReadAllText(tasks));
            var done = boxes.Count(m => m.Groups[1].Value is "x" or "X");
            var hasOps = Directory.Exists(Path.Combine(dir, "operations"));
            var needs = boxes.Count > 0 && done == boxes.Count && !hasOps;
            var status = new DevSpecStatus(name, done, boxes.Count, hasOps, needs, needs ? $"kse ops init {name} --system-type kse" : null);
            if (hasOps && boxes.Count > 0 && done == boxes.Count)
            {
                // A finished spec whose code changed operational things: which operations documents must follow.
                var updates = _devSpecChecks.SelectMany(c => c.Check(status)).ToList();
                status = status with { OperationsUpdates = updates.Count > 0 ? updates : null };
            }

            specs.Add(status);
        }

        return new OpsStatus(specs, specs.Where(s => s.NeedsOperationsSpec).Select(s => s.Name).ToList())
        {
            NeedOperationsUpdate = specs.Where(s => s.OperationsUpdates is { Count: > 0 }).Select(s => s.Name).ToList(),
        };
    }

    private MarkdownSpec? LoadShared(SpecDocumentKind kind)
    {
        var path = Path.Combine(workspace.SharedOperationsDir, kind.Name);
        if (kind.IsYaml || !File.Exists(path) || new FileInfo(path).Length > MaxDocumentBytes)
        {
            return null;
        }

        return MarkdownSpec.Parse(InputLimits.ReadText(path, "spec.document", $".sce/shared/operations/{kind.Name}"), $".sce/shared/operations/{kind.Name}");
    }

    private void RequireProject(string project)
    {
        ProjectName.Validate(project);
        var dir = workspace.ProjectDir(project);
        if (!Directory.Exists(dir))
        {
            throw KseException.NotFound("spec.project_not_found", $"project '{project}' has no folder .sce/specs/{project}: run 'kse ops init {project}'");
        }
    }
}
