using Kse.Core.Audit;
using Kse.Core.Specs;
using Kse.Core.Versions;
using Kse.TestKit;

namespace Kse.Core.Tests.Versions;

/// <summary>Versions of an operations spec on disk: creation, resolution (full and diff, overlays by section), diff, hot fixes, links to git tags.</summary>
public sealed class SpecVersionServiceTests
{
    private const string Echo = "\n```kse-operation\nname: say\ndescription: Print a word\nrisk: normal\ncommand: [\"echo\", \"{word}\"]\nparameters:\n  word: { type: string, pattern: \"^[a-z]{1,20}$\" }\ntimeout: 10s\n```\n";

    private static (TempWorkspace Ws, SpecVersionService Versions) Setup()
    {
        var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        File.AppendAllText(Path.Combine(ws.Workspace.OperationsDir("billing"), "operations.md"), Echo);
        var specs = new SpecService(ws.Workspace, new TemplateLibrary(), []);
        return (ws, new SpecVersionService(ws.Workspace, specs, TimeProvider.System));
    }

    private static string Ops(TempWorkspace ws, params string[] parts) => Path.Combine([ws.Workspace.OperationsDir("billing"), .. parts]);

    [Fact]
    public void Create_DefaultsToFullForANewMajorAndDiffOtherwise()
    {
        var (ws, versions) = Setup();
        using var _ = ws;

        var major = versions.Create("billing", "3.0.0");
        var minor = versions.Create("billing", "2.4.0");

        Assert.Equal(SpecVersionStrategy.Full, major.Strategy);
        Assert.Equal(SpecDocuments.All.Count, major.Documents.Count);
        Assert.True(File.Exists(Ops(ws, "versions", "3.0.0", "deployment.md")));
        Assert.Equal(SpecVersionStrategy.Diff, minor.Strategy);
        Assert.Empty(minor.Documents);
        Assert.Equal("main", minor.Base);
        Assert.Contains("strategy: diff", File.ReadAllText(Ops(ws, "versions", "2.4.0", "version.yaml")), StringComparison.Ordinal);
        var again = Assert.Throws<KseException>(() => versions.Create("billing", "2.4.0"));
        Assert.Equal("versions.exists", again.Code);
        Assert.Equal("versions.version_invalid", Assert.Throws<KseException>(() => versions.Create("billing", "two")).Code);
    }

    [Fact]
    public void Resolve_PicksExactThenNearestLowerOfMinorThenOfMajorThenMain()
    {
        var (ws, versions) = Setup();
        using var _ = ws;
        versions.Create("billing", "2.4.0");
        versions.Create("billing", "2.2.0");
        versions.Create("billing", "3.0.0");

        Assert.Equal("2.4.0", versions.Resolve("billing", "2.4.0").SpecVersion);
        Assert.Equal("2.4.0", versions.Resolve("billing", "2.4.7").SpecVersion);
        Assert.Equal("2.2.0", versions.Resolve("billing", "2.3.1").SpecVersion);
        Assert.Equal("3.0.0", versions.Resolve("billing", "3.9.0").SpecVersion);
        Assert.Equal("main", versions.Resolve("billing", "1.9.0").SpecVersion);
        Assert.Equal("main", versions.Resolve("billing", "2.1.5").SpecVersion);

        // A prerelease sorts below its release: 2.4.0-rc.1 is not 2.4.0 and nothing of 2.4 is lower.
        Assert.Equal("2.2.0", versions.Resolve("billing", "2.4.0-rc.1").SpecVersion);
        Assert.Equal("main", versions.Resolve("billing", null).SpecVersion);
        Assert.Equal("main", versions.Resolve("billing", "latest", strict: false).SpecVersion);
        Assert.Equal("versions.version_invalid", Assert.Throws<KseException>(() => versions.Resolve("billing", "latest")).Code);
    }

