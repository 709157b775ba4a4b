using Kse.Core.Specs;
using Kse.TestKit;

namespace Kse.Core.Tests.Specs;

public sealed class SpecServiceTests
{
    private static SpecService Service(TempWorkspace ws) => new(ws.Workspace, new TemplateLibrary(), []);

    [Fact]
    public void Templates_HaveEveryRequiredSection_AsPlaceholders()
    {
        var templates = new TemplateLibrary();
        foreach (var doc in SpecDocuments.All.Where(d => !d.IsYaml))
        {
            var spec = MarkdownSpec.Parse(templates.Render(doc.Name, "x"));
            foreach (var heading in doc.RequiredSections)
            {
                var section = spec.Find(heading);
                Assert.True(section is not null, $"{doc.Name} template lacks '## {heading}'");
                Assert.False(section.IsFilled, $"{doc.Name} template section '{heading}' is not a placeholder");
                Assert.Contains("kse:fill", section.Body);
            }
        }
    }

    [Fact]
    public void InitProject_CreatesNineDocumentsAndManifest_ThenValidateReportsEverySectionUnfilled()
    {
        using var ws = new TempWorkspace(initialize: false);
        var result = Service(ws).InitProject("billing", SystemType.Existing);
        Assert.Equal(10, result.Created.Count);
        Assert.Equal(SystemType.Existing, ProjectManifest.Load(ws.Workspace, "billing").SystemType);

        var report = Service(ws).Validate("billing");
        Assert.False(report.Valid);
        Assert.Equal(SpecDocuments.All.Select(d => d.Name), report.Documents.Select(d => d.Name));
        foreach (var doc in SpecDocuments.All.Where(d => !d.IsYaml))
        {
            Assert.Equal(doc.RequiredSections, report.Documents.Single(d => d.Name == doc.Name).UnfilledSections);
        }

        Assert.Equal(["tools"], report.Documents.Single(d => d.Name == "tools.yaml").UnfilledSections);
    }

    [Fact]
    public void InitProject_KeepsExistingFiles_UnlessForced()
    {
        using var ws = new TempWorkspace();
        var svc = Service(ws);
        svc.InitProject("billing");
        var path = Path.Combine(ws.Workspace.OperationsDir("billing"), "deployment.md");
        File.WriteAllText(path, "mine");
        var again = svc.InitProject("billing");
        Assert.Equal("mine", File.ReadAllText(path));
        Assert.Equal(10, again.Skipped.Count);
        var forced = svc.InitProject("billing", force: true);
        Assert.Contains("deployment.md", forced.Overwritten);
        Assert.NotEqual("mine", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("Billing")]
    [InlineData("a/b")]
    [InlineData("")]
    public void InitProject_RefusesNonSlugNames_BeforeTouchingTheDisk(string name)
    {
        using var ws = new TempWorkspace(initialize: false);
        var ex = Assert.Throws<KseException>(() => Service(ws).InitProject(name));
        Assert.Equal("spec.project_invalid", ex.Code);
        Assert.Equal(2, ex.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(ws.Root));
    }

    [Fact]
    public void Validate_FilledProject_IsValid_AndCrLfValidatesTheSame()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        Assert.True(Service(ws).Validate("billing").Valid);
        var path = Path.Combine(ws.Workspace.OperationsDir("billing"), "deployment.md");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\n", "\r\n"));
        Assert.True(Service(ws).Validate("billing").Valid);
    }

    [Fact]
    public void Validate_NamesMissingDocument_MissingSection_AndBrokenTools()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        var ops = ws.Workspace.OperationsDir("billing");
        File.Delete(Path.Combine(ops, "rollback.md"));
        var monitoring = Path.Combine(ops, "monitoring.md");
        File.WriteAllText(monitoring, File.ReadAllText(monitoring).Replace("## Alert Rules", "## Alerting notes"));
        File.WriteAllText(Path.Combine(ops, "tools.yaml"), "tools:\n  - name: [x\n");

