using BenchmarkDotNet.Attributes;
using Kse.Core.Execution;
using Kse.Core.Specs;
using Kse.Core.Tools;

namespace Kse.Benchmarks;

/// <summary>
/// Choosing a tool: reading the template's tools.yaml (the baseline every selection pays), ranking a strategy's candidates in context,
/// and probing one tool's version on this machine (what a selection on an instance adds per candidate).
/// dotnet run -c Release --project bench/Kse.Benchmarks -- --filter '*ToolSelection*' --job short
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ToolSelectionBenchmarks
{
    private string _yaml = "";
    private ToolsManifest _manifest = null!;
    private ToolStrategy _backup = null!;
    private SelectionContext _context = null!;
    private readonly ToolProbe _probe = new(new ProcessRunner(TimeProvider.System), new ExecutionPlanner(new Kse.Core.KseWorkspace(Path.GetTempPath()), new ExecutionOptions()));

    [GlobalSetup]
    public void Setup()
    {
        _yaml = new TemplateLibrary().Render("tools.yaml", "shopdb");
        _manifest = ToolsManifest.Parse(_yaml);
        _backup = _manifest.FindStrategy("postgres-backup")!;
        _context = new SelectionContextText { DataSize = "500GB", Window = "2h", DiskFree = "300GB", Network = "slow" }.Parse();
    }

    [Benchmark(Baseline = true)]
    public int ParseToolsYaml() => ToolsManifest.Parse(_yaml).Tools.Count;

    [Benchmark]
    public string? RankBackupInContext() => ToolSelector.Select("shopdb", _manifest, _backup, _context).Winner;

    [Benchmark]
    public async Task<string?> ProbeGitVersionLocally() => ToolProbe.ExtractVersion((await _probe.RunAsync("local", ["git", "--version"], CancellationToken.None)).Output, null);
}
