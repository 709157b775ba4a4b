using Kse.Core.Specs;
using Kse.TestKit;

namespace Kse.Core.Tests.Specs;

public sealed class ToolsManifestTests
{
    [Fact]
    public void Parse_ValidManifest_HasToolsAndStrategies()
    {
        var m = ToolsManifest.Parse(SpecFixtures.FilledTools);
        Assert.True(m.IsValid, string.Join("; ", m.Errors));
        Assert.Equal("systemctl", Assert.Single(m.Tools).Name);
        Assert.Equal(["systemctl"], Assert.Single(m.Strategies).Preferred);
    }

    [Fact]
    public void Parse_MalformedYaml_NamesLineAndColumn()
    {
        var m = ToolsManifest.Parse("tools:\n  - name: pg_dump\n    command: [unclosed\n");
        var error = Assert.Single(m.Errors);
        Assert.Matches(@"^tools\.yaml:\d+:\d+: malformed YAML", error);
    }

    [Fact]
    public void Parse_SchemaViolations_AreEachNamedWithTheirPosition()
    {
        var m = ToolsManifest.Parse("tools:\n  - name: a\n    purpose: p\n    native: maybe\n    colour: red\nstrategies:\n  backup:\n    preferred: [b]\n");
        Assert.Contains(m.Errors, e => e.StartsWith("tools.yaml:2:5:", StringComparison.Ordinal) && e.Contains("'command'"));
        Assert.Contains(m.Errors, e => e.StartsWith("tools.yaml:4:13:", StringComparison.Ordinal) && e.Contains("true or false"));
        Assert.Contains(m.Errors, e => e.StartsWith("tools.yaml:5:5:", StringComparison.Ordinal) && e.Contains("unknown key 'colour'"));
        Assert.Contains(m.Errors, e => e.StartsWith("tools.yaml:8:17:", StringComparison.Ordinal) && e.Contains("'b'"));
    }

    [Fact]
    public void Parse_MissingToolsList_IsAnError()
    {
        Assert.Contains("'tools'", Assert.Single(ToolsManifest.Parse("version: 1\n").Errors));
    }

    [Fact]
    public void Parse_TemplateComment_MarksThePlaceholder()
    {
        var template = ToolsManifest.Parse(new TemplateLibrary().Raw("tools.yaml"));
        Assert.True(template.HasPlaceholder);
        Assert.True(template.IsValid, string.Join("; ", template.Errors));
        Assert.False(ToolsManifest.Parse(SpecFixtures.FilledTools).HasPlaceholder);
    }
}
