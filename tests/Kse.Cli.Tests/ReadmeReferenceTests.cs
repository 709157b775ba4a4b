namespace Kse.Cli.Tests;

public sealed class ReadmeReferenceTests
{
    [Fact]
    public void Readme_CommandReference_NamesEveryVerb()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var root = KseCli.Build();
        var missing = new List<string>();
        foreach (var command in root.Subcommands)
        {
            var paths = command.Subcommands.Count == 0 ? [$"kse {command.Name}"] : command.Subcommands.Select(s => $"kse {command.Name} {s.Name}");
            missing.AddRange(paths.Where(p => !readme.Contains($"`{p}", StringComparison.Ordinal)));
        }

        Assert.True(missing.Count == 0, "README command reference lacks: " + string.Join(", ", missing));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kse.Mcp.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Kse.Mcp.sln not found above the test output folder");
    }
}
