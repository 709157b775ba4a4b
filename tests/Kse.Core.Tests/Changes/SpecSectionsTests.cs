using Kse.Core.Changes;

namespace Kse.Core.Tests.Changes;

public sealed class SpecSectionsTests
{
    [Fact]
    public void Section_WithOnlyFillPlaceholdersAndBlankLines_IsUnfilled()
    {
        var sections = SpecSections.Parse("# Plan\r\n\r\n## Migration Strategy\r\n\r\n<!-- kse:fill online, offline or hybrid,\r\nand why -->\r\n\r\n## Data Mapping\r\n\r\nold.total -> new.amount\r\n");
        Assert.False(SpecSections.Find(sections, "migration strategy")!.IsFilled);
        Assert.True(SpecSections.Find(sections, "Data Mapping")!.IsFilled);
    }

    [Fact]
    public void Section_EndsAtTheNextHeadingOfTheSameLevel_AndIgnoresHeadingsInCodeFences()
    {
        var sections = SpecSections.Parse("## Rollback Plan\n\n```\n## not a heading\n```\n### Detail\n\nstep\n## Next\n");
        var plan = SpecSections.Find(sections, "Rollback Plan")!;
        Assert.Contains("### Detail", plan.Body);
        Assert.DoesNotContain(sections, s => s.Heading == "not a heading");
        Assert.Equal(["step"], SpecSections.Items(plan.Body));
    }
}
