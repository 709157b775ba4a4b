using BenchmarkDotNet.Running;

namespace Kse.Benchmarks;

// dotnet run -c Release --project bench/Kse.Benchmarks -- --filter '*'
public static class BenchmarkProgram
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
