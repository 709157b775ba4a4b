using Kse.Cli;
using Kse.Core;
using Kse.Core.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Benchmarks;

/// <summary>
/// <c>Kse.Benchmarks append ROOT COUNT WRITERS TAG</c>: one process of bench/shared-store: WRITERS concurrent callers append
/// COUNT entries in all through the store kse composes for ROOT (its settings and KSE_ variables choose LiteDB or PostgreSQL),
/// each caller waiting for its own durable acknowledgement before the next append. Prints the count acknowledged.
/// </summary>
internal static class StoreAppender
{
    public static async Task<int> RunAsync(string[] args)
    {
        var workspace = new KseWorkspace(args[0]);
        var count = long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var writers = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        var tag = args[3];
        await using var services = KseComposition.BuildServiceProvider(workspace, KseComposition.LoadConfiguration(workspace));
        var trail = services.GetRequiredService<IAuditTrail>();
        var issued = 0L;
        var acknowledged = 0L;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref issued) <= count)
            {
                await trail.AppendAsync(new AuditDraft
                {
                    Actor = Actor.OsUser(tag),
                    OperationType = "ops.run",
                    Project = "billing",
                    Environment = "production",
                    Target = "restart-service",
                    Parameters = new Dictionary<string, string?> { ["instance"] = "prod-1", ["writer"] = w.ToString(System.Globalization.CultureInfo.InvariantCulture), ["reason"] = new string('x', 200) },
                    Outcome = "succeeded",
                    CorrelationId = Guid.NewGuid().ToString("N"),
                });
                Interlocked.Increment(ref acknowledged);
            }
        })));
        Console.WriteLine(acknowledged);
        return 0;
    }
}
