using System.Text.Json;
using Kse.Cli.Commands;
using Kse.TestKit;

namespace Kse.Cli.Tests.Changes;

public sealed class ChangeCommandTests : IDisposable
{
    private readonly TempWorkspace _ws = ChangeFixtures.Workspace();

    public void Dispose() => _ws.Dispose();

    private Task<CliRunner.Result> Kse(params string[] args) => CliRunner.RunAsync([.. args, "--root", _ws.Root]);

    private string DiffFile(string name, string diff) => _ws.Write(name, diff);

    [Fact]
    public async Task Classify_Json_HasTheDocumentedShape_WithDependencyAnalysis()
    {
        var r = await Kse("change", "classify", "--diff", DiffFile("c.diff", ChangeFixtures.RemoveInvoicePathDiff + ChangeFixtures.DropColumnDiff), "--json");
        Assert.Equal(0, r.ExitCode);
        var root = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal("L4", root.GetProperty("level").GetString());
        var finding = root.GetProperty("findings").EnumerateArray().First(f => f.GetProperty("rule").GetString() == "data.column-dropped");
        Assert.Equal("services/billing/db/migrations/V7__drop_legacy.sql", finding.GetProperty("file").GetString());
        Assert.Equal(1, finding.GetProperty("line").GetInt32());
        Assert.Equal("L4", finding.GetProperty("level").GetString());
        Assert.True(root.GetProperty("requiresMigrationPlan").GetBoolean());
        Assert.Equal("hybrid", root.GetProperty("migrationStrategy").GetProperty("strategy").GetString());
        Assert.Contains("helm rollback billing", root.GetProperty("risk").GetProperty("mitigations").ToString());
        Assert.Contains("database", root.GetProperty("affectedSystems").EnumerateArray().Select(e => e.GetString()));
        var consumers = root.GetProperty("dependencyAnalysis").GetProperty("incompatibilities").EnumerateArray().Select(i => i.GetProperty("consumer").GetString()).ToList();
        Assert.Equal(["ledger", "reports"], consumers);
    }

    [Fact]
    public async Task Classify_ReadsStdin_WhenNoSourceIsGiven()
    {
        ChangeSourceOptions.StdinOverride.Value = new StringReader(ChangeFixtures.AddColumnDiff);
        try
        {
            var r = await Kse("change", "classify", "--project", "billing");
            Assert.Equal(0, r.ExitCode);
            Assert.StartsWith("L4 data structure: 1 finding(s)", r.Out, StringComparison.Ordinal);
            Assert.Contains("data.column-added", r.Out);
            Assert.Contains("Migration strategy: online", r.Out);
        }
        finally
        {
            ChangeSourceOptions.StdinOverride.Value = null;
        }
    }