        var report = Service(ws).Validate("billing");
        Assert.False(report.Valid);
        Assert.False(report.Documents.Single(d => d.Name == "rollback.md").Present);
        Assert.Equal(["Alert Rules"], report.Documents.Single(d => d.Name == "monitoring.md").MissingSections);
        Assert.Matches(@"tools\.yaml:\d+:\d+", Assert.Single(report.Documents.Single(d => d.Name == "tools.yaml").Errors));
        Assert.True(report.Documents.Single(d => d.Name == "deployment.md").Complete);
    }

    [Fact]
    public void Validate_UnknownProject_IsNotFound()
    {
        using var ws = new TempWorkspace();
        Assert.Equal("spec.project_not_found", Assert.Throws<KseException>(() => Service(ws).Validate("nope")).Code);
    }

    [Fact]
    public void Validate_OversizedDocument_IsReported_NotParsed()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        File.WriteAllText(Path.Combine(ws.Workspace.OperationsDir("billing"), "operations.md"), new string('x', SpecService.MaxDocumentBytes + 1));
        var doc = Service(ws).Validate("billing").Documents.Single(d => d.Name == "operations.md");
        Assert.Contains("limit", Assert.Single(doc.Errors));
    }

    [Fact]
    public void SharedLibrary_SuppliesMissingSections_AndProjectSectionsOverride()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        var path = Path.Combine(ws.Workspace.OperationsDir("billing"), "feedback-response.md");
        File.WriteAllText(path, "# fb\n\n## Feedback Classification Rules\n\nOwn rules.\n\n## Response Procedures\n\nOwn procedures.\n\n## Escalation Paths\n\n<!-- kse:fill: who -->\n");
        Assert.False(Service(ws).Validate("billing").Valid);

        File.WriteAllText(Path.Combine(ws.Workspace.SharedOperationsDir, "feedback-response.md"),
            "# shared\n\n## Response Procedures\n\nShared procedures.\n\n## Escalation Paths\n\nShared escalation.\n\n## Resolution Tracking\n\nShared tracking.\n");
        var report = Service(ws).Validate("billing");
        Assert.True(report.Valid);
        Assert.Equal(["Escalation Paths", "Resolution Tracking"], report.Documents.Single(d => d.Name == "feedback-response.md").SharedSections);

        var resolved = Service(ws).Show("billing", "feedback-response", resolved: true);
        Assert.Contains("Own procedures.", resolved.Text);
        Assert.DoesNotContain("Shared procedures.", resolved.Text);
        Assert.Contains("Shared escalation.", resolved.Text);
        Assert.Contains("Shared tracking.", resolved.Text);
        Assert.DoesNotContain("Shared escalation.", Service(ws).Show("billing", "feedback-response.md", resolved: false).Text);
    }

    [Fact]
    public void Show_UnknownDocument_IsBadInput_AndDeletedDocument_IsNotFound()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        Assert.Equal("spec.document_unknown", Assert.Throws<KseException>(() => Service(ws).Show("billing", "../../etc/passwd", false)).Code);
        File.Delete(Path.Combine(ws.Workspace.OperationsDir("billing"), "rollback.md"));
        Assert.Equal(3, Assert.Throws<KseException>(() => Service(ws).Show("billing", "rollback", false)).ExitCode);
    }

    [Fact]
    public void Status_ListsFinishedDevSpecsWithoutOperations_WithTheCommand()
    {
        using var ws = new TempWorkspace();
        ws.Write(".sce/specs/refunds/tasks.md", "- [x] one\n- [X] two\n");
        ws.Write(".sce/specs/payouts/tasks.md", "- [x] one\n- [ ] two\n");
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        ws.Write(".sce/specs/billing/tasks.md", "- [x] done\n");

        var status = Service(ws).Status();
        Assert.Equal(["refunds"], status.NeedOperationsSpec);
        Assert.Equal("kse ops init refunds --system-type kse", status.Specs.Single(s => s.Name == "refunds").Action);
        var payouts = status.Specs.Single(s => s.Name == "payouts");
        Assert.Equal((1, 2), (payouts.TasksDone, payouts.TasksTotal));
        Assert.False(payouts.NeedsOperationsSpec);
        Assert.True(status.Specs.Single(s => s.Name == "billing").HasOperationsSpec);
    }

    [Fact]
    public void ListProjects_ReportsValidity_AndSkipsFoldersWithoutSpecs()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        Service(ws).InitProject("storefront", SystemType.Existing);
        ws.Write(".sce/specs/refunds/tasks.md", "- [ ] x\n");
        var list = Service(ws).ListProjects();
        Assert.Equal(["billing", "storefront"], list.Projects.Select(p => p.Name));
        Assert.True(list.Projects[0].Valid);
        Assert.False(list.Projects[1].Valid);
        Assert.Equal("existing", list.Projects[1].SystemType);
    }
}

