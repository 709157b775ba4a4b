using Kse.Core;

namespace Kse.Core.Tests;

public sealed class ProjectNameTests
{
    [Theory]
    [InlineData("billing")]
    [InlineData("a")]
    [InlineData("web-2")]
    [InlineData("0abc")]
    public void Validate_AcceptsSlugs(string name) => Assert.Equal(name, ProjectName.Validate(name));

    [Theory]
    [InlineData("../x")]
    [InlineData("../../etc")]
    [InlineData("Billing")]
    [InlineData("-lead")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("with space")]
    public void Validate_RejectsNonSlugs_WithStableCode(string name)
    {
        var ex = Assert.Throws<KseException>(() => ProjectName.Validate(name));
        Assert.Equal("spec.project_invalid", ex.Code);
        Assert.Equal(2, ex.ExitCode);
    }

    [Fact]
    public void Validate_RejectsNamesLongerThan63()
    {
        Assert.True(ProjectName.IsValid(new string('a', 63)));
        Assert.False(ProjectName.IsValid(new string('a', 64)));
    }
}
