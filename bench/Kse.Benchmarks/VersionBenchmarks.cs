using System.Text;
using BenchmarkDotNet.Attributes;
using Kse.Core;
using Kse.Core.Changes;
using Kse.Core.Execution;
using Kse.Core.Specs;
using Kse.Core.Versions;

namespace Kse.Benchmarks;

/// <summary>
/// What planning pays to read an operation from the spec an instance's version resolves to, against the main-spec catalog
/// planning read before versions existed (both reused until a file changes), and the uncached resolution of a diff chain
/// (2.4.1 → 2.4.0 → main, overlays by section). Also a drift check of a 500-file diff.
/// dotnet run -c Release --project bench/Kse.Benchmarks -- --filter '*VersionBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class VersionBenchmarks
{
    private string _root = "";
    private ExecutionPlanner _planner = null!;
    private SpecVersionService _versions = null!;
    private DriftService _drift = null!;
    private IReadOnlyList<DiffFile> _diff = [];

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "kse-bench-versions-" + Guid.NewGuid().ToString("N")[..8]);
        var workspace = new KseWorkspace(_root);
        var specs = new SpecService(workspace, new TemplateLibrary(), [new OperationBlockCheck()]);
        specs.InitProject("billing");
        var ops = workspace.OperationsDir("billing");
        foreach (var doc in SpecDocuments.All.Where(d => !d.IsYaml))
        {
            var sb = new StringBuilder($"# billing: {doc.Name}\n\n");
            foreach (var section in doc.RequiredSections)
            {
                sb.Append($"## {section}\n\n").Append(string.Concat(Enumerable.Repeat($"- {section}: check `systemctl status billing` and the logs.\n", 20))).Append('\n');
            }

            if (doc.Name == "operations.md")
            {
                for (var i = 0; i < 20; i++)
                {
                    sb.Append($"```kse-operation\nname: op-{i}\nrisk: normal\ncommand: [systemctl, restart, \"{{unit}}\"]\nparameters:\n  unit: {{ type: string, pattern: \"^[a-z0-9-]+\\\\.service$\" }}\n```\n\n");
                }
            }

            File.WriteAllText(Path.Combine(ops, doc.Name), sb.ToString());
        }

        _versions = new SpecVersionService(workspace, specs, TimeProvider.System);
        _versions.Create("billing", "2.4.0");
        File.WriteAllText(Path.Combine(ops, "versions", "2.4.0", "operations.md"), File.ReadAllText(Path.Combine(ops, "operations.md")).Replace("restart", "reload", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(ops, "versions", "2.4.0", "troubleshooting.md"), "## Common Issues\n\n- only in 2.4\n");
        _versions.Create("billing", "2.4.1");
        File.WriteAllText(Path.Combine(ops, "versions", "2.4.1", "monitoring.md"), "## Thresholds\n\n- stricter in 2.4.1\n");
        _planner = new ExecutionPlanner(workspace, new ExecutionOptions(), versions: _versions);
        _drift = new DriftService(workspace, new ChangeImpactService(workspace, new ChangeClassifier(), TimeProvider.System, specs: specs));
        var diff = new StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            var path = i % 5 == 0 ? $"src/config/.env.{i}" : $"src/Billing/File{i}.cs";
            var added = i % 5 == 0 ? $"BILLING_SETTING_{i}=amqp://mq-{i}.internal/x" : $"    public int Value{i} => {i};";
            diff.Append($"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1,2 +1,3 @@\n namespace Billing;\n+{added}\n // end\n");
        }

        _diff = UnifiedDiff.Parse(diff.ToString());
        _ = MainCatalogCached();
        _ = VersionCatalogCached();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true)]
    public int MainCatalogCached() => _planner.CatalogWithHashes("billing").Catalog.Operations.Count;

    [Benchmark]
    public int VersionCatalogCached() => _planner.CatalogFor("billing", new ProjectInstance { Id = "dev", Environment = Kse.Core.EnvironmentKind.Development, Host = "local", Version = "2.4.1" }).Catalog.Operations.Count;

    [Benchmark]
    public int ResolveMainUncached() => _versions.Resolve("billing", "main").Documents.Count;

    [Benchmark]
    public int ResolveDiffChainUncached() => _versions.Resolve("billing", "2.4.1").Catalog().Operations.Count;

    [Benchmark]
    public int DriftOf500Files() => _drift.Check("billing", _diff).Findings.Count;
}