    [Fact]
    public async Task Classify_GitRange_And_Staged_RunGit()
    {
        Git("init", "-q");
        Git("add", "-A");
        Git("commit", "-qm", "init");
        _ws.Write("services/billing/db/migrations/V9__x.sql", "ALTER TABLE invoices ALTER COLUMN total TYPE numeric(14,4);\n");
        Git("add", "-A");
        var staged = await Kse("change", "classify", "--staged", "--json");
        Assert.Equal(0, staged.ExitCode);
        Assert.Equal("data.column-type-changed", JsonDocument.Parse(staged.Out).RootElement.GetProperty("findings")[0].GetProperty("rule").GetString());
        Git("commit", "-qm", "type");
        var range = await Kse("change", "classify", "--base", "HEAD~1", "--head", "HEAD", "--json");
        Assert.Equal(0, range.ExitCode);
        Assert.Equal("offline", JsonDocument.Parse(range.Out).RootElement.GetProperty("migrationStrategy").GetProperty("strategy").GetString());

        var injected = await Kse("change", "classify", "--base", "--output=/tmp/x");
        Assert.Equal(2, injected.ExitCode);
        var unknown = await Kse("change", "classify", "--base", "no-such-rev");
        Assert.Equal(3, unknown.ExitCode);
        Assert.StartsWith("error change.revision_unknown:", unknown.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Classify_WorkspaceInsideALargerRepository_SeesPathsRelativeToTheWorkspace()
    {
        using var repo = new TempWorkspace(initialize: false);
        repo.Write("platform/.sce/dependencies.yaml", "version: 1\nprojects:\n  - name: billing\n    path: services/billing\n");
        repo.Write("other/readme.md", "outside the workspace\n");
        const string service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: billing\n  labels:\n    team: payments\nspec:\n  selector:\n    app: billing\n  ports:\n    - port: 80\n";
        repo.Write("platform/deploy/k8s/billing.yaml", service);
        GitRepo.Run(repo.Root, "init", "-q");
        GitRepo.Run(repo.Root, "add", "-A");
        GitRepo.Run(repo.Root, "commit", "-qm", "init");
        repo.Write("platform/services/billing/db/migrations/V2__x.sql", "DROP TABLE invoices;\n");
        repo.Write("other/readme.md", "changed, but outside\n");
        repo.Write("platform/deploy/k8s/billing.yaml", service.Replace("port: 80", "port: 8080", StringComparison.Ordinal));
        GitRepo.Run(repo.Root, "add", "-A");
        var r = await CliRunner.RunAsync("change", "classify", "--staged", "--json", "--root", Path.Combine(repo.Root, "platform"));
        Assert.Equal(0, r.ExitCode);
        var findings = JsonDocument.Parse(r.Out).RootElement.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(["data.table-dropped", "arch.k8s-network-changed"], findings.Select(f => f.GetProperty("rule").GetString()).Order().Reverse());
        var finding = findings.Single(f => f.GetProperty("rule").GetString() == "data.table-dropped");
        Assert.Equal("services/billing/db/migrations/V2__x.sql", finding.GetProperty("file").GetString());
        Assert.Equal("billing", finding.GetProperty("project").GetString());
    }

    private void Git(params string[] args) => GitRepo.Run(_ws.Root, args);


    [Fact]
    public async Task Classify_NotADiff_ExitsTwo()
    {
        var r = await Kse("change", "classify", "--diff", DiffFile("x.diff", "hello\n"));
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error change.diff_invalid:", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gate_L4_ExitsOne_NamingMissingSections_ThenZeroOnceThePlanIsFilled()
    {
        var diff = DiffFile("d.diff", ChangeFixtures.DropColumnDiff);
        var init = await Kse("ops", "init", "billing");
        Assert.Equal(0, init.ExitCode);
        var failed = await Kse("change", "gate", "--diff", diff, "--project", "billing");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("unfilled section: Migration Strategy", failed.Out);
        Assert.Contains("unfilled section: Rollback Plan", failed.Out);

        var json = await Kse("change", "gate", "--diff", diff, "--json");
        Assert.Equal(1, json.ExitCode);
        var root = JsonDocument.Parse(json.Out).RootElement;
        Assert.False(root.GetProperty("passed").GetBoolean());
        Assert.Equal(4, root.GetProperty("unfilledSections").GetArrayLength());

        File.WriteAllText(Path.Combine(_ws.Workspace.OperationsDir("billing"), "migration-plan.md"), ChangeFixtures.CompleteMigrationPlan);
        var passed = await Kse("change", "gate", "--diff", diff);
        Assert.Equal(0, passed.ExitCode);
        Assert.StartsWith("PASS L4 data structure", passed.Out, StringComparison.Ordinal);

        var l1 = await Kse("change", "gate", "--diff", DiffFile("l1.diff", "--- a/src/a.cs\n+++ b/src/a.cs\n@@ -1 +1 @@\n-a\n+b\n"));
        Assert.Equal(0, l1.ExitCode);
    }

    [Fact]
    public async Task RecordThenActual_WriteTheChangeLog_ReportTheDifference_AndAuditEveryProjectTouched()
    {
        var record = await Kse("change", "record", "billing", "--change-id", "PR-412", "--diff", DiffFile("d.diff", ChangeFixtures.DropColumnDiff), "--json");
        Assert.Equal(0, record.ExitCode);
        Assert.Equal("L4", JsonDocument.Parse(record.Out).RootElement.GetProperty("predictedLevel").GetString());
        var again = await Kse("change", "record", "billing", "--change-id", "PR-412", "--diff", _ws.PathOf("d.diff"));
        Assert.Equal(2, again.ExitCode);

        var actual = await Kse("change", "actual", "billing", "--change-id", "PR-412", "--outcome", "rolled-back", "--actual-level", "L5", "--related", "ledger,reports");
        Assert.Equal(0, actual.ExitCode);
        Assert.Contains("under-estimated by 1 level: predicted L4, actual L5", actual.Out);
        var text = File.ReadAllText(Path.Combine(_ws.Workspace.OperationsDir("billing"), "change-impact.md"));
        Assert.Contains("## Change Log", text);
        Assert.Contains("- Outcome: rolled-back", text);

        var audit = await Kse("audit", "query", "--project", "reports", "--json");
        Assert.Equal(0, audit.ExitCode);
        var entries = JsonDocument.Parse(audit.Out).RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["change.record", "change.record", "change.actual", "change.actual"], entries.Select(e => e.GetProperty("operationType").GetString()));
        Assert.All(entries, e => Assert.Equal("billing", e.GetProperty("project").GetString()));
        Assert.Contains("reports", entries[0].GetProperty("relatedProjects").EnumerateArray().Select(p => p.GetString()));

        var missing = await Kse("change", "actual", "billing", "--change-id", "PR-999", "--outcome", "succeeded", "--actual-level", "L2");
        Assert.Equal(3, missing.ExitCode);
        var badLevel = await Kse("change", "actual", "billing", "--change-id", "PR-412", "--outcome", "succeeded", "--actual-level", "L9");
        Assert.Equal(2, badLevel.ExitCode);
    }

    [Fact]
    public async Task Rules_ListsTheCatalog()
    {
        var r = await Kse("change", "rules", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("data.not-null-without-default", r.Out);
    }
}
