using Kse.Cli;
using Kse.Core;
using Kse.Core.Audit;
using Microsoft.Extensions.DependencyInjection;

// Usage: Kse.AuditAppender <workspace-root> <count|forever> [concurrency] [tag]
// Appends through the same services 'kse' composes and prints each acknowledged sequence on its own line.
var root = args[0];
var forever = args[1] == "forever";
var count = forever ? long.MaxValue : long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var concurrency = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1;
var tag = args.Length > 3 ? args[3] : "appender";

var workspace = new KseWorkspace(root);
await using var services = KseComposition.BuildServiceProvider(workspace, KseComposition.LoadConfiguration(workspace));
var trail = services.GetRequiredService<IAuditTrail>();
var stdout = Console.Out;
var issued = 0L;
var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
{
    while (true)
    {
        var n = Interlocked.Increment(ref issued);
        if (n > count)
        {
            return;
        }

        var entry = await trail.AppendAsync(new AuditDraft
        {
            Actor = Actor.OsUser(tag),
            OperationType = "test.append",
            Project = "shop",
            Target = $"{tag}-{n}",
            Parameters = new Dictionary<string, string?> { ["worker"] = w.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Outcome = "succeeded",
        });
        lock (stdout)
        {
            stdout.WriteLine(entry.Sequence);
            stdout.Flush();
        }
    }
}));
await Task.WhenAll(workers);
return 0;
