using System.Text.Json;
using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Audit;
using Kse.Core.Learning;
using Kse.Core.Specs;

namespace Kse.Core.Tests.Learning;

public sealed class DraftMergeTests
{
    private const string Real = "# Operations\r\n\r\n## Daily Tasks\r\n\r\n<!-- kse:fill: what runs every day -->\r\n\r\n## Maintenance Procedures\r\n\r\nRotate the logs on Mondays.\r\n\r\n## Backup Procedures\r\n\r\nNightly: `pg_dump shop`.\r\n";

    private static ProposedSection Section(string heading, string body) => new() { Heading = heading, Body = body };

    [Fact]
    public void Merge_FillsPlaceholders_AppendsBelowWrittenText_AddsMissing_AndLeavesWhatIsThere()
    {
        var merged = DraftMerge.Merge(Real, "operations.md",
        [
            Section("Daily Tasks", "### restart\n\nEvery Sunday."),
            Section("maintenance procedures", "Vacuum the journal when the disk is full."),
            Section("Backup Procedures", "Nightly: `pg_dump shop`."),
            Section("Capacity", "Add a disk at 80%."),
        ]);

        Assert.Equal(["filled", "appended", "unchanged", "added"], merged.Changes.Select(c => c.Kind));
        Assert.Equal("<!-- kse:fill: what runs every day -->", merged.Changes[0].Removed);
        var spec = MarkdownSpec.Parse(merged.Text);
        Assert.Equal(["Daily Tasks", "Maintenance Procedures", "Backup Procedures", "Capacity"], spec.Sections.Select(s => s.Heading));
        Assert.Equal("### restart\n\nEvery Sunday.", spec.Find("Daily Tasks")!.Body.Trim());
        Assert.Equal("Rotate the logs on Mondays.\n\n" + DraftMerge.Marker + "\n\nVacuum the journal when the disk is full.", spec.Find("Maintenance Procedures")!.Body.Trim());
        Assert.Equal("Nightly: `pg_dump shop`.", spec.Find("Backup Procedures")!.Body.Trim());
        Assert.DoesNotContain('\r', merged.Text);
    }

    [Fact]
    public void Merge_OfAnAbsentDocument_WritesTheProposedSectionsUnderATitle()
    {
        var merged = DraftMerge.Merge(null, "monitoring.md", [Section("Metrics", "`df -h /var`"), Section("Thresholds", "Nothing observed for this yet.")]);

        Assert.StartsWith("# Monitoring\n\n## Metrics\n\n`df -h /var`\n\n## Thresholds\n", merged.Text, StringComparison.Ordinal);
        Assert.All(merged.Changes, c => Assert.Equal("added", c.Kind));
    }

    private static ActionRequest Request(object arguments) => new()
    {
        Actor = Actor.OsUser("bob"),
        Action = LearnAcceptActionHandler.Action,
        Arguments = JsonSerializer.SerializeToElement(arguments).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
    };

    [Theory]
    [InlineData("{\"project\":\"shop\",\"document\":\"operations.md\"}", "no sections")]
    [InlineData("{\"project\":\"shop\",\"document\":\"rollback.md\",\"sections\":[{\"heading\":\"x\",\"body\":\"y\"}]}", "not a drafted document")]
    [InlineData("{\"project\":\"../etc\",\"document\":\"operations.md\",\"sections\":[{\"heading\":\"x\",\"body\":\"y\"}]}", null)]
    [InlineData("{\"project\":\"shop\",\"document\":\"operations.md\",\"sections\":[{\"heading\":\"x\",\"body\":\"text\\n\\n## Injected\\n\\nmore\"}]}", "heading of level 1 or 2")]
    [InlineData("{\"project\":\"shop\",\"document\":\"operations.md\",\"sections\":[{\"heading\":\"x\",\"body\":\"# Title\"}]}", "heading of level 1 or 2")]
    [InlineData("{\"project\":\"shop\",\"document\":\"operations.md\",\"sections\":[{\"heading\":\"a\\nb\",\"body\":\"y\"}]}", "one line")]
    [InlineData("{\"project\":\"shop\",\"document\":\"operations.md\",\"sections\":[{\"heading\":\"X\",\"body\":\"y\"},{\"heading\":\"x \",\"body\":\"z\"}]}", "proposed twice")]
    [InlineData("{\"project\":\"shop\",\"document\":\"operations.md\",\"sections\":[7]}", "not an object")]
    public void Parse_RefusesMalformedProposals_NamingTheProblem(string json, string? problem)
    {
        var arguments = JsonDocument.Parse(json).RootElement;
        var ex = Assert.Throws<KseException>(() => LearnAcceptActionHandler.Parse(Request(arguments)));
        Assert.Equal(KseErrorKind.BadInput, ex.Kind);
        if (problem is not null)
        {
            Assert.Equal("learn.proposal_invalid", ex.Code);
            Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        }
    }
}
