using Kse.Core.Changes;
using Kse.TestKit;

namespace Kse.Core.Tests.Changes;

/// <summary>From git, rules see the full file: what encloses a hunk is found even when it is outside the diff's context lines.</summary>
public sealed class GitContentTests
{

    private const string Service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: billing\n  labels:\n    team: payments\n    tier: backend\nspec:\n  selector:\n    app: billing\n  ports:\n    - port: 80\n      targetPort: 8080\n";

    private const string OpenApi = "openapi: 3.0.3\ninfo:\n  title: Billing\n  version: 1.0.0\npaths:\n  /invoices/{id}:\n    get:\n      operationId: getInvoice\n      description: one invoice\n      responses:\n        '200':\n          description: ok\n        '404':\n          description: missing\n    delete:\n      operationId: deleteInvoice\n      responses:\n        '204':\n          description: deleted\n";

    [Fact]
    public async Task FromGit_KindAndOpenApiPathOutsideTheHunk_AreFoundInTheFullFile()
    {
        using var ws = new TempWorkspace();
        ws.Write("deploy/k8s/billing.yaml", Service);
        ws.Write("api/billing.yaml", OpenApi);
        GitRepo.Run(ws.Root, "init", "-q");
        GitRepo.Run(ws.Root, "add", "-A");
        GitRepo.Run(ws.Root, "commit", "-qm", "init");
        ws.Write("deploy/k8s/billing.yaml", Service.Replace("targetPort: 8080", "targetPort: 9090", StringComparison.Ordinal));
        ws.Write("api/billing.yaml", OpenApi[..OpenApi.IndexOf("    delete:", StringComparison.Ordinal)]);
        GitRepo.Run(ws.Root, "add", "-A");
        var service = new ChangeImpactService(ws.Workspace, new ChangeClassifier(), TimeProvider.System);

        var fromText = service.Assess(await service.ReadDiffAsync(new DiffSource { Staged = true }));
        var fromGit = service.Assess(await service.ReadDiffFilesAsync(new DiffSource { Staged = true }));

        // Hunks alone: the kind line is out of sight and the file name says nothing; the removed operation's path is unknown.
        Assert.Contains(fromText.Findings, f => f.Rule == "arch.k8s-workload-changed");
        Assert.Contains(fromText.Findings, f => f.Rule == "api.openapi.changed" || f.Subject == "DELETE ?");
        Assert.Contains(fromGit.Findings, f => f.Rule == "arch.k8s-network-changed" && f.Subject == "Service");
        Assert.Contains(fromGit.Findings, f => f.Rule == "api.openapi.operation-removed" && f.Subject == "DELETE /invoices/{id}");
    }

    [Fact]
    public async Task FromGit_AnEditInsideDown_IsNotADestructiveUpChange()
    {
        var migration = "using Microsoft.EntityFrameworkCore.Migrations;\n\npublic partial class AddNote : Migration\n{\n    protected override void Up(MigrationBuilder migrationBuilder)\n    {\n        migrationBuilder.AddColumn<string>(name: \"Note\", table: \"Invoices\", nullable: true);\n    }\n\n    protected override void Down(MigrationBuilder migrationBuilder)\n    {\n        // remove the column again\n        // (kept simple)\n        // nothing else\n        migrationBuilder.DropColumn(name: \"Note\", table: \"Invoices\");\n    }\n}\n";
        using var ws = new TempWorkspace();
        ws.Write("src/Data/Migrations/20260101_AddNote.cs", migration);
        GitRepo.Run(ws.Root, "init", "-q");
        GitRepo.Run(ws.Root, "add", "-A");
        GitRepo.Run(ws.Root, "commit", "-qm", "init");
        ws.Write("src/Data/Migrations/20260101_AddNote.cs", migration.Replace("migrationBuilder.DropColumn(name: \"Note\", table: \"Invoices\");", "migrationBuilder.DropColumn(name: \"Note\", table: \"Invoices\", schema: \"billing\");", StringComparison.Ordinal));
        GitRepo.Run(ws.Root, "add", "-A");
        GitRepo.Run(ws.Root, "commit", "-qm", "edit down");
        var service = new ChangeImpactService(ws.Workspace, new ChangeClassifier(), TimeProvider.System);
        var report = service.Assess(await service.ReadDiffFilesAsync(new DiffSource { Base = "HEAD~1", Head = "HEAD" }));
        Assert.Equal(["data.applied-migration-edited"], report.Findings.Select(f => f.Rule));
    }
}
