using BenchmarkDotNet.Running;

namespace Kse.Benchmarks;

// dotnet run -c Release --project bench/Kse.Benchmarks -- --filter '*'
public static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "append")
        {
            return await StoreAppender.RunAsync(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
        return 0;
    }
}