public sealed class SpecServiceOperationChecksTests
{
    private const string Restart = """

        ```kse-operation
        name: restart-service
        description: Restart the unit
        risk: normal
        command: ["systemctl", "restart", "billing.service"]
        verify: health-check
        rollback: restore-previous
        ```

        """;

    private const string Health = """

        ```kse-operation
        name: health-check
        description: Readiness
        risk: read
        command: ["curl", "-fsS", "http://localhost:8080/health/ready"]
        ```

        """;

    private static SpecService Service(TempWorkspace ws) => new(ws.Workspace, new TemplateLibrary(), [new Kse.Core.Execution.OperationBlockCheck()]);

    private static void Append(TempWorkspace ws, string document, string text)
    {
        var path = Path.Combine(ws.Workspace.OperationsDir("billing"), document);
        File.WriteAllText(path, File.ReadAllText(path).Replace("## Health Checks\n", "## Health Checks\n" + text).Replace("## Daily Tasks\n", "## Daily Tasks\n" + text));
    }

    [Fact]
    public void Validate_NamesAVerifyOrRollbackThatNoDocumentDeclares_AcrossDocuments()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        Append(ws, "deployment.md", Restart);
        Append(ws, "operations.md", Health);

        var report = Service(ws).Validate("billing");
        var deployment = report.Documents.Single(d => d.Name == "deployment.md");
        var error = Assert.Single(deployment.Errors);
        Assert.Matches(@"^deployment\.md:\d+: operation 'restart-service': rollback operation 'restore-previous' is not declared", error);
        Assert.Empty(report.Documents.Single(d => d.Name == "operations.md").Errors);
        Assert.False(report.Valid);
    }

    [Fact]
    public void Validate_NamesAnOperationDeclaredTwice_InTheSecondDocument()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        Append(ws, "deployment.md", Health);
        Append(ws, "operations.md", Health);

        var report = Service(ws).Validate("billing");
        Assert.Empty(report.Documents.Single(d => d.Name == "deployment.md").Errors);
        Assert.Contains("already declared in deployment.md", Assert.Single(report.Documents.Single(d => d.Name == "operations.md").Errors));
    }
}

public sealed class SpecServiceManifestTests
{
    [Fact]
    public void Validate_BrokenProjectYaml_MakesTheProjectInvalid_AndNamesThePosition()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        File.WriteAllText(ws.Workspace.ProjectFile("billing"), "systemType: kse\nenvironments: [prod-eu]\n");
        var report = new SpecService(ws.Workspace, new TemplateLibrary(), []).Validate("billing");
        Assert.False(report.Valid);
        Assert.Matches(@"project\.yaml:2:\d+: unknown environment 'prod-eu'", Assert.Single(report.ManifestErrors));
        Assert.All(report.Documents, d => Assert.True(d.Complete));
    }
}
