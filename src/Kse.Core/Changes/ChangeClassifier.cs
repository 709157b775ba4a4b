namespace Kse.Core.Changes;

/// <summary>What the classifier found in one diff: its findings, highest level first, and the files it read.</summary>
public sealed record ChangeClassification(ChangeLevel Level, IReadOnlyList<ChangeFinding> Findings, int FilesChanged);

/// <summary>
/// Classifies a unified diff into L1 code … L5 architecture. Every file yields at least one finding; a file no rule
/// understands yields <c>change.unknown-file</c> at L2, so nothing unknown ever counts as a plain code change.
/// </summary>
public sealed class ChangeClassifier
{
    public ChangeClassification Classify(string diffText, Func<string, string?>? projectOf = null) =>
        Classify(UnifiedDiff.Parse(diffText), projectOf);

    /// <summary>How many files pass between two progress reports.</summary>
    public const int ProgressEvery = 250;

    public ChangeClassification Classify(IReadOnlyList<DiffFile> files, Func<string, string?>? projectOf = null, IProgress<WorkProgress>? progress = null)
    {
        var sink = new FindingSink(projectOf);
        var listings = new List<DiffFile>();
        var done = 0;
        foreach (var file in files)
        {
            if (progress is not null && done++ % ProgressEvery == 0 && done > 1)
            {
                progress.Report(new WorkProgress(done - 1, files.Count, $"classified {done - 1} of {files.Count} files"));
            }

            var kind = FileKinds.Of(file.Path);
            if (kind == FileKind.PublicApiListing)
            {
                listings.Add(file);
                continue;
            }

            ClassifyFile(file, kind, sink);
        }

        if (listings.Count > 0)
        {
            ApiRules.PublicApiListings(listings, sink);
        }

        var findings = sink.Items
            .OrderByDescending(f => f.Level)
            .ThenBy(f => f.File, StringComparer.Ordinal)
            .ThenBy(f => f.Line)
            .ToList();
        var level = findings.Count == 0 ? ChangeLevel.L1 : findings[0].Level;
        progress?.Report(new WorkProgress(files.Count, files.Count, $"classified {files.Count} files: {level}"));
        return new ChangeClassification(level, findings, files.Count);
    }

    private static void ClassifyFile(DiffFile f, FileKind kind, FindingSink s)
    {
        if (f.IsBinary)
        {
            if (kind == FileKind.Asset)
            {
                s.Add("code.asset", f, 1, "binary asset changed");
            }
            else
            {
                s.Add("change.binary-file", f, 1, $"binary file {Path.GetFileName(f.Path)} changed: its content cannot be classified, so it counts as at least configuration");
            }

            return;
        }

        if (f.Hunks.Count == 0 && f.Status == DiffFileStatus.Renamed)
        {
            RenameOnly(f, kind, s);
            return;
        }

        switch (kind)
        {
            case FileKind.Code:
            case FileKind.Test:
                ApiRules.SourceCode(f, s, kind == FileKind.Test);
                break;
            case FileKind.Docs:
                s.Add("code.docs", f, f.FirstChangedLine, "documentation changed");
                break;
            case FileKind.Asset:
                s.Add("code.asset", f, f.FirstChangedLine, "static asset changed");
                break;
            case FileKind.Build:
                s.Add("code.build", f, f.FirstChangedLine, $"build or dependency file {Path.GetFileName(f.Path)} changed");
                break;
            case FileKind.ProjectFile:
                ArchitectureAndConfigRules.ProjectFile(f, s, FileKinds.IsTestFolder(f.Path.Replace('\\', '/').ToLowerInvariant()) || Path.GetFileNameWithoutExtension(f.Path).EndsWith("Tests", StringComparison.OrdinalIgnoreCase));
                break;
            case FileKind.Dockerfile:
                ArchitectureAndConfigRules.Dockerfile(f, s);
                break;
            case FileKind.Compose:
                ArchitectureAndConfigRules.Compose(f, s);
                break;
            case FileKind.Pipeline:
                s.Add("config.pipeline", f, f.FirstChangedLine, "CI/CD pipeline changed: how the system is built and deployed changes");
                break;
            case FileKind.DependenciesDeclaration:
                s.Add("arch.dependencies-declaration", f, f.FirstChangedLine, "the project dependency graph (.sce/dependencies.yaml) changed: provided and consumed interfaces move");
                break;
            case FileKind.AppSettings:
                ArchitectureAndConfigRules.Config(f, s, "config.app-settings", $"application settings {Path.GetFileName(f.Path)}");
                break;
            case FileKind.EnvFile:
                ArchitectureAndConfigRules.Config(f, s, "config.env-file", $"environment file {Path.GetFileName(f.Path)}");
                break;
            case FileKind.Ini:
                ArchitectureAndConfigRules.Config(f, s, "config.ini", $"settings file {Path.GetFileName(f.Path)}");
                break;
            case FileKind.Toml:
                ArchitectureAndConfigRules.Config(f, s, "config.toml", $"TOML settings {Path.GetFileName(f.Path)}");
                break;
            case FileKind.StructuredConfig:
            case FileKind.HelmValues:
                ArchitectureAndConfigRules.Structured(f, s, kind == FileKind.HelmValues);
                break;
            case FileKind.Proto:
                ApiRules.Proto(f, s);
                break;
            case FileKind.GraphQL:
                ApiRules.GraphQL(f, s);
                break;
            case FileKind.Sql:
                DataRules.Sql(f, s);
                break;
            case FileKind.EfMigration:
                DataRules.EfMigration(f, s);
                break;
            case FileKind.EfSnapshot:
                DataRules.EfSnapshot(f, s);
                break;
            case FileKind.Prisma:
                DataRules.Prisma(f, s);
                break;
            case FileKind.Terraform:
                ArchitectureAndConfigRules.Terraform(f, s);
                break;
            case FileKind.Bicep:
                ArchitectureAndConfigRules.Bicep(f, s);
                break;
            default:
                s.Add("change.unknown-file", f, f.FirstChangedLine, $"no rule understands '{Path.GetFileName(f.Path)}': counted as at least configuration (L2) until a rule covers it");
                break;
        }

        if (s.CountFor(f.Path) == 0)
        {
            s.Add("change.unknown-file", f, f.FirstChangedLine, $"'{Path.GetFileName(f.Path)}' changed in a way no rule recognised: counted as at least configuration (L2)");
        }
    }

    private static void RenameOnly(DiffFile f, FileKind kind, FindingSink s)
    {
        var reason = $"renamed from {f.OldPath} without content changes";
        switch (kind)
        {
            case FileKind.Code or FileKind.Test or FileKind.Docs or FileKind.Asset or FileKind.Build:
                s.Add(kind == FileKind.Test ? "code.test" : kind == FileKind.Docs ? "code.docs" : "code.source", f, 1, reason);
                break;
            case FileKind.Sql or FileKind.EfMigration:
                s.Add("data.applied-migration-edited", f, 1, $"migration {reason}: tools that track migrations by name re-run or miss it", subject: Path.GetFileName(f.Path));
                break;
            default:
                s.Add("change.unknown-file", f, 1, $"{reason}: anything that loads it by path must follow (counted as at least configuration)");
                break;
        }
    }
}
