using Kse.Core.Changes;
using Kse.Core.Specs;
using Kse.Core.Versions;
using Kse.TestKit;

namespace Kse.Core.Tests.Versions;

/// <summary>Drift between code and operations spec, on real git repositories: each kind of operational change, and none for a refactor or a documented change.</summary>
public sealed class DriftServiceTests : IDisposable
{
    private readonly TempWorkspace _ws = new();
    private readonly DriftService _drift;

    public DriftServiceTests()
    {
        SpecFixtures.CreateFilled(_ws.Workspace, "billing");
        SpecFixtures.CreateFilled(_ws.Workspace, "storefront");
        File.AppendAllText(Path.Combine(_ws.Workspace.OperationsDir("billing"), "deployment.md"), "\n| `ASPNETCORE_URLS` | bind address | `http://0.0.0.0:8080` |\n");
        _ws.Write(".sce/dependencies.yaml", "version: 1\nprojects:\n  - name: billing\n    path: services/billing\n    hosts: [billing.internal]\n  - name: storefront\n    path: services/storefront\n");
        _ws.Write("services/billing/.env.production", "ASPNETCORE_URLS=http://0.0.0.0:8080\n");
        _ws.Write("services/billing/src/Totals.cs", "namespace Billing;\npublic static class Totals\n{\n    public static decimal Add(decimal a, decimal b) => a + b;\n}\n");
        _ws.Write("services/billing/Dockerfile", "FROM mcr.microsoft.com/dotnet/aspnet:10.0\nEXPOSE 8080\n");
        _ws.Write("services/billing/src/Billing.csproj", "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <ItemGroup>\n    <PackageReference Include=\"Serilog\" Version=\"4.0.0\" />\n  </ItemGroup>\n</Project>\n");
        _ws.Write("services/billing/src/appsettings.json", "{\n  \"Logging\": {\n    \"LogLevel\": \"Information\"\n  }\n}\n");
        GitRepo.Run(_ws.Root, "init", "-q");
        GitRepo.Run(_ws.Root, "add", "-A");
        GitRepo.Run(_ws.Root, "commit", "-qm", "base");
        var specs = new SpecService(_ws.Workspace, new TemplateLibrary(), []);
        _drift = new DriftService(_ws.Workspace, new ChangeImpactService(_ws.Workspace, new ChangeClassifier(), TimeProvider.System, specs: specs));
    }

    public void Dispose() => _ws.Dispose();

    private void Append(string path, string text) => File.AppendAllText(Path.Combine(_ws.Root, path), text);

    private void Replace(string path, string from, string to)
    {
        var full = Path.Combine(_ws.Root, path);
        File.WriteAllText(full, File.ReadAllText(full).Replace(from, to, StringComparison.Ordinal));
    }

    private async Task<DriftReport> StagedAsync()
    {
        GitRepo.Run(_ws.Root, "add", "-A");
        return await _drift.CheckAsync("billing", new DiffSource { Staged = true });
    }

    [Fact]
    public async Task NewEnvironmentVariable_NamesDeploymentEnvironmentVariables_WithFileAndLine()
    {
        Append("services/billing/.env.production", "BILLING_NEW_QUEUE_URL=amqp://mq-1.internal:5672/billing\n");

        var report = await StagedAsync();

        var env = Assert.Single(report.Findings, f => f.Rule == "drift.env-var");
        Assert.Equal(("services/billing/.env.production", 2, ".sce/specs/billing/operations/deployment.md", "Environment Variables", "BILLING_NEW_QUEUE_URL"), (env.File, env.Line, env.Document, env.Section, env.Subject));
        Assert.Contains("BILLING_NEW_QUEUE_URL", env.Reason, StringComparison.Ordinal);

        // The queue host is a new external dependency: the project graph and monitoring.md.
        Assert.Contains(report.Findings, f => f is { Rule: "drift.external-dependency", Document: ".sce/dependencies.yaml", Subject: "mq-1.internal" });
        Assert.Contains(report.Findings, f => f is { Rule: "drift.external-dependency", Document: ".sce/specs/billing/operations/monitoring.md", Subject: "mq-1.internal" });
        Assert.False(report.Clean);
    }

    [Fact]
    public async Task PureRefactor_HasNoDrift()
    {
        Replace("services/billing/src/Totals.cs", "Add(", "Sum(");

        var report = await StagedAsync();

        Assert.True(report.Clean);
        Assert.Equal(1, report.ProjectFiles);
    }

