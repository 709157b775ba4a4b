using System.Text.Json;
using Kse.TestKit;

namespace Kse.Cli.Tests.Changes;

public sealed class GraphAndRolloutCommandTests : IDisposable
{
    private readonly TempWorkspace _ws = ChangeFixtures.Workspace();

    public void Dispose() => _ws.Dispose();

    private Task<CliRunner.Result> Kse(params string[] args) => CliRunner.RunAsync([.. args, "--root", _ws.Root]);

    [Fact]
    public async Task GraphShow_PrintsTextJsonAndDot()
    {
        var text = await Kse("graph", "show");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("billing (services/billing)", text.Out);
        Assert.Contains("consumes: billing api:billing-api >=2.0 <3 uses GET /invoices/{id}", text.Out);

        var json = await Kse("graph", "show", "--json");
        var edges = JsonDocument.Parse(json.Out).RootElement.GetProperty("edges").EnumerateArray().Select(e => $"{e.GetProperty("from").GetString()}->{e.GetProperty("to").GetString()}").ToList();
        Assert.Contains("reports->ledger", edges);

        var dot = await Kse("graph", "show", "--format", "dot");
        Assert.StartsWith("digraph kse {", dot.Out, StringComparison.Ordinal);
        Assert.Contains("\"ledger\" -> \"billing\" [label=\"api:billing-api >=2.0 <3\"];", dot.Out);

        var bad = await Kse("graph", "show", "--format", "svg");
        Assert.Equal(2, bad.ExitCode);
    }

    [Fact]
    public async Task GraphDependents_DirectAndTransitive()
    {
        var direct = await Kse("graph", "dependents", "billing", "--json");
        Assert.Equal(["ledger", "reports"], JsonDocument.Parse(direct.Out).RootElement.GetProperty("dependents").EnumerateArray().Select(d => d.GetProperty("project").GetString()));
        var transitive = await Kse("graph", "dependents", "billing", "--transitive");
        Assert.Contains("web  via billing -> reports -> web", transitive.Out);
        var unknown = await Kse("graph", "dependents", "nobody");
        Assert.Equal(3, unknown.ExitCode);
    }

    [Fact]
    public async Task GraphCheck_ExitsZeroWhenValid_AndOneWithLineNumberedProblems()
    {
        Assert.Equal(0, (await Kse("graph", "check")).ExitCode);
        _ws.Write(".sce/dependencies.yaml", ChangeFixtures.Dependencies.Replace("version: ^1.2", "version: ^2.0", StringComparison.Ordinal) + "\n  - name: ghost-consumer\n    consumes:\n      - project: ghost\n        api: x\n");
        var r = await Kse("graph", "check");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("version-unsatisfied: .sce/dependencies.yaml:32: 'reports' needs ledger-api ^2.0, but 'ledger' provides 1.4.0", r.Out);
        Assert.Contains("unknown-project", r.Out);

        _ws.Write(".sce/dependencies.yaml", "version: 1\nprojects:\n  - name: a\n    colour: blue\n");
        var schema = await Kse("graph", "check", "--json");
        Assert.Equal(1, schema.ExitCode);
        var problem = JsonDocument.Parse(schema.Out).RootElement.GetProperty("problems")[0];
        Assert.Equal((4, 5), (problem.GetProperty("line").GetInt32(), problem.GetProperty("column").GetInt32()));
        var show = await Kse("graph", "show");
        Assert.Equal(2, show.ExitCode);
        Assert.StartsWith("error graph.invalid: .sce/dependencies.yaml:4:5: unknown key 'colour'", show.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GraphDiscover_ReportsUndeclaredDependencies_ExitOne()
    {
        _ws.Write("services/billing/appsettings.json", "{ \"Ledger\": \"http://ledger:5001\" }\n");
        var r = await Kse("graph", "discover");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("undeclared-dependency: services/billing/appsettings.json:1: 'billing' references 'ledger'", r.Out);
    }

    [Fact]
    public async Task RolloutPlan_PrintsWaves_AndJson()
    {
        var diff = _ws.Write("change.diff", ChangeFixtures.RemoveInvoicePathDiff);
        var text = await Kse("rollout", "plan", "--change", diff);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Wave 1 (expand):", text.Out);
        Assert.Contains("Wave 2 (migrate):", text.Out);
        Assert.Contains("  ledger: move to the new contract of billing (/invoices/{id})", text.Out);
        Assert.Contains("Wave 3 (contract):", text.Out);
        Assert.Contains("    - kubectl rollout restart deployment/ledger", text.Out);
        Assert.Contains("gate: before wave 2: every health check of wave 1 passes (billing: curl -fsS http://billing.internal/health)", text.Out);

        var json = await Kse("rollout", "plan", "--diff", diff, "--project", "billing", "--json");
        var waves = JsonDocument.Parse(json.Out).RootElement.GetProperty("waves");
        Assert.Equal(["expand", "migrate", "contract"], waves.EnumerateArray().Select(w => w.GetProperty("phase").GetString()));

        var audit = await Kse("audit", "query", "--project", "ledger", "--json");
        Assert.Contains("rollout.plan", audit.Out);
    }

    [Fact]
    public async Task RolloutPlan_WithoutGraph_IsNotFound()
    {
        File.Delete(_ws.Workspace.DependenciesFile);
        var r = await Kse("rollout", "plan", "--change", _ws.Write("c.diff", ChangeFixtures.AddColumnDiff), "--project", "billing");
        Assert.Equal(3, r.ExitCode);
        Assert.StartsWith("error graph.not_declared:", r.Err, StringComparison.Ordinal);
    }
}