    [Fact]
    public void Resolve_DiffDocumentOverlaysItsBaseSectionBySection_AndNamesWhereEachCameFrom()
    {
        var (ws, versions) = Setup();
        using var _ = ws;
        versions.Create("billing", "2.4.0");
        File.WriteAllText(Ops(ws, "versions", "2.4.0", "troubleshooting.md"), "## Common Issues\n\n- only in 2.4\n\n## Upgrade Notes\n\nNew in 2.4.\n");

        var spec = versions.Resolve("billing", "2.4.3");
        var doc = spec.Find("troubleshooting.md")!;

        Assert.Equal("2.4.0", spec.SpecVersion);
        Assert.Equal(["2.4.0", "main"], spec.Chain);
        Assert.True(doc.Overlaid);
        Assert.Equal("2.4.0", doc.Version);
        Assert.Contains("only in 2.4", doc.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("For common issues run", doc.Text, StringComparison.Ordinal);
        Assert.Contains("For diagnostic commands run", doc.Text, StringComparison.Ordinal);
        Assert.True(doc.Text.IndexOf("## Common Issues", StringComparison.Ordinal) < doc.Text.IndexOf("## Diagnostic Commands", StringComparison.Ordinal));
        Assert.EndsWith("## Upgrade Notes\n\nNew in 2.4.\n", doc.Text, StringComparison.Ordinal);
        Assert.Equal(("2.4.0", ".sce/specs/billing/operations/versions/2.4.0/troubleshooting.md"), doc.Sections.Where(s => s.Heading == "Common Issues").Select(s => (s.Version, s.Source)).Single());
        Assert.Equal(("main", ".sce/specs/billing/operations/troubleshooting.md"), doc.Sections.Where(s => s.Heading == "Diagnostic Commands").Select(s => (s.Version, s.Source)).Single());
        Assert.Equal("main", spec.Find("deployment.md")!.Version);

        // The main spec and other versions see none of it.
        Assert.DoesNotContain("only in 2.4", versions.Resolve("billing", "2.3.1").Find("troubleshooting.md")!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_DiffOverDiffOverFull_ChainsOverlaysAndAFullVersionStandsAlone()
    {
        var (ws, versions) = Setup();
        using var _ = ws;
        versions.Create("billing", "3.0.0");
        File.WriteAllText(Ops(ws, "versions", "3.0.0", "rollback.md"), "# rollback 3\n\n## Rollback Triggers\n\nthree\n\n## Rollback Steps\n\nthree steps\n\n## Data Recovery Procedures\n\nthree recovery\n");
        versions.Create("billing", "3.1.0");
        File.WriteAllText(Ops(ws, "versions", "3.1.0", "rollback.md"), "## Rollback Steps\n\nthree-one steps\n");
        versions.Create("billing", "3.1.2", from: "3.1.0");
        File.WriteAllText(Ops(ws, "versions", "3.1.2", "rollback.md"), "## Rollback Triggers\n\nthree-one-two\n\n## Data Recovery Procedures\n\n" + SpecVersionService.RemovedMarker + "\n");
        File.WriteAllText(Ops(ws, "rollback.md"), "## Rollback Triggers\n\nmain changed later\n");

        var spec = versions.Resolve("billing", "3.1.5");
        var doc = spec.Find("rollback.md")!;

        Assert.Equal(["3.1.2", "3.1.0", "3.0.0"], spec.Chain);
        Assert.Equal("# rollback 3\n\n## Rollback Triggers\n\nthree-one-two\n\n## Rollback Steps\n\nthree-one steps\n", doc.Text);
        Assert.Equal(["3.1.2", "3.1.0"], doc.Sections.Select(s => s.Version));
        Assert.DoesNotContain("main changed later", doc.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_NamesChangedDocumentsSectionsAndOperationsWithTheirRisk()
    {
        var (ws, versions) = Setup();
        using var _ = ws;
        versions.Create("billing", "2.4.0");
        var ops = File.ReadAllText(Ops(ws, "operations.md"));
        File.WriteAllText(Ops(ws, "versions", "2.4.0", "operations.md"), ops.Replace("[\"echo\", \"{word}\"]", "[\"echo\", \"v2\", \"{word}\"]", StringComparison.Ordinal).Replace("risk: normal", "risk: critical", StringComparison.Ordinal));
        File.WriteAllText(Ops(ws, "versions", "2.4.0", "monitoring.md"), "## Thresholds\n\nstricter\n\n## Dashboards\n\nnew\n");

        var diff = versions.Diff("billing", "2.3.1", "2.4.0");

        Assert.False(diff.Identical);
        Assert.Equal(["monitoring.md", "operations.md"], diff.Documents.Select(d => d.Name).Order(StringComparer.Ordinal));
        var monitoring = diff.Documents.Single(d => d.Name == "monitoring.md");
        Assert.Contains(monitoring.Sections, s => s is { Heading: "Thresholds", Change: "changed" });
        Assert.Contains(monitoring.Sections, s => s is { Heading: "Dashboards", Change: "added" });
        var say = Assert.Single(diff.Operations);
        Assert.Equal(("say", "changed", Kse.Core.RiskClass.Critical, (Kse.Core.RiskClass?)Kse.Core.RiskClass.Normal), (say.Name, say.Change, say.Risk, say.PreviousRisk));
        Assert.Equal(["command", "risk"], say.Fields);
        Assert.Equal("echo v2 '{word}'", say.To?.Replace("{word}", "'{word}'", StringComparison.Ordinal).Replace("''", "'", StringComparison.Ordinal));
        Assert.True(versions.Diff("billing", "2.3.1", "main").Identical);
    }

    [Fact]
    public async Task Hotfix_CopiesTheResolvedDocumentIntoItsVersionOnly_AndReportsHashesBeforeAndAfter()
    {
        var (ws, versions) = Setup();
        using var _ = ws;
        versions.Create("billing", "2.4.0");
        versions.Create("billing", "2.5.0", from: "main");
        versions.Create("billing", "2.4.1");
        var mainBefore = File.ReadAllText(Ops(ws, "troubleshooting.md"));
        var before = versions.Resolve("billing", "2.4.0").Find("troubleshooting.md")!;

        var result = await versions.HotfixAsync("billing", "2.4.0", "troubleshooting", null, (path, _) =>
        {
            File.WriteAllText(path, File.ReadAllText(path).Replace("## Common Issues\n", "## Common Issues\n\n- HOTFIX-240\n", StringComparison.Ordinal));
            return Task.CompletedTask;
        }, Actor.OsUser("tester"));

        Assert.True(result.CopyCreated);
        Assert.True(result.Changed);
        Assert.Equal(before.Sha256, result.Sha256Before);
        Assert.Equal(versions.Resolve("billing", "2.4.0").Find("troubleshooting.md")!.Sha256, result.Sha256After);
        Assert.Contains("HOTFIX-240", versions.Resolve("billing", "2.4.9").Find("troubleshooting.md")!.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("HOTFIX-240", versions.Resolve("billing", "2.5.0").Find("troubleshooting.md")!.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("HOTFIX-240", versions.Resolve("billing", "2.3.1").Find("troubleshooting.md")!.Text, StringComparison.Ordinal);
        Assert.Equal(mainBefore, File.ReadAllText(Ops(ws, "troubleshooting.md")));
        Assert.Empty(result.Warnings);

        // A patch version built on 2.4.0 without its own copy sees the fix, and the result says so.
        Assert.Equal(["2.4.1"], result.AlsoChanged);
        Assert.Contains("HOTFIX-240", versions.Resolve("billing", "2.4.1").Find("troubleshooting.md")!.Text, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<KseException>(() => versions.HotfixAsync("billing", "9.9.9", "troubleshooting", "x", null, Actor.OsUser("tester")));
        Assert.Equal("versions.not_found", missing.Code);
    }

    [Fact]
    public async Task Link_RecordsTheTagsCommit_AndFromTagMakesVersionsWithTheDocumentsOfTheTag()
    {
        var (ws, versions) = Setup();
        using var _ = ws;
        GitRepo.Run(ws.Root, "init", "-q");
        GitRepo.Run(ws.Root, "add", "-A");
        GitRepo.Run(ws.Root, "commit", "-qm", "2.3");
        GitRepo.Run(ws.Root, "tag", "v2.3.0");
        File.AppendAllText(Ops(ws, "deployment.md"), "\n## Upgrade\n\nfrom 2.3 to 2.4\n");
        GitRepo.Run(ws.Root, "commit", "-qam", "2.4");
        GitRepo.Run(ws.Root, "tag", "v2.4.0");
        GitRepo.Run(ws.Root, "tag", "not-a-version");
        versions.Create("billing", "2.4.0");

        var link = await versions.LinkAsync("billing", "2.4.0", null);
        var made = await versions.CreateFromTagsAsync("billing", null, null);

        var head = Git(ws.Root, "rev-parse", "v2.4.0^{commit}");
        Assert.Equal((head, "v2.4.0"), (link.Revision, link.Tag));
        var listed = versions.List("billing").Versions.Single(v => v.Version == "2.4.0");
        Assert.Equal((head, "v2.4.0"), (listed.Revision, listed.Tag));
        var created = Assert.Single(made.Created);
        Assert.Equal(("2.3.0", "v2.3.0", Git(ws.Root, "rev-parse", "v2.3.0^{commit}")), (created.Version, created.Tag, created.Revision));
        Assert.Contains(made.Skipped, s => s.StartsWith("v2.4.0", StringComparison.Ordinal));

        // 2.3.0 overlays the main spec, which has moved on: its own deployment.md is the one of the tag.
        Assert.Equal(["deployment.md"], created.Documents);
        Assert.DoesNotContain("from 2.3 to 2.4", versions.Resolve("billing", "2.3.0").Find("deployment.md")!.Text, StringComparison.Ordinal);

        var noTag = await Assert.ThrowsAsync<KseException>(() => versions.LinkAsync("billing", "2.3.0", "no-such-rev"));
        Assert.Equal("change.revision_unknown", noTag.Code);
        versions.Create("billing", "2.6.0");
        Assert.Equal("versions.tag_not_found", (await Assert.ThrowsAsync<KseException>(() => versions.LinkAsync("billing", "2.6.0", null))).Code);
    }

    [Fact]
    public void List_NamesTheInstancesThatResolveToEachVersion()
    {
        var (ws, versions) = Setup();
        using var _ = ws;
        var manifest = ProjectManifest.Load(ws.Workspace, "billing") with
        {
            Instances =
            [
                new ProjectInstance { Id = "old", Environment = Kse.Core.EnvironmentKind.Development, Host = "local", Version = "2.3.1" },
                new ProjectInstance { Id = "new", Environment = Kse.Core.EnvironmentKind.Development, Host = "local", Version = "2.4.1" },
            ],
        };
        manifest.Save(ws.Workspace);
        versions.Create("billing", "2.4.0");

        var list = versions.List("billing");

        Assert.Equal(["old"], list.MainInstances);
        Assert.Equal(["new"], list.Versions.Single().Instances);
    }

    [Fact]
    public void BrokenVersionYaml_IsReported_AndValidateWithTheVersionFails()
    {
        var (ws, versions) = Setup();
        using var _ = ws;
        versions.Create("billing", "2.4.0");
        File.WriteAllText(Ops(ws, "versions", "2.4.0", "version.yaml"), "version: \"2.4.0\"\nstrategy: sideways\n");

        var listed = versions.List("billing").Versions.Single();
        var report = versions.Validate("billing", "2.4.0");

        Assert.Contains(listed.Problems, p => p.Contains("version.yaml:2", StringComparison.Ordinal) && p.Contains("sideways", StringComparison.Ordinal));
        Assert.False(report.Valid);
        Assert.Equal("2.4.0", report.SpecVersion);
        Assert.True(versions.Validate("billing", "2.3.1").Valid);
    }

    private static string Git(string root, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = root, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }
}