    [Fact]
    public async Task VariableThatDeploymentMdDocumentsInTheSameChange_HasNoDrift()
    {
        Append("services/billing/.env.production", "BILLING_AUDIT_BATCH_SIZE=50\n");
        Append(".sce/specs/billing/operations/deployment.md", "| `BILLING_AUDIT_BATCH_SIZE` | invoices per audit batch | `50` |\n");

        var report = await StagedAsync();

        Assert.True(report.Clean);
        Assert.Equal(1, report.Covered);
        Assert.Equal(["deployment.md"], report.DocumentsChanged);
    }

    [Fact]
    public async Task AnUnrelatedEditOfDeploymentMd_DoesNotCoverANewVariable()
    {
        Append("services/billing/.env.production", "BILLING_AUDIT_BATCH_SIZE=50\n");
        Append(".sce/specs/billing/operations/deployment.md", "\nTypo fixed.\n");

        Assert.Contains((await StagedAsync()).Findings, f => f.Subject == "BILLING_AUDIT_BATCH_SIZE");
    }

    [Fact]
    public async Task ConfigurationKeyAndCodeThatReadsVariablesAndKeys_AreFound()
    {
        Replace("services/billing/src/appsettings.json", "  \"Logging\": {", "  \"Invoices\": {\n    \"RenderTimeoutSeconds\": 30\n  },\n  \"Logging\": {");
        _ws.Write("services/billing/src/Settings.cs", "class S { string a = System.Environment.GetEnvironmentVariable(\"BILLING_PDF_BUCKET\"); object b = Configuration[\"Billing:Currency\"]; }\n");

        var report = await StagedAsync();

        Assert.Contains(report.Findings, f => f is { Rule: "drift.config-key", Subject: "RenderTimeoutSeconds", File: "services/billing/src/appsettings.json", Line: 3 });
        Assert.Contains(report.Findings, f => f is { Rule: "drift.env-var", Subject: "BILLING_PDF_BUCKET", File: "services/billing/src/Settings.cs", Line: 1 });
        Assert.Contains(report.Findings, f => f is { Rule: "drift.config-key", Subject: "Billing:Currency" });
        Assert.All(report.Findings.Where(f => f.Rule is "drift.config-key" or "drift.env-var"), f => Assert.Equal("Environment Variables", f.Section));
    }

    [Fact]
    public async Task PortsAndHealthEndpoints_NameMonitoring()
    {
        Append("services/billing/Dockerfile", "EXPOSE 9090\n");
        _ws.Write("services/billing/src/Program.cs", "var app = WebApplication.Create();\napp.MapHealthChecks(\"/healthz/ready\");\napp.Run();\n");

        var report = await StagedAsync();

        Assert.Contains(report.Findings, f => f is { Rule: "drift.port", Subject: "9090", File: "services/billing/Dockerfile", Line: 3, Document: ".sce/specs/billing/operations/monitoring.md" });
        Assert.Contains(report.Findings, f => f is { Rule: "drift.health-endpoint", Subject: "/healthz/ready", Line: 2 });
        Assert.DoesNotContain(report.Findings, f => f.Subject == "8080");
    }

    [Fact]
    public async Task Migration_NamesMigrationPlanAndRollback_UnlessTheyChangeWithIt()
    {
        _ws.Write("services/billing/src/Data/Migrations/20261201_AddInvoiceNote.cs", "public partial class AddInvoiceNote : Migration { }\n");

        var report = await StagedAsync();

        Assert.Equal(
            ["migration-plan.md:Migration Strategy", "rollback.md:Data Recovery Procedures"],
            report.Findings.Where(f => f.Rule == "drift.migration").Select(f => $"{Path.GetFileName(f.Document)}:{f.Section}").Order(StringComparer.Ordinal));

        Append(".sce/specs/billing/operations/migration-plan.md", "\nAddInvoiceNote is additive.\n");
        Append(".sce/specs/billing/operations/rollback.md", "\nDrop the note column.\n");
        Assert.DoesNotContain((await StagedAsync()).Findings, f => f.Rule == "drift.migration");
    }

