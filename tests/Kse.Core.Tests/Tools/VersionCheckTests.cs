using Kse.Core.Projects;
using Kse.Core.Specs;
using Kse.Core.Tools;

namespace Kse.Core.Tests.Tools;

/// <summary>Version probes against real <c>--version</c> outputs kept as fixtures (Fixtures/versions), and requirements that reference the target.</summary>
public sealed class VersionCheckTests
{
    private static readonly ToolsManifest Template = ToolsManifest.Parse(new TemplateLibrary().Render("tools.yaml", "shopdb"));

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "versions", name + ".txt"));

    [Theory]
    [InlineData("pg_dump", "pg_dump", "15.18")]
    [InlineData("pg_basebackup", "pg_basebackup", "15.18")]
    [InlineData("rsync", "rsync", "3.5.0")]
    [InlineData("curl", "curl", "7.88.1")]
    [InlineData("systemctl", "systemctl", "252")]
    public void TemplatePatterns_ReadTheVersion_FromRealOutput(string fixture, string tool, string expected)
    {
        var declared = Template.FindTool(tool)!;
        Assert.Equal(expected, ToolProbe.ExtractVersion(Fixture(fixture), declared.VersionPattern));
    }

    [Theory]
    [InlineData("git", null, "2.39.5")]
    [InlineData("ssh", @"OpenSSH_(?<version>\d+(?:\.\d+)*)", "9.2")]
    [InlineData("ssh", null, "9.2")]
    [InlineData("curl", null, "7.88.1")]
    public void OtherPatterns_AndTheDefault_ReadTheVersion(string fixture, string? pattern, string expected)
    {
        Assert.Equal(expected, ToolProbe.ExtractVersion(Fixture(fixture), pattern));
    }

    [Fact]
    public void Ssh_VersionWithPortableSuffix_NormalizesToItsNumbers()
    {
        Assert.Equal(new SemanticVersion(9, 2, 0, null), VersionRequirement.Normalize(ToolProbe.ExtractVersion(Fixture("ssh"), @"OpenSSH_(?<version>[\dp.]+)")));
    }

    [Theory]
    [InlineData("pg_dump", "15.x", null, true)]
    [InlineData("pg_dump", "99.x", null, false)]             // the requirement main once passed against 15.18
    [InlineData("pg_dump", ">={target.major}", "15.4", true)]
    [InlineData("pg_dump", ">={target.major}", "16.2", false)]  // pg_dump 15 cannot dump a PostgreSQL 16 server
    [InlineData("pg_dump", ">={target.major}", null, null)]    // the target's version is unknown
    [InlineData("pg_dump", "{target.major}.x", "15.1", true)]
    [InlineData("rsync", ">=3.1", null, true)]
    [InlineData("rsync", ">=3.1 <3.5", null, false)]
    [InlineData("curl", ">=7.68", null, true)]
    [InlineData("curl", "^8", null, false)]
    [InlineData("git", ">=2.30", null, true)]
    [InlineData("git", "~2.40", null, false)]
    [InlineData("ssh", ">=8.0", null, true)]
    [InlineData("ssh", ">={target}", "9.2.0", true)]
    [InlineData("ssh", ">={target}", "9.3.0", false)]
    public void Requirement_AgainstRealVersions(string fixture, string requirement, string? target, bool? satisfied)
    {
        var version = VersionRequirement.Normalize(ToolProbe.ExtractVersion(Fixture(fixture), null))!.Value;
        Assert.True(VersionRequirement.TryParse(requirement, out var req, out var error), error);
        Assert.Equal(satisfied, req!.IsSatisfiedBy(version, VersionRequirement.Normalize(target), out _));
    }

    [Theory]
    [InlineData(">={server.major}", "is not a placeholder")]
    [InlineData(">= banana", "not a version comparator")]
    public void Requirement_ThatCannotBeRead_IsRejected(string text, string message)
    {
        Assert.False(VersionRequirement.TryParse(text, out _, out var error));
        Assert.Contains(message, error);
    }
}
