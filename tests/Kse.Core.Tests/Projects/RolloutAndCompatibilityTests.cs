using Kse.Core.Changes;
using Kse.Core.Projects;
using Kse.TestKit;

namespace Kse.Core.Tests.Projects;

public sealed class RolloutAndCompatibilityTests
{
    private static ChangeImpactService Service(TempWorkspace ws) => new(ws.Workspace, new ChangeClassifier(), TimeProvider.System);

    [Fact]
    public void Classify_L3WithGraph_ReportsDependents_AndTheConsumerThatUsesTheRemovedPath()
    {
        using var ws = ChangeFixtures.Workspace();
        var report = Service(ws).Assess(ChangeFixtures.RemoveInvoicePathDiff);
        Assert.Equal(ChangeLevel.L3, report.Level);
        Assert.Equal(["billing"], report.Projects);
        var analysis = report.DependencyAnalysis!;
        Assert.Equal(["ledger", "reports", "web"], analysis.Dependents.Select(d => d.Project));
        var incompatible = Assert.Single(analysis.Incompatibilities);
        Assert.Equal(("ledger", "billing", "api:billing-api", "api.openapi.path-removed"), (incompatible.Consumer, incompatible.Provider, incompatible.Resource, incompatible.Rule));
        Assert.Contains("GET /invoices/{id}", incompatible.Reason);
        Assert.Contains("project:ledger", report.AffectedSystems);
    }

    [Fact]
    public void Compatibility_ConsumerWithoutUsesList_IsAssumedAffected_AndOneWhoseUsesDoNotMatch_IsNot()
    {
        using var ws = ChangeFixtures.Workspace();
        var report = Service(ws).Assess(ChangeFixtures.DropColumnDiff);
        var incompatible = Assert.Single(report.DependencyAnalysis!.Incompatibilities);
        Assert.Equal("reports", incompatible.Consumer);
        Assert.Contains("without a 'uses' list", incompatible.Reason);
    }

    [Fact]
    public void Compatibility_ConsumerWhoseOperationsSpecNamesTheColumn_IsReportedWithThatEvidence()
    {
        using var ws = ChangeFixtures.Workspace();
        ws.Write(".sce/specs/reports/operations/monitoring.md", "# reports\n\n## Metrics\n\n- nightly export reads invoices.legacy_ref\n");
        var incompatible = Assert.Single(Service(ws).Assess(ChangeFixtures.DropColumnDiff).DependencyAnalysis!.Incompatibilities);
        Assert.Contains("monitoring.md:5", incompatible.Reason);
    }

    [Fact]
    public void Compatibility_ConsumerWhoseUsesDoNotMatch_IsStillAffected_WhenItsOperationsSpecUsesTheSubject()
    {
        using var ws = ChangeFixtures.Workspace();
        var diff = ChangeFixtures.RemoveInvoicePathDiff.Replace("/invoices/{id}:", "/invoices:", StringComparison.Ordinal).Replace("-    get:\n      operationId: getInvoice", "-    post:\n      operationId: createInvoice", StringComparison.Ordinal);
        Assert.Empty(Service(ws).Assess(diff).DependencyAnalysis!.Incompatibilities);
        ws.Write(".sce/specs/ledger/operations/troubleshooting.md", "# ledger\n\n## Diagnostic Commands\n\n- curl -X POST http://billing.internal/invoices -d @probe.json\n");
        var hit = Assert.Single(Service(ws).Assess(diff).DependencyAnalysis!.Incompatibilities);
        Assert.Equal("ledger", hit.Consumer);
        Assert.Contains("troubleshooting.md:5", hit.Reason);
    }

    [Fact]
    public void Compatibility_AdditiveChange_BreaksNobody()
    {
        using var ws = ChangeFixtures.Workspace();
        var report = Service(ws).Assess(ChangeFixtures.AddColumnDiff);
        Assert.Empty(report.DependencyAnalysis!.Incompatibilities);
    }

    [Fact]
    public async Task Rollout_IncompatibleChange_ExpandsProvider_MigratesConsumersInDependencyOrder_ThenContracts()
    {
        using var ws = ChangeFixtures.Workspace();
        var plan = await Service(ws).PlanRolloutAsync(ChangeFixtures.RemoveInvoicePathDiff + ChangeFixtures.DropColumnDiff, null);
        Assert.True(plan.CoordinationNeeded);
        Assert.Equal(
            [(1, WavePhase.Expand, "billing"), (2, WavePhase.Migrate, "ledger"), (3, WavePhase.Migrate, "reports"), (4, WavePhase.Contract, "billing")],
            plan.Waves.Select(w => (w.Number, w.Phase, string.Join(",", w.Steps.Select(s => s.Project)))));
        var expand = plan.Waves[0].Steps[0];
        Assert.Equal(["kubectl rollout restart deployment/billing", "kubectl rollout status deployment/billing --timeout=5m"], expand.Operations);
        Assert.Equal(["curl -fsS http://billing.internal/health"], expand.HealthChecks);
        Assert.Contains("billing: curl -fsS http://billing.internal/health", plan.Waves[0].Gate);
        Assert.Null(plan.Waves[^1].Gate);
        Assert.Empty(plan.Cycles);
    }

