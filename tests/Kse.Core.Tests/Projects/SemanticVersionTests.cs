using Kse.Core.Projects;

namespace Kse.Core.Tests.Projects;

/// <summary>Version ordering follows semantic versioning 2.0 (through the Semver package), prerelease identifiers included.</summary>
public sealed class SemanticVersionTests
{
    [Theory]
    [InlineData("1.0.0-alpha.2", "1.0.0-alpha.10")]
    [InlineData("1.0.0-alpha", "1.0.0-alpha.1")]
    [InlineData("1.0.0-alpha.1", "1.0.0-alpha.beta")]
    [InlineData("1.0.0-alpha.beta", "1.0.0-beta")]
    [InlineData("1.0.0-beta.11", "1.0.0-rc.1")]
    [InlineData("1.0.0-rc.1", "1.0.0")]
    [InlineData("1.9.0", "1.10.0")]
    [InlineData("2.4.0-dev", "2.4.0")]
    public void Compare_OrdersAsTheSpecificationDoes(string lower, string higher)
    {
        Assert.True(SemanticVersion.TryParse(lower, out var a));
        Assert.True(SemanticVersion.TryParse(higher, out var b));

        Assert.True(a.CompareTo(b) < 0, $"{lower} < {higher}");
        Assert.True(b.CompareTo(a) > 0, $"{higher} > {lower}");
        Assert.True(a < b);
    }

    [Fact]
    public void Sorting_PutsNumericPrereleaseIdentifiersInNumericOrder()
    {
        var sorted = new[] { "1.0.0-alpha.10", "1.0.0", "1.0.0-alpha.2", "1.0.0-alpha.1" }
            .Select(t => SemanticVersion.Parse(t)).Order().Select(v => v.ToString());

        Assert.Equal(["1.0.0-alpha.1", "1.0.0-alpha.2", "1.0.0-alpha.10", "1.0.0"], sorted);
    }

    [Theory]
    [InlineData("v2.4", "2.4.0")]
    [InlineData("2", "2.0.0")]
    [InlineData(" 2.4.1 ", "2.4.1")]
    [InlineData("2.4.1+build.7", "2.4.1")]
    public void TryParse_AcceptsTheLooseFormsKseReads(string text, string canonical)
    {
        Assert.True(SemanticVersion.TryParse(text, out var v));
        Assert.Equal(canonical, v.ToString());
    }

    [Theory]
    [InlineData("two")]
    [InlineData("1.2.3.4")]
    [InlineData("1.0.0-")]
    [InlineData("")]
    [InlineData("99999999999.0.0")]
    public void TryParse_RefusesWhatIsNotAVersion(string text)
    {
        Assert.False(SemanticVersion.TryParse(text, out _));
        Assert.Equal("versions.version_invalid", Assert.Throws<KseException>(() => SemanticVersion.Parse(text)).Code);
    }
}
