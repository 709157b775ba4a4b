using Kse.Core.Execution;
using Kse.Core.Projects;
using Kse.Core.Specs;
using Kse.TestKit;

namespace Kse.Core.Tests;

/// <summary>Every file kse reads has a size cap and a nesting cap, refused with an error that names the file.</summary>
public sealed class InputLimitsTests
{
    private static readonly string Bomb = new('[', 200_000);

    [Fact]
    public void ProjectYaml_NestingBomb_IsTooDeep_NamingTheFile()
    {
        var ex = Assert.Throws<KseException>(() => ProjectManifest.Parse("shop", "name: shop\nenvironments: " + Bomb, ".sce/specs/shop/project.yaml"));
        Assert.Equal("spec.project_yaml.too_deep", ex.Code);
        Assert.StartsWith(".sce/specs/shop/project.yaml:", ex.Message);
    }

    [Fact]
    public void ToolsYaml_NestingBomb_IsAnError_NotACrash()
    {
        var tools = ToolsManifest.Parse("tools: " + Bomb);
        Assert.Contains(tools.Errors, e => e.StartsWith("spec.tools.too_deep", StringComparison.Ordinal) && e.Contains("tools.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void DependenciesYaml_NestingBomb_IsAProblem()
    {
        var file = DependencyFile.Parse("version: 1\nprojects: " + Bomb);
        Assert.Contains(file.Problems, p => p.Message.StartsWith("graph.too_deep", StringComparison.Ordinal));
    }

    [Fact]
    public void OperationBlock_NestingBomb_IsABlockError()
    {
        var parsed = OperationBlockParser.Parse("```kse-operation\nname: x\nrisk: read\ncommand: " + Bomb + "\n```\n", "operations.md");
        var error = Assert.Single(parsed.Errors);
        Assert.Equal("ops.operation.too_deep", error.Code);
        Assert.Empty(parsed.Operations);
    }

    [Fact]
    public void PromptFrontMatter_NestingBomb_IsTooDeep()
    {
        var ex = Assert.Throws<KseException>(() => PromptLibrary.Parse("bomb.md", "---\nname: " + Bomb + "\n---\nbody\n"));
        Assert.Equal("prompt.too_deep", ex.Code);
    }

    [Fact]
    public void Yaml_NestedUpToTheLimit_IsRead()
    {
        var depth = InputLimits.MaxYamlDepth;
        InputLimits.CheckYaml(new string('[', depth) + new string(']', depth), "t", "ok.yaml");
        Assert.Throws<KseException>(() => InputLimits.CheckYaml(new string('[', depth + 1) + new string(']', depth + 1), "t", "deep.yaml"));
    }

    [Fact]
    public void Markdown_NestedTooDeeply_IsTooDeep_ForSpecsAndOperations()
    {
        var nested = "# Deploy\n" + new string('>', 100_000) + " x\n";
        Assert.Equal("spec.document.too_deep", Assert.Throws<KseException>(() => MarkdownSpec.Parse(nested, "deployment.md")).Code);
        Assert.Equal("ops.too_deep", Assert.Single(OperationBlockParser.Parse(nested, "operations.md").Errors).Code);
    }

    [Fact]
    public void OversizedOperationsDocument_DeclaresNothing_WhenOperationsAreListedOrRun()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "shop");
        var doc = ws.PathOf(".sce", "specs", "shop", "operations", "operations.md");
        File.AppendAllText(doc, "\n```kse-operation\nname: big\nrisk: read\ncommand: [echo, hi]\n```\n" + new string('x', InputLimits.MaxDocumentBytes));

        var catalog = OperationCatalog.Load(ws.Workspace, "shop");

        Assert.Null(catalog.Find("big"));
        Assert.Contains(catalog.Errors, e => e.Code == "spec.document.too_large" && e.Message.Contains("operations.md", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadText_RefusesAFileOverTheCap_UnreadAndNamed()
    {
        using var ws = new TempWorkspace();
        var file = ws.Write("big.yaml", new string('a', 2048));
        var ex = Assert.Throws<KseException>(() => InputLimits.ReadText(file, "graph", "big.yaml", maxBytes: 1024));
        Assert.Equal("graph.too_large", ex.Code);
        Assert.Contains("big.yaml", ex.Message);
        Assert.Equal(new string('a', 2048), InputLimits.ReadText(file, "graph", "big.yaml", maxBytes: 2048));
    }
}
