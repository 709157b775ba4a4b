using Kse.Core.Completion;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;

namespace Kse.Core.Tests.Completion;

public sealed class NameCompletionTests
{
    private static NameCompletion Create(TempWorkspace ws) =>
        new(ws.Workspace, null!);

    [Fact]
    public async Task Operations_AndInstances_AreThoseOfTheGivenProject_NarrowedByEnvironment()
    {
        using var ws = new TempWorkspace();
        ws.Write(".sce/specs/shop/operations/operations.md", "# Operations\n\n```kse-operation\nname: restart\nrisk: normal\ncommand: [\"true\"]\n```\n\n```kse-operation\nname: reindex\nrisk: read\ncommand: [\"true\"]\n```\n");
        new ProjectManifest
        {
            Name = "shop",
            SystemType = SystemType.Kse,
            Instances =
            [
                new ProjectInstance { Id = "dev-1", Environment = EnvironmentKind.Development, Host = "local" },
                new ProjectInstance { Id = "prod-1", Environment = EnvironmentKind.Production, Host = "local" },
            ],
        }.Save(ws.Workspace);
        var names = Create(ws);

        var operations = await names.CompleteAsync(NameKind.Operation, "re", new Dictionary<string, string> { ["project"] = "shop" });
        var instances = await names.CompleteAsync(NameKind.Instance, "", new Dictionary<string, string> { ["project"] = "shop", ["environment"] = "production" });
        var noProject = await names.CompleteAsync(NameKind.Operation, "", new Dictionary<string, string>());
        var badProject = await names.CompleteAsync(NameKind.Instance, "", new Dictionary<string, string> { ["project"] = "../etc" });

        Assert.Equal(["reindex", "restart"], operations.Values);
        Assert.Equal(["prod-1"], instances.Values);
        Assert.Empty(noProject.Values);
        Assert.Empty(badProject.Values);
    }

    [Fact]
    public async Task Environments_Levels_AndRisks_AreTheFixedNames_MatchedCaseInsensitively()
    {
        using var ws = new TempWorkspace();
        var names = Create(ws);

        var environments = await names.CompleteAsync(NameKind.Environment, "P", new Dictionary<string, string>());
        var levels = await names.CompleteAsync(NameKind.Level, "l", new Dictionary<string, string>());
        var risks = await names.CompleteAsync(NameKind.Risk, "", new Dictionary<string, string>());

        Assert.Equal(["pre-production", "production"], environments.Values);
        Assert.Equal(["L1", "L2", "L3", "L4", "L5"], levels.Values);
        Assert.Equal(["critical", "normal", "read"], risks.Values);
    }

    [Fact]
    public async Task ABrokenProjectFile_OffersNothing_RatherThanFailing()
    {
        using var ws = new TempWorkspace();
        ws.Write(".sce/specs/shop/project.yaml", "name: [unclosed");
        var names = Create(ws);

        var instances = await names.CompleteAsync(NameKind.Instance, "", new Dictionary<string, string> { ["project"] = "shop" });

        Assert.Empty(instances.Values);
    }
}
