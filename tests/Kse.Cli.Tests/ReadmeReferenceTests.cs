using System.Text.RegularExpressions;

namespace Kse.Cli.Tests;

/// <summary>The README is the front page; the reference lives in docs/ and stays complete and linked.</summary>
public sealed partial class ReadmeReferenceTests
{
    private const int FrontPageLimit = 15 * 1024;

    [Fact]
    public void CommandReference_InDocsCli_NamesEveryVerb()
    {
        var reference = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "cli.md"));
        var root = KseCli.Build();
        var missing = new List<string>();
        foreach (var command in root.Subcommands)
        {
            var paths = command.Subcommands.Count == 0 ? [$"kse {command.Name}"] : command.Subcommands.Select(s => $"kse {command.Name} {s.Name}");
            missing.AddRange(paths.Where(p => !reference.Contains($"`{p}", StringComparison.Ordinal)));
        }

        Assert.True(missing.Count == 0, "docs/cli.md command reference lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void Readme_IsAFrontPage_LinkingEveryDocsPage()
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        Assert.True(readme.Length <= FrontPageLimit, $"README.md has {readme.Length} characters; the front page keeps at most {FrontPageLimit} (move reference material to docs/)");
        Assert.Contains("dotnet run --project src/Kse.Cli -c Release -- serve --http --urls http://127.0.0.1:5177 --root samples", readme, StringComparison.Ordinal);
        Assert.Contains("./test.sh", readme, StringComparison.Ordinal);

        var unlinked = Directory.GetFiles(Path.Combine(root, "docs"), "*.md")
            .Select(f => "docs/" + Path.GetFileName(f))
            .Where(page => !readme.Contains($"]({page}", StringComparison.Ordinal))
            .ToList();
        Assert.True(unlinked.Count == 0, "README.md does not link: " + string.Join(", ", unlinked));
    }

    [Fact]
    public void Docs_RelativeLinks_ResolveToFilesAndHeadings()
    {
        var root = RepositoryRoot();
        var pages = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md"));
        var broken = new List<string>();
        foreach (var page in pages)
        {
            var text = File.ReadAllText(page);
            foreach (Match link in LinkPattern().Matches(WithoutCodeBlocks(text)))
            {
                var target = link.Groups[1].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var file = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var targetPath = file.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, file));
                var name = Path.GetRelativePath(root, page) + " → " + target;
                if (!File.Exists(targetPath))
                {
                    broken.Add(name + " (no such file)");
                }
                else if (anchor is not null && targetPath.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(targetPath)).Contains(anchor))
                {
                    broken.Add(name + " (no such heading)");
                }
            }
        }

        Assert.True(broken.Count == 0, "broken links: " + string.Join("; ", broken));
    }

    /// <summary>The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in WithoutCodeBlocks(markdown).Split('\n'))
        {
            var heading = HeadingPattern().Match(line);
            if (heading.Success)
            {
                var slug = new string(heading.Groups[1].Value.Trim().ToLowerInvariant()
                    .Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_').ToArray()).Replace(' ', '-');
                anchors.Add(slug);
            }
        }

        return anchors;
    }

    private static string WithoutCodeBlocks(string markdown) => CodeBlockPattern().Replace(markdown, string.Empty);

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

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^#{1,6} (.+)$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlockPattern();
}
