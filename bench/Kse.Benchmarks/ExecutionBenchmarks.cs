using System.Text;
using BenchmarkDotNet.Attributes;
using Kse.Core.Execution;

namespace Kse.Benchmarks;

/// <summary>
/// Parsing the kse-operation blocks of an operations document (what every ops_run pays to find its operation and risk),
/// and starting one local process without a shell (the floor of an operation's duration).
/// dotnet run -c Release --project bench/Kse.Benchmarks -- --filter '*Execution*'
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ExecutionBenchmarks
{
    private string _document = "";
    private readonly ProcessRunner _runner = new(TimeProvider.System);

    [Params(1, 20)]
    public int Blocks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder("# Operations\n\nSome prose about the service.\n\n");
        for (var i = 0; i < Blocks; i++)
        {
            sb.Append($"## Step {i}\n\n```kse-operation\nname: op-{i}\nrisk: normal\ncommand: [systemctl, restart, \"{{unit}}\"]\nparameters:\n  unit: {{ type: string, pattern: \"^[a-z0-9-]+\\\\.service$\" }}\ntimeout: 60s\nidempotent: true\n```\n\n");
        }

        _document = sb.ToString();
    }

    [Benchmark]
    public int ParseOperationsDocument() => OperationBlockParser.Parse(_document, "operations.md").Operations.Count;

    [Benchmark]
    public async Task<int?> StartTrueWithoutShell() => (await _runner.RunAsync(["true"], 4096, CancellationToken.None)).ExitCode;
}