    [Fact]
    public async Task DockerfileKubernetesComposeAndTerraform_NameDeploymentSteps()
    {
        Replace("services/billing/Dockerfile", "aspnet:10.0", "aspnet:10.0-noble");
        _ws.Write("services/billing/deploy/k8s/billing.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: billing\n");
        _ws.Write("services/billing/docker-compose.yml", "services:\n  billing:\n    image: billing\n");
        _ws.Write("services/billing/infra/main.tf", "resource \"aws_sqs_queue\" \"invoices\" {\n  name = \"invoices\"\n}\n");

        var report = await StagedAsync();

        Assert.Equal(
            ["services/billing/Dockerfile", "services/billing/deploy/k8s/billing.yaml", "services/billing/docker-compose.yml", "services/billing/infra/main.tf"],
            report.Findings.Where(f => f.Rule == "drift.deployment-artifact").Select(f => f.File).Order(StringComparer.Ordinal));
        Assert.All(report.Findings.Where(f => f.Rule == "drift.deployment-artifact"), f => Assert.Equal(("deployment.md", "Deployment Steps"), (Path.GetFileName(f.Document), f.Section)));

        Append(".sce/specs/billing/operations/deployment.md", "\nThe image is built on noble; apply infra/main.tf first.\n");
        Assert.DoesNotContain((await StagedAsync()).Findings, f => f.Rule == "drift.deployment-artifact");
    }

    [Fact]
    public async Task NewNetworkClientPackageAndConnectionString_AreExternalDependencies()
    {
        Replace("services/billing/src/Billing.csproj", "    <PackageReference Include=\"Serilog\" Version=\"4.0.0\" />", "    <PackageReference Include=\"Serilog\" Version=\"4.0.0\" />\n    <PackageReference Include=\"StackExchange.Redis\" Version=\"2.8.0\" />");
        Replace("services/billing/src/appsettings.json", "  \"Logging\": {", "  \"ConnectionStrings\": {\n    \"Ledger\": \"Host=ledger-db.internal;Database=ledger\"\n  },\n  \"Logging\": {");

        var report = await StagedAsync();

        Assert.Contains(report.Findings, f => f is { Rule: "drift.external-dependency", Subject: "StackExchange.Redis", Document: ".sce/dependencies.yaml" });
        Assert.Contains(report.Findings, f => f is { Rule: "drift.external-dependency", Subject: "ledger-db.internal", Section: "Metrics" });
        Assert.DoesNotContain(report.Findings, f => f.Subject == "Serilog");
    }

    [Fact]
    public async Task ScheduledJobs_NameOperationsDailyTasks()
    {
        _ws.Write("services/billing/src/Jobs.cs", "class Jobs { void Register() { RecurringJob.AddOrUpdate(\"nightly-dunning\", () => Run(), Cron.Daily); } }\n");
        _ws.Write("services/billing/deploy/k8s/cleanup.yaml", "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: invoice-cleanup\nspec:\n  schedule: \"0 3 * * *\"\n");

        var report = await StagedAsync();

        Assert.Contains(report.Findings, f => f is { Rule: "drift.scheduled-job", Subject: "nightly-dunning", File: "services/billing/src/Jobs.cs", Line: 1, Section: "Daily Tasks" });
        Assert.Contains(report.Findings, f => f is { Rule: "drift.scheduled-job", Subject: "invoice-cleanup" });
    }

    [Fact]
    public async Task AnotherProjectsFiles_AreNotThisProjectsDrift()
    {
        _ws.Write("services/storefront/.env", "STOREFRONT_THEME=dark\n");

        var report = await StagedAsync();

        Assert.True(report.Clean);
        Assert.Equal(0, report.ProjectFiles);
        Assert.False((await _drift.CheckAsync("storefront", new DiffSource { Staged = true })).Clean);
    }

    [Fact]
    public async Task GitRange_IsReadLikeTheChangeCommandsReadIt()
    {
        Append("services/billing/.env.production", "BILLING_RETRY_LIMIT=5\n");
        GitRepo.Run(_ws.Root, "commit", "-qam", "retry");

        var report = await _drift.CheckAsync("billing", new DiffSource { Base = "HEAD~1", Head = "HEAD" });

        Assert.Equal("HEAD~1..HEAD", report.Source);
        Assert.Contains(report.Findings, f => f.Subject == "BILLING_RETRY_LIMIT");
        Assert.Equal("change.revision_unknown", (await Assert.ThrowsAsync<KseException>(() => _drift.CheckAsync("billing", new DiffSource { Base = "nope" }))).Code);
        Assert.Equal("spec.project_not_found", (await Assert.ThrowsAsync<KseException>(() => _drift.CheckAsync("ghost", new DiffSource { Staged = true }))).Code);
    }
}
