using System.Text.Json;
using Kse.TestKit;

namespace Kse.Cli.Tests;

public sealed class OpsCommandTests
{
    [Fact]
    public async Task OpsInit_ThenValidateJson_ListsNineDocuments_AndExitsOne()
    {
        using var ws = new TempWorkspace(initialize: false);
        Assert.Equal(0, (await CliRunner.RunAsync("init", "--root", ws.Root)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("ops", "init", "billing", "--root", ws.Root)).ExitCode);

        var r = await CliRunner.RunAsync("ops", "validate", "billing", "--json", "--root", ws.Root);
        Assert.Equal(1, r.ExitCode);
        using var json = JsonDocument.Parse(r.Out);
        Assert.Equal("billing", json.RootElement.GetProperty("project").GetString());
        Assert.False(json.RootElement.GetProperty("valid").GetBoolean());
        var docs = json.RootElement.GetProperty("documents").EnumerateArray().ToList();
        Assert.Equal(9, docs.Count);
        var deployment = docs.Single(d => d.GetProperty("name").GetString() == "deployment.md");
        Assert.True(deployment.GetProperty("present").GetBoolean());
        Assert.Equal(5, deployment.GetProperty("unfilledSections").GetArrayLength());
        Assert.Equal(0, deployment.GetProperty("missingSections").GetArrayLength());
        Assert.Equal(0, deployment.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task OpsValidate_FilledProject_ExitsZero_WithTextSummary()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        var r = await CliRunner.RunAsync("ops", "validate", "billing", "--root", ws.Root);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("billing: valid (9/9 documents complete)", r.Out);
    }

    [Fact]
    public async Task OpsInit_TraversalName_ExitsTwo_WritesNothing()
    {
        using var ws = new TempWorkspace(initialize: false);
        var r = await CliRunner.RunAsync("ops", "init", "../../etc", "--root", ws.Root);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error spec.project_invalid: project name '../../etc' must match [a-z0-9][a-z0-9-]{0,62}", r.Err.Trim());
        Assert.Empty(Directory.GetFileSystemEntries(ws.Root));
    }

    [Fact]
    public async Task OpsInit_UnknownSystemType_ExitsTwo()
    {
        using var ws = new TempWorkspace();
        var r = await CliRunner.RunAsync("ops", "init", "billing", "--system-type", "legacy", "--root", ws.Root);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error spec.system_type_unknown:", r.Err);
        Assert.False(Directory.Exists(ws.Workspace.ProjectDir("billing")));
    }

    [Fact]
    public async Task OpsValidate_UnknownProject_ExitsThree()
    {
        using var ws = new TempWorkspace();
        var r = await CliRunner.RunAsync("ops", "validate", "ghost", "--root", ws.Root);
        Assert.Equal(3, r.ExitCode);
        Assert.StartsWith("error spec.project_not_found:", r.Err);
    }

    [Fact]
    public async Task OpsShow_PrintsTheDocument_AndUnknownDocumentExitsTwo()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        var r = await CliRunner.RunAsync("ops", "show", "billing", "rollback", "--root", ws.Root);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("## Rollback Triggers", r.Out);
        Assert.Equal(2, (await CliRunner.RunAsync("ops", "show", "billing", "secrets.md", "--root", ws.Root)).ExitCode);
    }

    [Fact]
    public async Task OpsListAndStatus_JsonShapes()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        ws.Write(".sce/specs/refunds/tasks.md", "- [x] all done\n");
        var list = await CliRunner.RunAsync("ops", "list", "--json", "--root", ws.Root);
        using var lj = JsonDocument.Parse(list.Out);
        Assert.True(lj.RootElement.GetProperty("projects")[0].GetProperty("valid").GetBoolean());
        var status = await CliRunner.RunAsync("ops", "status", "--root", ws.Root);
        Assert.Contains("kse ops init refunds --system-type kse", status.Out);
    }

    [Fact]
    public async Task Root_DefaultsToNearestAncestorWithSce()
    {
        await CurrentDirectory.RunInAsync(Root_DefaultsToNearestAncestorWithSce_Body);
    }

    private static async Task Root_DefaultsToNearestAncestorWithSce_Body()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        var nested = Directory.CreateDirectory(Path.Combine(ws.Root, "src", "deep")).FullName;
        var before = Directory.GetCurrentDirectory();
        try
        {
            Directory.SetCurrentDirectory(nested);
            var r = await CliRunner.RunAsync("ops", "validate", "billing");
            Assert.Equal(0, r.ExitCode);
        }
        finally
        {
            Directory.SetCurrentDirectory(before);
        }
    }
}

/// <summary>The process's current directory is global: tests that change it take this lock.</summary>
internal static class CurrentDirectory
{
    private static readonly SemaphoreSlim Lock = new(1, 1);

    public static async Task RunInAsync(Func<Task> body)
    {
        await Lock.WaitAsync();
        try
        {
            await body();
        }
        finally
        {
            Lock.Release();
        }
    }
}
