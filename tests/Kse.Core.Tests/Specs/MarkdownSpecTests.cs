using Kse.Core.Specs;

namespace Kse.Core.Tests.Specs;

public sealed class MarkdownSpecTests
{
    private const string Doc = "# Title\n\nIntro.\n\n## Metrics\n\nLatency p95.\n\n## Thresholds\n\n<!-- kse:fill: numbers -->\n\n## Alert Rules\n";

    [Fact]
    public void Parse_FindsSections_WithLinesAndBodies()
    {
        var spec = MarkdownSpec.Parse(Doc);
        Assert.Equal(["Metrics", "Thresholds", "Alert Rules"], spec.Sections.Select(s => s.Heading));
        Assert.Equal(5, spec.Sections[0].Line);
        Assert.Contains("Latency p95.", spec.Sections[0].Body);
        Assert.StartsWith("# Title", spec.Preamble);
    }

    [Fact]
    public void Section_WithOnlyPlaceholder_IsUnfilled_AndEmptySectionToo()
    {
        var spec = MarkdownSpec.Parse(Doc);
        Assert.True(spec.Find("Metrics")!.IsFilled);
        Assert.False(spec.Find("Thresholds")!.IsFilled);
        Assert.False(spec.Find("Alert Rules")!.IsFilled);
    }

    [Fact]
    public void Parse_CrLfAndCr_GiveTheSameSectionsAsLf()
    {
        var lf = MarkdownSpec.Parse(Doc);
        var crlf = MarkdownSpec.Parse(Doc.Replace("\n", "\r\n"));
        var cr = MarkdownSpec.Parse(Doc.Replace("\n", "\r"));
        Assert.Equal(lf, crlf, new SpecComparer());
        Assert.Equal(lf, cr, new SpecComparer());
    }

    [Fact]
    public void Find_MatchesHeadingsCaseInsensitively_AfterTrimming()
    {
        var spec = MarkdownSpec.Parse("##   alert RULES  ##\n\ntext\n");
        Assert.NotNull(spec.Find("Alert Rules"));
    }

    [Fact]
    public void Parse_IgnoresHeadingsInsideCodeFences_AndDeeperHeadingsStayInTheSection()
    {
        var spec = MarkdownSpec.Parse("## Steps\n\n```bash\n## not a heading\n```\n\n### Sub\n\nmore\n");
        var section = Assert.Single(spec.Sections);
        Assert.Contains("### Sub", section.Body);
    }

    [Fact]
    public void Section_WithCommentedExampleOnly_IsUnfilled_ButVisibleTextCounts()
    {
        Assert.False(MarkdownSpec.HasContent("\n<!-- kse:fill: example\n```kse-operation\nname: x\n```\n-->\n"));
        Assert.True(MarkdownSpec.HasContent("<!-- kse:fill: x -->\nReal text."));
    }

    private sealed class SpecComparer : IEqualityComparer<MarkdownSpec>
    {
        public bool Equals(MarkdownSpec? x, MarkdownSpec? y) =>
            x is not null && y is not null && x.Preamble == y.Preamble && x.Sections.SequenceEqual(y.Sections);

        public int GetHashCode(MarkdownSpec obj) => obj.Sections.Count;
    }
}
