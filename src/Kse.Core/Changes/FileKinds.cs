namespace Kse.Core.Changes;

internal enum FileKind
{
    Unknown,
    Code,
    Test,
    Docs,
    Asset,
    Build,
    ProjectFile,
    Dockerfile,
    Compose,
    Pipeline,
    DependenciesDeclaration,
    AppSettings,
    EnvFile,
    Ini,
    Toml,
    StructuredConfig,
    HelmValues,
    Proto,
    GraphQL,
    PublicApiListing,
    Sql,
    EfMigration,
    EfSnapshot,
    Prisma,
    Terraform,
    Bicep,
}

/// <summary>What a path is, from its name alone; structured files (YAML, JSON, XML) are sniffed later from their lines.</summary>
internal static class FileKinds
{
    private static readonly HashSet<string> CodeExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".cs", ".fs", ".vb", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".py", ".go", ".java", ".kt", ".kts", ".scala",
        ".rb", ".php", ".rs", ".c", ".h", ".cpp", ".hpp", ".cc", ".cxx", ".swift", ".m", ".mm", ".sh", ".bash", ".ps1", ".psm1",
        ".razor", ".cshtml", ".vue", ".svelte", ".css", ".scss", ".sass", ".less", ".html", ".htm", ".lua", ".dart", ".ex", ".exs",
        ".erl", ".clj", ".r", ".pl", ".groovy", ".xaml", ".resx", ".tsv", ".csv", ".liquid", ".hbs", ".mustache", ".j2", ".tmpl",
    };

    private static readonly HashSet<string> DocExtensions = new(StringComparer.OrdinalIgnoreCase) { ".md", ".markdown", ".txt", ".rst", ".adoc", ".http", ".rest" };

    private static readonly HashSet<string> AssetExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".bmp", ".woff", ".woff2", ".ttf", ".eot", ".otf", ".mp4", ".mp3", ".pdf",
    };

    private static readonly HashSet<string> BuildNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "packages.lock.json", "directory.packages.props", "directory.build.props",
        "directory.build.targets", "global.json", "nuget.config", "go.sum", "cargo.lock", "poetry.lock", "gemfile.lock", "gemfile",
        "pipfile", "pipfile.lock", "makefile", "justfile", ".editorconfig", ".gitignore", ".gitattributes", ".dockerignore",
        "tsconfig.json", "jsconfig.json", ".eslintrc.json", ".prettierrc", "license", "codeowners", ".npmrc", ".nvmrc",
        "build.cake", "build.sh", "build.ps1", "gradle.properties", "settings.gradle", "settings.gradle.kts", "mvnw", "gradlew",
        "requirements.txt", "requirements-dev.txt", "dotnet-tools.json", "launchsettings.json", "libman.json", "bundleconfig.json",
    };

    private static readonly HashSet<string> ProjectFileNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "package.json", "go.mod", "pom.xml", "build.gradle", "build.gradle.kts", "cargo.toml", "pyproject.toml", "setup.py", "composer.json", "mix.exs",
    };

    public static FileKind Of(string path)
    {
        var p = path.Replace('\\', '/');
        var name = p[(p.LastIndexOf('/') + 1)..];
        var lower = name.ToLowerInvariant();
        var lowerPath = p.ToLowerInvariant();
        var ext = Path.GetExtension(lower);

        if (lowerPath == ".sce/dependencies.yaml" || lowerPath.EndsWith("/.sce/dependencies.yaml", StringComparison.Ordinal))
        {
            return FileKind.DependenciesDeclaration;
        }

        if (lower is "dockerfile" or "containerfile" || lower.StartsWith("dockerfile.", StringComparison.Ordinal) || lower.EndsWith(".dockerfile", StringComparison.Ordinal))
        {
            return FileKind.Dockerfile;
        }

        if ((lower.StartsWith("docker-compose", StringComparison.Ordinal) || lower.StartsWith("compose.", StringComparison.Ordinal) || lower.StartsWith("compose-", StringComparison.Ordinal))
            && ext is ".yml" or ".yaml")
        {
            return FileKind.Compose;
        }

        if (lowerPath.StartsWith(".github/workflows/", StringComparison.Ordinal) || lower is ".gitlab-ci.yml" or "azure-pipelines.yml" or "jenkinsfile" or "bitbucket-pipelines.yml"
            || lowerPath.StartsWith(".circleci/", StringComparison.Ordinal) || lowerPath.StartsWith(".ci/", StringComparison.Ordinal))
        {
            return FileKind.Pipeline;
        }

        if (lower is "publicapi.shipped.txt" or "publicapi.unshipped.txt" || (ext == ".api" && lowerPath.Contains("api/", StringComparison.Ordinal)))
        {
            return FileKind.PublicApiListing;
        }

        if (BuildNames.Contains(lower) || ext is ".props" or ".targets" or ".sln" or ".slnx" or ".slnf" or ".lock"
            || (lower.StartsWith('.') && lower.EndsWith("ignore", StringComparison.Ordinal)))
        {
            return FileKind.Build;
        }

        if (ProjectFileNames.Contains(lower) || ext is ".csproj" or ".fsproj" or ".vbproj" or ".sqlproj")
        {
            return FileKind.ProjectFile;
        }

        // Fixtures and expectations under a test folder are test code, whatever their format.
        if (IsTestFolder(lowerPath))
        {
            return FileKind.Test;
        }

        if (lower.StartsWith("appsettings", StringComparison.Ordinal) && ext == ".json")
        {
            return FileKind.AppSettings;
        }

        if (lower == ".env" || lower.StartsWith(".env.", StringComparison.Ordinal) || ext == ".env")
        {
            return FileKind.EnvFile;
        }

        switch (ext)
        {
            case ".proto":
                return FileKind.Proto;
            case ".graphql" or ".graphqls" or ".gql":
                return FileKind.GraphQL;
            case ".sql":
                return FileKind.Sql;
            case ".prisma":
                return FileKind.Prisma;
            case ".tf" or ".tfvars" or ".hcl":
                return FileKind.Terraform;
            case ".bicep" or ".bicepparam":
                return FileKind.Bicep;
            case ".ini" or ".cfg" or ".conf" or ".properties" or ".config":
                return FileKind.Ini;
            case ".toml":
                return FileKind.Toml;
        }

        if (ext is ".yaml" or ".yml")
        {
            return lower.StartsWith("values", StringComparison.Ordinal) ? FileKind.HelmValues : FileKind.StructuredConfig;
        }

        if (ext is ".json" or ".xml" or ".jsonc" or ".json5" or ".plist" or ".manifest" or ".appxmanifest")
        {
            return FileKind.StructuredConfig;
        }

        if (ext == ".cs" && IsUnder(lowerPath, "migrations"))
        {
            return lower.EndsWith("modelsnapshot.cs", StringComparison.Ordinal) || lower.EndsWith(".designer.cs", StringComparison.Ordinal) ? FileKind.EfSnapshot : FileKind.EfMigration;
        }

        if (CodeExtensions.Contains(ext))
        {
            return IsTestPath(lowerPath, lower) ? FileKind.Test : FileKind.Code;
        }

        if (DocExtensions.Contains(ext) || lower is "readme" or "changelog" or "authors" or "notice" or "contributing")
        {
            return FileKind.Docs;
        }

        if (AssetExtensions.Contains(ext))
        {
            return FileKind.Asset;
        }

        return FileKind.Unknown;
    }

    public static bool IsUnder(string lowerPath, string folder) =>
        lowerPath.StartsWith(folder + "/", StringComparison.Ordinal) || lowerPath.Contains("/" + folder + "/", StringComparison.Ordinal);

    /// <summary>True when the path lies in a test folder (<c>tests/</c>, <c>Foo.Tests/</c>, …).</summary>
    public static bool IsTestFolder(string lowerPath) =>
        IsUnder(lowerPath, "test") || IsUnder(lowerPath, "tests") || IsUnder(lowerPath, "__tests__") || IsUnder(lowerPath, "testdata")
        || lowerPath.Contains(".tests/", StringComparison.Ordinal) || lowerPath.Contains(".test/", StringComparison.Ordinal);

    private static bool IsTestPath(string lowerPath, string lowerName) =>
        IsUnder(lowerPath, "test") || IsUnder(lowerPath, "tests") || IsUnder(lowerPath, "__tests__") || IsUnder(lowerPath, "spec")
        || lowerPath.Contains(".tests/", StringComparison.Ordinal) || lowerPath.Contains(".test/", StringComparison.Ordinal)
        || lowerName.EndsWith("_test.go", StringComparison.Ordinal) || lowerName.Contains(".test.", StringComparison.Ordinal)
        || lowerName.Contains(".spec.", StringComparison.Ordinal) || lowerName.StartsWith("test_", StringComparison.Ordinal)
        || lowerName.EndsWith("tests.cs", StringComparison.Ordinal) || lowerName.EndsWith("test.java", StringComparison.Ordinal);
}
