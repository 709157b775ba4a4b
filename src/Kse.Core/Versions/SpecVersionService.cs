using System.Security.Cryptography;
using System.Text;
using Kse.Core.Audit;
using Kse.Core.Changes;
using Kse.Core.Projects;
using Kse.Core.Specs;

namespace Kse.Core.Versions;

/// <summary>
/// Versions of a project's operations spec (<c>operations/versions/&lt;version&gt;/</c>): create them (full copy or diff), resolve
/// a version to its documents, compare two versions, hot-fix one version's document, and link a version to its code revision.
/// </summary>
public sealed class SpecVersionService(KseWorkspace workspace, SpecService specs, TimeProvider clock, IAuditTrail? audit = null, string git = "git") : Execution.ISpecVersionResolver
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Project, string? Version), (string Stamp, Execution.VersionedCatalog Catalog)> _catalogs = new();

    /// <summary>The name of the spec in <c>operations/</c> itself.</summary>
    public const string Main = "main";

    public const string HotfixOperationType = "ops.hotfix";

    /// <summary>Diff chains longer than this are refused (a base naming a base naming ...).</summary>
    private const int MaxChain = 32;

    /// <summary>The body of a section that removes its base's section of the same heading.</summary>
    public const string RemovedMarker = "<!-- kse:removed -->";

    public KseWorkspace Workspace => workspace;

    public string VersionsDir(string project) => Path.Combine(workspace.OperationsDir(project), "versions");

    private string Relative(string path) => Path.GetRelativePath(workspace.Root, path).Replace('\\', '/');

    /// <summary>A version folder as read from disk.</summary>
    internal sealed record StoredVersion(SemanticVersion Version, string Name, string Dir, VersionManifest Manifest, bool HasManifest, IReadOnlyList<string> Problems);

    /// <summary>The versions stored for <paramref name="project"/>, lowest first. Folders whose name is not a version are ignored.</summary>
    internal IReadOnlyList<StoredVersion> LoadVersions(string project)
    {
        var dir = VersionsDir(project);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var result = new List<StoredVersion>();
        foreach (var sub in Directory.GetDirectories(dir))
        {
            var name = Path.GetFileName(sub);
            if (!SemanticVersion.TryParse(name, out var v) || v.ToString() != name)
            {
                continue;
            }

            var file = Path.Combine(sub, VersionManifest.FileName);
            var problems = new List<string>();
            VersionManifest? manifest = null;
            if (File.Exists(file))
            {
                try
                {
                    manifest = VersionManifest.Parse(name, InputLimits.ReadText(file, "versions.manifest", Relative(file), VersionManifest.MaxBytes), Relative(file));
                }
                catch (KseException ex)
                {
                    problems.Add(ex.Message);
                }
            }

            result.Add(new StoredVersion(v, name, sub, manifest ?? new VersionManifest { Version = name }, manifest is not null, problems));
        }

        result.Sort((a, b) => a.Version.CompareTo(b.Version));

        // A diff version without a named base overlays what its own version would resolve to without it.
        return result.Select(s => s.Manifest.Base is null && s.Manifest.Strategy == SpecVersionStrategy.Diff
            ? s with { Manifest = s.Manifest with { Base = Select(result.Where(o => o.Version.CompareTo(s.Version) < 0).ToList(), s.Version).Chosen?.Name ?? Main } }
            : s).ToList();
    }

    /// <summary>
    /// The spec version <paramref name="requested"/> resolves to: the exact version, else the nearest lower version of the same
    /// major.minor, else of the same major, else the main spec (null).
    /// </summary>
    internal static (StoredVersion? Chosen, string Reason) Select(IReadOnlyList<StoredVersion> versions, SemanticVersion requested)
    {
        if (versions.FirstOrDefault(v => v.Version.CompareTo(requested) == 0) is { } exact)
        {
            return (exact, $"version {exact.Name} exists");
        }

        if (versions.Where(v => v.Version.Major == requested.Major && v.Version.Minor == requested.Minor && v.Version.CompareTo(requested) < 0).LastOrDefault() is { } minor)
        {
            return (minor, $"no version {requested}: {minor.Name} is the nearest lower version of {requested.Major}.{requested.Minor}");
        }

        if (versions.Where(v => v.Version.Major == requested.Major && v.Version.CompareTo(requested) < 0).LastOrDefault() is { } major)
        {
            return (major, $"no version {requested} and none lower of {requested.Major}.{requested.Minor}: {major.Name} is the nearest lower version of {requested.Major}.x");
        }

        return (null, $"no version of {requested.Major}.x at or below {requested}: the main spec (operations/)");
    }

    /// <summary>
    /// Resolves the operations documents of <paramref name="project"/> for <paramref name="version"/> (null or <c>main</c>: the main
    /// spec). With <paramref name="strict"/> a version that is not a semantic version is an error; otherwise it resolves to the main spec.
    /// </summary>
    public ResolvedSpec Resolve(string project, string? version, bool strict = true)
    {
        RequireProject(project);
        var versions = LoadVersions(project);
        StoredVersion? chosen = null;
        string reason;
        if (string.IsNullOrWhiteSpace(version) || version.Trim() == Main)
        {
            reason = "no version asked: the main spec (operations/)";
        }
        else if (!SemanticVersion.TryParse(version, out var requested))
        {
            if (strict)
            {
                SemanticVersion.Parse(version);
            }

            reason = $"'{version}' is not a semantic version: the main spec (operations/)";
        }
        else
        {
            (chosen, reason) = Select(versions, requested);
        }

        var names = DocumentNames(project, versions);
        var chain = new List<string>();
        var documents = new List<ResolvedDocument>();
        foreach (var name in names)
        {
            var layer = chosen is null ? MainLayer(project, name) : VersionLayer(project, versions, chosen, name, []);
            if (layer is not null)
            {
                documents.Add(layer.ToDocument(name));
            }
        }

        for (var v = chosen; v is not null && chain.Count <= MaxChain;)
        {
            chain.Add(v.Name);
            if (v.Manifest.Strategy == SpecVersionStrategy.Full)
            {
                break;
            }

            var next = v.Manifest.Base is { } b && b != Main ? versions.FirstOrDefault(o => o.Name == b) : null;
            if (next is null || chain.Contains(next.Name))
            {
                chain.Add(Main);
                break;
            }

            v = next;
        }

        if (chosen is null)
        {
            chain.Add(Main);
        }

        return new ResolvedSpec
        {
            Project = project,
            RequestedVersion = string.IsNullOrWhiteSpace(version) ? null : version.Trim(),
            SpecVersion = chosen?.Name ?? Main,
            Reason = reason,
            Chain = chain,
            Documents = documents,
        };
    }

    /// <summary>Resolves the spec an instance of <paramref name="project"/> runs: its <c>version</c> in project.yaml (lenient: a non-version resolves to the main spec).</summary>
    public ResolvedSpec ResolveForInstance(string project, Specs.ProjectInstance instance) => Resolve(project, instance.Version, strict: false);

    /// <summary>
    /// The catalog planning uses for an instance at <paramref name="version"/>: resolved as <see cref="Resolve"/> does (leniently), and
    /// reused until a file of the project's spec or its versions changes.
    /// </summary>
    public Execution.VersionedCatalog CatalogFor(string project, string? version)
    {
        ProjectName.Validate(project);
        var ops = workspace.OperationsDir(project);
        var versionsDir = VersionsDir(project);
        var subdirs = Directory.Exists(versionsDir) ? Directory.GetDirectories(versionsDir).Order(StringComparer.Ordinal).ToList() : [];
        var stamp = FileStamp.Of([workspace.ProjectFile(project)], [workspace.ProjectDir(project), ops, versionsDir, .. subdirs]) + string.Join('|', subdirs);
        var key = (project, string.IsNullOrWhiteSpace(version) ? null : version.Trim());
        if (_catalogs.TryGetValue(key, out var cached) && cached.Stamp == stamp)
        {
            return cached.Catalog;
        }

        var spec = Resolve(project, version, strict: false);
        var catalog = new Execution.VersionedCatalog(spec.SpecVersion, spec.Catalog(), spec.Documents.ToDictionary(d => d.Name, d => d.Sha256, StringComparer.Ordinal));
        _catalogs[key] = (stamp, catalog);
        return catalog;
    }

    /// <summary>The nine documents, then any other Markdown document in the main folder or a version folder, in order.</summary>
    private IReadOnlyList<string> DocumentNames(string project, IReadOnlyList<StoredVersion> versions)
    {
        var names = SpecDocuments.All.Select(d => d.Name).ToList();
        var extra = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var dir in versions.Select(v => v.Dir).Prepend(workspace.OperationsDir(project)).Where(Directory.Exists))
        {
            foreach (var f in Directory.GetFiles(dir, "*.md"))
            {
                extra.Add(Path.GetFileName(f));
            }
        }

        names.AddRange(extra.Where(n => !names.Contains(n)));
        return names;
    }

    /// <summary>A resolved document while it is being built: its text and where each section came from.</summary>
    private sealed record Layer(string Text, string Version, string Source, bool Overlaid, IReadOnlyList<ResolvedSection> Sections, byte[]? Bytes)
    {
        public ResolvedDocument ToDocument(string name) => new()
        {
            Name = name,
            Version = Version,
            Source = Source,
            Overlaid = Overlaid,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(Bytes ?? Encoding.UTF8.GetBytes(Text))),
            Sections = Sections,
            Text = Text,
        };
    }

    private Layer? MainLayer(string project, string name) => FileLayer(Path.Combine(workspace.OperationsDir(project), name), Main);

    private Layer? FileLayer(string path, string version)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var source = Relative(path);
        var text = InputLimits.ReadText(path, "spec.document", source);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length > SpecService.MaxDocumentBytes)
        {
            // It grew after it was read: hash what was read.
            bytes = Encoding.UTF8.GetBytes(text);
        }

        var sections = path.EndsWith(".md", StringComparison.Ordinal)
            ? MarkdownSpec.Parse(text, source).Sections.Select(s => new ResolvedSection(s.Heading, version, source)).ToList()
            : [];
        return new Layer(text, version, source, false, sections, bytes);
    }

    private Layer? VersionLayer(string project, IReadOnlyList<StoredVersion> versions, StoredVersion version, string name, HashSet<string> visited)
    {
        visited.Add(version.Name);
        var own = FileLayer(Path.Combine(version.Dir, name), version.Name);
        if (version.Manifest.Strategy == SpecVersionStrategy.Full)
        {
            return own;
        }

        var baseVersion = version.Manifest.Base is { } b && b != Main ? versions.FirstOrDefault(v => v.Name == b) : null;
        var below = baseVersion is not null && !visited.Contains(baseVersion.Name) && visited.Count < MaxChain
            ? VersionLayer(project, versions, baseVersion, name, visited)
            : MainLayer(project, name);
        if (own is null)
        {
            return below;
        }

        if (below is null || !name.EndsWith(".md", StringComparison.Ordinal))
        {
            return own;
        }

        return Overlay(below, own);
    }

    /// <summary>The base document with each <c>##</c> section the upper document has replaced by the upper one's; new sections are appended.</summary>
    private static Layer Overlay(Layer below, Layer upper)
    {
        var b = MarkdownSpec.Parse(below.Text);
        var u = MarkdownSpec.Parse(upper.Text);
        var sb = new StringBuilder();
        var sections = new List<ResolvedSection>();
        var usedUpper = new HashSet<int>();
        var anyBelow = false;
        var preambleFromUpper = MarkdownSpec.HasContent(u.Preamble);
        sb.Append(preambleFromUpper ? u.Preamble : b.Preamble);
        anyBelow |= !preambleFromUpper && MarkdownSpec.HasContent(b.Preamble);
        foreach (var section in b.Sections)
        {
            var key = SpecDocuments.NormalizeHeading(section.Heading);
            var index = IndexOf(u, key, usedUpper);
            if (index >= 0)
            {
                usedUpper.Add(index);
                var replacement = u.Sections[index];
                if (!IsRemoval(replacement))
                {
                    Append(sb, replacement);
                    sections.Add(new ResolvedSection(replacement.Heading, upper.Version, upper.Source));
                }

                continue;
            }

            anyBelow = true;
            Append(sb, section);
            sections.Add(below.Sections.FirstOrDefault(s => SpecDocuments.NormalizeHeading(s.Heading) == key) ?? new ResolvedSection(section.Heading, below.Version, below.Source));
        }

        for (var i = 0; i < u.Sections.Count; i++)
        {
            if (!usedUpper.Contains(i) && !IsRemoval(u.Sections[i]))
            {
                Append(sb, u.Sections[i]);
                sections.Add(new ResolvedSection(u.Sections[i].Heading, upper.Version, upper.Source));
            }
        }

        // Everything came from the upper file: it is the document as written.
        return anyBelow
            ? new Layer(sb.ToString(), upper.Version, upper.Source, true, sections, null)
            : upper with { Sections = sections };
    }

    private static int IndexOf(MarkdownSpec spec, string key, HashSet<int> used)
    {
        for (var i = 0; i < spec.Sections.Count; i++)
        {
            if (!used.Contains(i) && SpecDocuments.NormalizeHeading(spec.Sections[i].Heading) == key)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsRemoval(SpecSection section) => section.Body.Trim() == RemovedMarker;

    private static void Append(StringBuilder sb, SpecSection section)
    {
        if (sb.Length > 0 && sb[^1] != '\n')
        {
            sb.Append('\n');
        }

        // A section's body starts with the end of its heading line.
        sb.Append("## ").Append(section.Heading);
        if (!section.Body.StartsWith('\n'))
        {
            sb.Append('\n');
        }

        sb.Append(section.Body);
        if (!section.Body.EndsWith('\n'))
        {
            sb.Append('\n');
        }
    }

    /// <summary>Every version with its strategy, base, code revision and the instances that resolve to it.</summary>
    public SpecVersionList List(string project)
    {
        RequireProject(project);
        var versions = LoadVersions(project);
        var manifest = ProjectManifest.Load(workspace, project);
        var byVersion = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var instance in manifest.Instances)
        {
            var target = SemanticVersion.TryParse(instance.Version, out var v) ? Select(versions, v).Chosen?.Name ?? Main : Main;
            (byVersion.TryGetValue(target, out var list) ? list : byVersion[target] = []).Add(instance.Id);
        }

        return new SpecVersionList
        {
            Project = project,
            MainVersion = manifest.Version,
            MainInstances = byVersion.GetValueOrDefault(Main) ?? [],
            Versions = versions.Select(v => Info(v, byVersion.GetValueOrDefault(v.Name) ?? [])).ToList(),
        };
    }

    private SpecVersionInfo Info(StoredVersion v, IReadOnlyList<string> instances) => new()
    {
        Version = v.Name,
        Strategy = v.Manifest.Strategy,
        Base = v.Manifest.Base,
        Directory = Relative(v.Dir),
        Documents = Directory.GetFiles(v.Dir).Select(Path.GetFileName).OfType<string>().Where(n => n != VersionManifest.FileName && !n.EndsWith(".tmp", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList(),
        Revision = v.Manifest.Revision,
        Tag = v.Manifest.Tag,
        Created = v.Manifest.Created,
        Linked = v.Manifest.Linked,
        Instances = instances,
        Problems = v.Problems,
    };

    /// <summary>
    /// Creates version <paramref name="version"/>. Default strategy: full for a new major version (x.0.0), diff otherwise. A full
    /// version copies the resolved documents of <paramref name="from"/> (default: what the version resolves to today); a diff
    /// version stores only <c>version.yaml</c> naming its base until a document differs.
    /// </summary>
    public SpecVersionCreated Create(string project, string version, SpecVersionStrategy? strategy = null, string? from = null) =>
        CreateCore(project, SemanticVersion.Parse(version), strategy, from, null, null, null);

    private SpecVersionCreated CreateCore(string project, SemanticVersion version, SpecVersionStrategy? strategy, string? from, IReadOnlyDictionary<string, string>? documents, string? revision, string? tag)
    {
        RequireProject(project);
        if (!Directory.Exists(workspace.OperationsDir(project)))
        {
            throw KseException.NotFound("spec.operations_not_found", $"project '{project}' has no operations spec: run 'kse ops init {project}' first");
        }

        var name = version.ToString();
        var versions = LoadVersions(project);
        if (versions.Any(v => v.Name == name))
        {
            throw KseException.BadInput("versions.exists", $"version {name} of '{project}' already exists ({Relative(Path.Combine(VersionsDir(project), name))})");
        }

        var chosenStrategy = strategy ?? (version.Minor == 0 && version.Patch == 0 ? SpecVersionStrategy.Full : SpecVersionStrategy.Diff);
        string baseName;
        if (from is null)
        {
            baseName = Select(versions, version).Chosen?.Name ?? Main;
        }
        else if (from.Trim() == Main)
        {
            baseName = Main;
        }
        else
        {
            baseName = SemanticVersion.Parse(from).ToString();
            if (versions.All(v => v.Name != baseName))
            {
                throw KseException.NotFound("versions.not_found", $"project '{project}' has no version {baseName} to start from (versions: {Names(versions)})");
            }
        }

        var baseSpec = Resolve(project, baseName);
        var dir = Path.Combine(VersionsDir(project), name);
        var staging = Path.Combine(VersionsDir(project), $".{name}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        var written = new List<string>();
        try
        {
            foreach (var doc in baseSpec.Documents)
            {
                // A full copy takes every document; a diff version only those that differ from its base (a tag's documents, say).
                string? text = null;
                if (documents is not null && documents.TryGetValue(doc.Name, out var tagged))
                {
                    text = chosenStrategy == SpecVersionStrategy.Full || tagged != doc.Text ? tagged : null;
                    if (text is not null && chosenStrategy == SpecVersionStrategy.Diff && doc.Name.EndsWith(".md", StringComparison.Ordinal))
                    {
                        text += RemovedSections(doc.Text, text);
                    }
                }
                else if (chosenStrategy == SpecVersionStrategy.Full)
                {
                    text = doc.Text;
                }

                if (text is not null)
                {
                    File.WriteAllText(Path.Combine(staging, doc.Name), text);
                    written.Add(doc.Name);
                }
            }

            foreach (var (docName, text) in documents ?? new Dictionary<string, string>())
            {
                if (baseSpec.Find(docName) is null)
                {
                    File.WriteAllText(Path.Combine(staging, docName), text);
                    written.Add(docName);
                }
            }

            var now = clock.GetUtcNow();
            var manifest = new VersionManifest
            {
                Version = name,
                Strategy = chosenStrategy,
                Base = baseName,
                Created = now,
                Revision = revision,
                Tag = tag,
                Linked = revision is null ? null : now,
            };
            File.WriteAllText(Path.Combine(staging, VersionManifest.FileName), manifest.ToYaml());
            Directory.Move(staging, dir);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }

        return new SpecVersionCreated
        {
            Project = project,
            Version = name,
            Strategy = chosenStrategy,
            Base = baseName,
            Directory = Relative(dir),
            Documents = written.Order(StringComparer.Ordinal).ToList(),
            Revision = revision,
            Tag = tag,
        };
    }

    /// <summary>For a diff document that must read exactly as <paramref name="own"/>: a removal for each base section it lacks.</summary>
    private static string RemovedSections(string baseText, string own)
    {
        var mine = MarkdownSpec.Parse(own);
        var sb = new StringBuilder();
        foreach (var section in MarkdownSpec.Parse(baseText).Sections.Where(s => mine.Find(s.Heading) is null))
        {
            sb.Append(sb.Length == 0 && !own.EndsWith('\n') ? "\n\n" : "\n").Append("## ").Append(section.Heading).Append("\n\n").Append(RemovedMarker).Append('\n');
        }

        return sb.ToString();
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string Names(IReadOnlyList<StoredVersion> versions) => versions.Count == 0 ? "none" : string.Join(", ", versions.Select(v => v.Name));

    /// <summary>
    /// Makes a version for each tag <c>v&lt;version&gt;</c> of the repository that has none yet (or only for <paramref name="version"/>),
    /// linked to the tag; the documents are those of the operations folder at the tag (a diff version keeps only those that differ).
    /// </summary>
    public async Task<SpecVersionsFromTags> CreateFromTagsAsync(string project, string? version, SpecVersionStrategy? strategy, CancellationToken cancellationToken = default)
    {
        RequireProject(project);
        List<string> tags;
        if (version is not null)
        {
            tags = ["v" + SemanticVersion.Parse(version)];
        }
        else
        {
            var (code, output, error) = await GitDiff.RunAsync(git, ["-C", workspace.Root, "tag", "--list", "v*"], cancellationToken);
            if (code != 0)
            {
                throw GitError(error, code);
            }

            tags = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        }

        var parsed = tags
            .Select(t => (Tag: t, Ok: SemanticVersion.TryParse(t, out var v), Version: v))
            .Where(t => t.Ok && t.Tag.StartsWith('v'))
            .OrderBy(t => t.Version)
            .ToList();
        var created = new List<SpecVersionCreated>();
        var skipped = new List<string>();
        foreach (var (tag, _, v) in parsed)
        {
            if (LoadVersions(project).Any(s => s.Name == v.ToString()))
            {
                skipped.Add($"{tag}: version {v} exists");
                continue;
            }

            var revision = await GitDiff.ResolveAsync(workspace.Root, GitDiff.CheckRevision(tag, "tag"), git, cancellationToken);
            var documents = await DocumentsAtAsync(project, revision, cancellationToken);
            created.Add(CreateCore(project, v, strategy, null, documents, revision, tag));
        }

        if (version is not null && created.Count == 0 && skipped.Count == 0)
        {
            throw KseException.NotFound("versions.tag_not_found", $"no tag v{SemanticVersion.Parse(version)} in the repository at {workspace.Root}");
        }

        return new SpecVersionsFromTags(project, created, skipped);
    }

    /// <summary>The operations documents of the project at a commit; empty when the folder did not exist then.</summary>
    private async Task<IReadOnlyDictionary<string, string>> DocumentsAtAsync(string project, string revision, CancellationToken cancellationToken)
    {
        var folder = "./" + Relative(workspace.OperationsDir(project));
        var (code, output, _) = await GitDiff.RunAsync(git, ["-C", workspace.Root, "ls-tree", "--name-only", $"{revision}:{folder}"], cancellationToken);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (code != 0)
        {
            return result;
        }

        foreach (var name in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!(name.EndsWith(".md", StringComparison.Ordinal) || name == SpecDocuments.ToolsYaml) || name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.'))
            {
                continue;
            }

            var (c, text, _) = await GitDiff.RunAsync(git, ["-C", workspace.Root, "show", $"{revision}:{folder}/{name}"], cancellationToken);
            if (c == 0 && text.Length <= SpecService.MaxDocumentBytes)
            {
                result[name] = text;
            }
        }

        return result;
    }

    /// <summary>
    /// Records the code revision version <paramref name="version"/> describes: <paramref name="revision"/>, or by default the tag
    /// <c>v&lt;version&gt;</c>; read through the git CLI.
    /// </summary>
    public async Task<SpecVersionLink> LinkAsync(string project, string version, string? revision, CancellationToken cancellationToken = default)
    {
        RequireProject(project);
        var name = SemanticVersion.Parse(version).ToString();
        var stored = LoadVersions(project).FirstOrDefault(v => v.Name == name)
            ?? throw KseException.NotFound("versions.not_found", $"project '{project}' has no version {name} (versions: {Names(LoadVersions(project))}); create it with 'kse ops version create {project} {name}'");
        if (stored.Problems.Count > 0)
        {
            throw KseException.BadInput("versions.manifest_invalid", stored.Problems[0]);
        }

        string? tag = null;
        string commit;
        if (revision is null)
        {
            tag = "v" + name;
            var (code, output, error) = await GitDiff.RunAsync(git, ["-C", workspace.Root, "rev-parse", "--verify", "--quiet", $"refs/tags/{tag}^{{commit}}"], cancellationToken);
            if (code != 0 || output.Trim().Length == 0)
            {
                if (error.Contains("not a git repository", StringComparison.OrdinalIgnoreCase))
                {
                    throw KseException.NotFound("change.not_a_repository", $"'{workspace.Root}' is not a git repository");
                }

                throw KseException.NotFound("versions.tag_not_found", $"no tag {tag} in the repository at {workspace.Root}: tag the release, or name the revision (rev)");
            }

            commit = output.Trim();
        }
        else
        {
            commit = await GitDiff.ResolveAsync(workspace.Root, GitDiff.CheckRevision(revision, "--rev"), git, cancellationToken);
            var (code, _, _) = await GitDiff.RunAsync(git, ["-C", workspace.Root, "rev-parse", "--verify", "--quiet", $"refs/tags/{revision}"], cancellationToken);
            tag = code == 0 ? revision : null;
        }

        var updated = stored.Manifest with { Revision = commit, Tag = tag, Linked = clock.GetUtcNow() };
        WriteAtomically(Path.Combine(stored.Dir, VersionManifest.FileName), updated.ToYaml());
        return new SpecVersionLink(project, name, commit, tag, Relative(stored.Dir));
    }

    private static GitFailure GitError(string error, int code) =>
        error.Contains("not a git repository", StringComparison.OrdinalIgnoreCase)
            ? new GitFailure("change.not_a_repository", "the workspace is not a git repository", KseErrorKind.NotFound)
            : new GitFailure("change.git_failed", $"git exited {code}: {error.Split('\n')[0]}", KseErrorKind.Failure);

    private sealed class GitFailure(string code, string message, KseErrorKind kind) : KseException(code, message, kind);

    private static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>One document as version <paramref name="version"/> resolves it; <paramref name="shared"/> also merges the shared library.</summary>
    public VersionedDocumentView Show(string project, string document, string version, bool shared)
    {
        var kind = SpecDocuments.Find(document);
        var spec = Resolve(project, version);
        var doc = spec.Find(kind.Name)
            ?? throw KseException.NotFound("spec.document_not_found", $"version {spec.SpecVersion} of '{project}' has no {kind.Name} ({spec.Reason})");
        var text = doc.Text;
        IReadOnlyList<string> fromShared = [];
        if (shared && !kind.IsYaml)
        {
            var merged = specs.MergeShared(project, kind, doc.Text);
            text = merged.Text;
            fromShared = merged.SharedSections;
        }

        return new VersionedDocumentView
        {
            Project = project,
            Name = kind.Name,
            RequestedVersion = version,
            SpecVersion = spec.SpecVersion,
            Source = doc.Source,
            Resolved = shared,
            Sha256 = doc.Sha256,
            Sections = doc.Sections,
            SharedSections = fromShared,
            Text = text,
        };
    }

    /// <summary>Validates the documents version <paramref name="version"/> resolves to, as <c>kse ops validate</c> does for the main spec.</summary>
    public ValidationReport Validate(string project, string version)
    {
        var spec = Resolve(project, version);
        var report = specs.Validate(project, spec.Documents.ToDictionary(d => d.Name, d => d.Text, StringComparer.Ordinal));
        var problems = LoadVersions(project).Where(v => spec.Chain.Contains(v.Name)).SelectMany(v => v.Problems).ToList();
        return report with
        {
            Valid = report.Valid && problems.Count == 0,
            ManifestErrors = [.. report.ManifestErrors, .. problems],
            SpecVersion = spec.SpecVersion,
        };
    }

    /// <summary>Documents, sections and operation blocks that differ between what <paramref name="from"/> and <paramref name="to"/> resolve to.</summary>
    public SpecVersionDiff Diff(string project, string from, string to)
    {
        var a = Resolve(project, from);
        var b = Resolve(project, to);
        var documents = new List<DocumentChange>();
        foreach (var name in a.Documents.Select(d => d.Name).Union(b.Documents.Select(d => d.Name)))
        {
            var da = a.Find(name);
            var db = b.Find(name);
            if (da is null || db is null)
            {
                documents.Add(new DocumentChange { Name = name, Change = da is null ? "added" : "removed", FromSource = da?.Source, ToSource = db?.Source });
                continue;
            }

            if (da.Sha256 == db.Sha256)
            {
                continue;
            }

            documents.Add(new DocumentChange
            {
                Name = name,
                Change = "changed",
                FromSource = da.Source,
                ToSource = db.Source,
                Sections = name.EndsWith(".md", StringComparison.Ordinal) ? SectionChanges(da.Text, db.Text) : [],
            });
        }

        var operations = OperationChanges(a.Catalog(), b.Catalog());
        return new SpecVersionDiff
        {
            Project = project,
            From = from,
            FromSpecVersion = a.SpecVersion,
            To = to,
            ToSpecVersion = b.SpecVersion,
            Identical = documents.Count == 0,
            Documents = documents,
            Operations = operations,
        };
    }

    private static List<SectionChange> SectionChanges(string from, string to)
    {
        var a = MarkdownSpec.Parse(from);
        var b = MarkdownSpec.Parse(to);
        var changes = new List<SectionChange>();
        if (Normalize(a.Preamble) != Normalize(b.Preamble))
        {
            changes.Add(new SectionChange("(preamble)", "changed"));
        }

        foreach (var s in a.Sections)
        {
            var other = b.Find(s.Heading);
            if (other is null)
            {
                changes.Add(new SectionChange(s.Heading, "removed"));
            }
            else if (Normalize(other.Body) != Normalize(s.Body))
            {
                changes.Add(new SectionChange(s.Heading, "changed"));
            }
        }

        changes.AddRange(b.Sections.Where(s => a.Find(s.Heading) is null).Select(s => new SectionChange(s.Heading, "added")));
        return changes;
    }

    private static string Normalize(string text) => string.Join('\n', text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd())).Trim();

    private static List<OperationChange> OperationChanges(Execution.OperationCatalog from, Execution.OperationCatalog to)
    {
        var changes = new List<OperationChange>();
        foreach (var op in from.Operations)
        {
            var other = to.Find(op.Name);
            if (other is null)
            {
                changes.Add(new OperationChange { Name = op.Name, Change = "removed", Document = op.Document, Risk = op.Risk });
                continue;
            }

            var fields = new List<string>();
            string? was = null, now = null;
            if (!op.Command.SequenceEqual(other.Command))
            {
                fields.Add("command");
                was = Execution.ShellWords.Join(op.Command);
                now = Execution.ShellWords.Join(other.Command);
            }

            if (op.Risk != other.Risk)
            {
                fields.Add("risk");
            }

            if (!op.Parameters.SequenceEqual(other.Parameters, ParameterComparer.Instance))
            {
                fields.Add("parameters");
            }

            if (op.Timeout != other.Timeout)
            {
                fields.Add("timeout");
            }

            if (op.Verify != other.Verify)
            {
                fields.Add("verify");
            }

            if (op.Rollback != other.Rollback)
            {
                fields.Add("rollback");
            }

            if (op.Idempotent != other.Idempotent)
            {
                fields.Add("idempotent");
            }

            if (op.Description != other.Description)
            {
                fields.Add("description");
            }

            if (fields.Count > 0)
            {
                changes.Add(new OperationChange
                {
                    Name = op.Name, Change = "changed", Document = other.Document, Risk = other.Risk,
                    PreviousRisk = op.Risk != other.Risk ? op.Risk : null, Fields = fields, From = was, To = now,
                });
            }
        }

        changes.AddRange(to.Operations.Where(o => from.Find(o.Name) is null).Select(o => new OperationChange { Name = o.Name, Change = "added", Document = o.Document, Risk = o.Risk }));
        return changes;
    }

    private sealed class ParameterComparer : IEqualityComparer<Execution.OperationParameter>
    {
        public static readonly ParameterComparer Instance = new();

        public bool Equals(Execution.OperationParameter? x, Execution.OperationParameter? y) =>
            x is not null && y is not null && x.Name == y.Name && x.Type == y.Type && x.Pattern == y.Pattern && x.Min == y.Min && x.Max == y.Max
            && x.Default == y.Default && (x.Values ?? []).SequenceEqual(y.Values ?? []);

        public int GetHashCode(Execution.OperationParameter obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }

    /// <summary>
    /// A hot fix of one document in one version: the version gets its own copy (from its resolved text) when it has none, then
    /// <paramref name="newText"/> replaces it, or <paramref name="edit"/> edits the file in place. Other versions and the main spec
    /// are untouched. Audited as <c>ops.hotfix</c> with the document's resolved SHA-256 before and after.
    /// </summary>
    public async Task<HotfixResult> HotfixAsync(string project, string version, string document, string? newText, Func<string, CancellationToken, Task>? edit, Actor actor, CancellationToken cancellationToken = default)
    {
        RequireProject(project);
        var kind = SpecDocuments.Find(document);
        var name = SemanticVersion.Parse(version).ToString();
        var stored = LoadVersions(project).FirstOrDefault(v => v.Name == name)
            ?? throw KseException.NotFound("versions.not_found", $"project '{project}' has no version {name} (versions: {Names(LoadVersions(project))}); create it with 'kse ops version create {project} {name}'");
        if (newText is not null)
        {
            CheckText(newText, kind.Name);
        }

        var before = Resolve(project, name).Find(kind.Name);
        var others = LoadVersions(project).Where(v => v.Name != name).ToDictionary(v => v.Name, v => Resolve(project, v.Name).Find(kind.Name)?.Sha256, StringComparer.Ordinal);
        var path = Path.Combine(stored.Dir, kind.Name);
        var created = !File.Exists(path);
        if (created)
        {
            WriteAtomically(path, before?.Text ?? string.Empty);
        }

        if (newText is not null)
        {
            WriteAtomically(path, newText);
        }
        else if (edit is not null)
        {
            await edit(path, cancellationToken);
            CheckText(File.Exists(path) ? await File.ReadAllTextAsync(path, cancellationToken) : string.Empty, kind.Name);
        }

        var after = Resolve(project, name).Find(kind.Name);
        var beforeHash = before?.Sha256 ?? Convert.ToHexStringLower(SHA256.HashData([]));
        var afterHash = after?.Sha256 ?? Convert.ToHexStringLower(SHA256.HashData([]));
        var warnings = new List<string>();
        if (!kind.IsYaml && after is not null)
        {
            var report = specs.Validate(project, new Dictionary<string, string>(StringComparer.Ordinal) { [kind.Name] = after.Text }, only: kind.Name);
            warnings.AddRange(report.Documents.Where(d => d.Name == kind.Name).SelectMany(d =>
                d.MissingSections.Select(s => $"missing section '## {s}'").Concat(d.UnfilledSections.Select(s => $"unfilled section '{s}'")).Concat(d.Errors)));
        }

        var result = new HotfixResult
        {
            Project = project,
            Version = name,
            Document = kind.Name,
            Path = Relative(path),
            CopyCreated = created,
            Sha256Before = beforeHash,
            Sha256After = afterHash,
            Changed = beforeHash != afterHash,
            Warnings = warnings,
            AlsoChanged = others.Where(o => Resolve(project, o.Key).Find(kind.Name)?.Sha256 != o.Value).Select(o => o.Key).ToList(),
        };
        if (audit is not null)
        {
            await audit.AppendAsync(
                new AuditDraft
                {
                    Actor = actor,
                    OperationType = HotfixOperationType,
                    Project = project,
                    Version = name,
                    Target = $"{kind.Name}@{name}",
                    Parameters = new Dictionary<string, string?>(StringComparer.Ordinal)
                    {
                        ["document"] = kind.Name,
                        ["specVersion"] = name,
                        ["path"] = result.Path,
                        ["copyCreated"] = created ? "true" : "false",
                        ["sha256Before"] = beforeHash,
                        ["sha256After"] = afterHash,
                        ["alsoChanged"] = result.AlsoChanged.Count > 0 ? string.Join(", ", result.AlsoChanged) : null,
                    },
                    Outcome = result.Changed ? "changed" : "unchanged",
                },
                cancellationToken);
        }

        return result;
    }

    private static void CheckText(string text, string document)
    {
        if (Encoding.UTF8.GetByteCount(text) > SpecService.MaxDocumentBytes)
        {
            throw KseException.BadInput("spec.document_too_large", $"the new {document} is larger than {SpecService.MaxDocumentBytes} bytes");
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw KseException.BadInput("spec.document_invalid", $"the new {document} holds NUL characters: it is not a text document");
        }
    }

    private void RequireProject(string project)
    {
        ProjectName.Validate(project);
        if (!Directory.Exists(workspace.ProjectDir(project)))
        {
            throw KseException.NotFound("spec.project_not_found", $"project '{project}' has no folder .sce/specs/{project}: run 'kse ops init {project}'");
        }
    }
}
