using Kse.Core.Changes;
using Kse.TestKit;

namespace Kse.Core.Tests.Changes;

public sealed class ChangeAssessorTests
{
    private static string Migration(string name, string sql) =>
        $"diff --git a/db/migrations/{name} b/db/migrations/{name}\nnew file mode 100644\n--- /dev/null\n+++ b/db/migrations/{name}\n@@ -0,0 +1,1 @@\n+{sql}\n";

    private static ChangeReport Assess(TempWorkspace ws, string diff, string? project = null) =>
        new ChangeImpactService(ws.Workspace, new ChangeClassifier(), TimeProvider.System).Assess(diff, project);

    [Fact]
    public void Strategy_AdditiveSchemaChange_IsOnline()
    {
        using var ws = new TempWorkspace();
        var report = Assess(ws, Migration("V2__note.sql", "ALTER TABLE invoices ADD COLUMN note text;"));
        Assert.Equal(MigrationKind.Online, report.MigrationStrategy.Strategy);
        Assert.Contains("data.column-added", report.MigrationStrategy.DecidedBy);
        Assert.True(report.RequiresMigrationPlan);
    }

    [Fact]
    public void Strategy_DroppedColumn_IsHybrid_WithExpandContractSteps()
    {
        using var ws = new TempWorkspace();
        var report = Assess(ws, Migration("V2__drop.sql", "ALTER TABLE invoices DROP COLUMN legacy;"));
        Assert.Equal(MigrationKind.Hybrid, report.MigrationStrategy.Strategy);
        Assert.Contains("data.column-dropped", report.MigrationStrategy.Reason);
        Assert.Contains(report.MigrationStrategy.Steps, s => s.StartsWith("Contract", StringComparison.Ordinal));
    }

    [Fact]
    public void Strategy_TypeChange_IsOffline_WithDowntimeFromTheOperationsSpec()
    {
        using var ws = new TempWorkspace();
        ws.Write(".sce/specs/billing/operations/operations.md", "# Ops\n\n## Maintenance Procedures\n\nThe maintenance window is Sunday 02:00, at most 45 minutes of downtime.\n\n## Backup Procedures\n\n- pg_dump billing > /backup/billing.sql\n");
        var report = Assess(ws, Migration("V2__type.sql", "ALTER TABLE invoices ALTER COLUMN total TYPE numeric(14,4);"), "billing");
        Assert.Equal(MigrationKind.Offline, report.MigrationStrategy.Strategy);
        Assert.Equal("45 minutes (operations.md, Maintenance Procedures)", report.MigrationStrategy.EstimatedDowntime);
        Assert.Contains(report.Risk.Mitigations, m => m.Contains("pg_dump billing", StringComparison.Ordinal));
    }

    [Fact]
    public void Risk_QuotesRollbackStepsFromRollbackMd_AndIsNotRaisedWhenTheyExist()
    {
        using var ws = new TempWorkspace();
        ws.Write(".sce/specs/billing/operations/rollback.md", "# Rollback\n\n## Rollback Triggers\n\nerrors\n\n## Rollback Steps\n\n<!-- kse:fill list the steps -->\n1. Redeploy the previous image tag\n2. Run `flyway undo`\n");
        var withSteps = Assess(ws, Migration("V2__note.sql", "ALTER TABLE invoices ADD COLUMN note text;"), "billing");
        Assert.Contains("Rollback step 1 (rollback.md): Redeploy the previous image tag", withSteps.Risk.Mitigations);
        Assert.Contains("Rollback step 2 (rollback.md): Run `flyway undo`", withSteps.Risk.Mitigations);
        Assert.Equal(RiskRating.Low, withSteps.Risk.Overall);

        using var bare = new TempWorkspace();
        Directory.CreateDirectory(bare.Workspace.OperationsDir("billing"));
        var without = Assess(bare, Migration("V2__note.sql", "ALTER TABLE invoices ADD COLUMN note text;"), "billing");
        Assert.Equal(RiskRating.Medium, without.Risk.Overall);
        Assert.Contains(without.Risk.Mitigations, m => m.Contains("Rollback Steps", StringComparison.Ordinal));
    }

    [Fact]
    public void Risk_PerFinding_CarriesLikelihoodAndImpact()
    {
        using var ws = new TempWorkspace();
        var report = Assess(ws, Migration("V2__drop.sql", "DROP TABLE invoices;"));
        var finding = Assert.Single(report.Findings);
        Assert.Equal((RiskRating.High, RiskRating.High), (finding.Likelihood, finding.Impact));
        Assert.Equal(RiskRating.Critical, report.Risk.Overall);
        Assert.Contains(report.Risk.Mitigations, m => m.StartsWith("Back up first", StringComparison.Ordinal));
    }

    [Fact]
    public void Report_Json_HasTheDocumentedShape()
    {
        using var ws = new TempWorkspace();
        var json = KseJson.Serialize(Assess(ws, Migration("V2__drop.sql", "ALTER TABLE invoices DROP COLUMN legacy;")));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("L4", root.GetProperty("level").GetString());
        var finding = root.GetProperty("findings")[0];
        Assert.Equal("data.column-dropped", finding.GetProperty("rule").GetString());
        Assert.Equal("L4", finding.GetProperty("level").GetString());
        Assert.Equal("db/migrations/V2__drop.sql", finding.GetProperty("file").GetString());
        Assert.Equal(1, finding.GetProperty("line").GetInt32());
        Assert.False(string.IsNullOrEmpty(finding.GetProperty("reason").GetString()));
        Assert.Equal("database", root.GetProperty("affectedSystems")[0].GetString());
        Assert.True(root.GetProperty("requiresMigrationPlan").GetBoolean());
        Assert.Equal("hybrid", root.GetProperty("migrationStrategy").GetProperty("strategy").GetString());
        Assert.Equal("critical", root.GetProperty("risk").GetProperty("overall").GetString());
    }
}