    [Fact]
    public async Task Rollout_CompatibleChange_IsOneDeployWave()
    {
        using var ws = ChangeFixtures.Workspace();
        var plan = await Service(ws).PlanRolloutAsync(ChangeFixtures.AddColumnDiff, "billing");
        Assert.False(plan.CoordinationNeeded);
        var wave = Assert.Single(plan.Waves);
        Assert.Equal(WavePhase.Deploy, wave.Phase);
    }

    [Fact]
    public async Task Rollout_ConsumersInACycle_ShareAWave_AndTheCycleIsReported()
    {
        using var ws = ChangeFixtures.Workspace();
        // ledger and reports now consume from each other.
        ws.Write(".sce/dependencies.yaml", ChangeFixtures.Dependencies.Replace(
            "      - project: billing\n        queue: invoices.created",
            "      - project: billing\n        queue: invoices.created\n      - project: reports\n        api: reports-api", StringComparison.Ordinal));
        Assert.Contains("api: reports-api\n  - name: reports", File.ReadAllText(ws.Workspace.DependenciesFile), StringComparison.Ordinal);
        var plan = await Service(ws).PlanRolloutAsync(ChangeFixtures.RemoveInvoicePathDiff + ChangeFixtures.DropColumnDiff, null);
        Assert.Equal(3, plan.Waves.Count);
        Assert.Equal(["ledger", "reports"], plan.Waves[1].Steps.Select(s => s.Project));
        var cycle = Assert.Single(plan.Cycles);
        Assert.Equal(["ledger", "reports", "ledger"], cycle);
        Assert.Contains(plan.Notes, n => n.Contains("cycle", StringComparison.Ordinal));
    }

    [Fact]
    public void Discovery_ReportsUndeclaredAndStaleDependencies_WithFileAndLine()
    {
        using var ws = ChangeFixtures.Workspace();
        ws.Write("services/ledger/appsettings.json", "{\n  \"Billing\": { \"BaseUrl\": \"http://billing.internal:8080\" }\n}\n");
        ws.Write("services/reports/appsettings.json", "{\n  \"Services\": {\n    \"Ledger\": \"https://ledger:5001\",\n    \"Web\": \"http://web:80\"\n  }\n}\n");
        ws.Write("services/billing/.env", "DATABASE_URL=postgres://billing-db/billing\n");
        var graph = new DependencyGraph(DependencyFile.Load(ws.Workspace));
        var report = DependencyDiscovery.Scan(ws.Workspace, graph);
        Assert.False(report.Consistent);
        var undeclared = Assert.Single(report.Problems, p => p.Kind == "undeclared-dependency");
        Assert.Equal(["reports", "web"], undeclared.Projects);
        Assert.Equal(("services/reports/appsettings.json", 4), (undeclared.File, undeclared.Line));
        var stale = Assert.Single(report.Problems, p => p.Kind == "stale-dependency");
        Assert.Equal(["reports", "billing"], stale.Projects);
        Assert.Equal(["web"], report.Skipped);
    }

    [Fact]
    public async Task BrokenDeclaration_ClassifyStillWorksWithANote_ButRolloutRefuses()
    {
        using var ws = ChangeFixtures.Workspace();
        ws.Write(".sce/dependencies.yaml", "version: 1\nprojects:\n  - name: billing\n    provides: nope\n");
        var report = Service(ws).Assess(ChangeFixtures.RemoveInvoicePathDiff);
        Assert.Equal(ChangeLevel.L3, report.Level);
        Assert.Null(report.DependencyAnalysis);
        Assert.Contains("kse graph check", Assert.Single(report.Notes!));
        var ex = await Assert.ThrowsAsync<KseException>(() => Service(ws).PlanRolloutAsync(ChangeFixtures.RemoveInvoicePathDiff, "billing"));
        Assert.Equal("graph.invalid", ex.Code);
        Assert.Contains("dependencies.yaml:4:15", ex.Message);
    }

    [Theory]
    [InlineData("GET /invoices/{id}", "GET /invoices/{id}", true)]
    [InlineData("GET /invoices/{id}", "/invoices/{id}", true)]
    [InlineData("GET /invoices/{id}", "/invoices", false)]
    [InlineData("GET /invoices/{id}", "DELETE /invoices/{id}", false)]
    [InlineData("GET /invoices/{id}", "/invoices/{id} currency", true)]
    [InlineData("invoices", "invoices.legacy_ref", true)]
    [InlineData("invoices.total", "invoices", true)]
    [InlineData("invoices.total", "invoices.legacy_ref", false)]
    [InlineData("Invoice.currency", "invoice.currency", true)]
    [InlineData("invoices", "invoice_lines", false)]
    public void Uses_MatchSubjects_ByPathOrContainment(string use, string subject, bool expected) =>
        Assert.Equal(expected, CompatibilityChecker.Matches(use, subject));
}
