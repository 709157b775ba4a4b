namespace Kse.Core;

/// <summary>The folder that holds <c>.sce/</c>, and every path Kse derives from it.</summary>
public sealed class KseWorkspace
{
    public const string SceFolder = ".sce";

    public KseWorkspace(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string SceDir => Path.Combine(Root, SceFolder);

    public string SpecsDir => Path.Combine(SceDir, "specs");

    public string SharedOperationsDir => Path.Combine(SceDir, "shared", "operations");

    public string StateDir => Path.Combine(SceDir, "state");

    public string LogsDir => Path.Combine(StateDir, "logs");

    public string DatabasePath => Path.Combine(StateDir, "kse.db");

    /// <summary>The audit trail's own LiteDB file, written by one process at a time (see <see cref="AuditLockPath"/>).</summary>
    public string AuditDatabasePath => Path.Combine(StateDir, "audit.db");

    /// <summary>The lock file whose exclusive OS lock a process holds while it has the audit file open.</summary>
    public string AuditLockPath => Path.Combine(StateDir, "audit.lock");

    public string DependenciesFile => Path.Combine(SceDir, "dependencies.yaml");

    public string SettingsFile => Path.Combine(SceDir, "appsettings.json");

    public bool IsInitialized => Directory.Exists(SceDir);

    /// <summary><c>.sce/specs/&lt;project&gt;</c>, after checking the name is a slug.</summary>
    public string ProjectDir(string project) => Path.Combine(SpecsDir, ProjectName.Validate(project));

    public string OperationsDir(string project) => Path.Combine(ProjectDir(project), "operations");

    public string ProjectFile(string project) => Path.Combine(ProjectDir(project), "project.yaml");

    /// <summary>The nearest ancestor of <paramref name="start"/> that has <c>.sce/</c>, else <paramref name="start"/> itself.</summary>
    public static KseWorkspace Discover(string start)
    {
        var full = Path.GetFullPath(start);
        for (var dir = new DirectoryInfo(full); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, SceFolder)))
            {
                return new KseWorkspace(dir.FullName);
            }
        }

        return new KseWorkspace(full);
    }

    /// <summary>Projects that have a folder under <c>.sce/specs</c> with a valid slug name, sorted.</summary>
    public IReadOnlyList<string> ListProjects()
    {
        if (!Directory.Exists(SpecsDir))
        {
            return [];
        }

        return Directory.GetDirectories(SpecsDir)
            .Select(Path.GetFileName)
            .Where(ProjectName.IsValid)
            .Select(n => n!)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Throws <c>workspace.not_initialized</c> unless <c>.sce/</c> exists.</summary>
    public void EnsureInitialized()
    {
        if (!IsInitialized)
        {
            throw KseException.NotFound("workspace.not_initialized", $"no {SceFolder}/ folder in '{Root}': run 'kse init' first, or pass --root");
        }
    }
}
