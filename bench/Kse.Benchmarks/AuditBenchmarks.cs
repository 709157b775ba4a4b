using BenchmarkDotNet.Attributes;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Storage;

namespace Kse.Benchmarks;

/// <summary>Builds audit stores for the benchmarks: real LiteDB files in a temp folder.</summary>
internal static class AuditBench
{
    public static readonly string[] Projects = ["shop", "web", "billing", "search", "auth", "mail", "etl", "infra"];
    public static readonly string[] Types = ["tool.call", "takeover.change", "approval.approve", "ops.run", "emergency.grant"];

    public static AuditDraft Draft(long i) => new()
    {
        Actor = i % 5 == 0 ? Actor.OperatorNamed("olga") : Actor.Ai("claude"),
        OperationType = Types[i % Types.Length],
        Project = Projects[i % Projects.Length],
        Environment = i % 3 == 0 ? "production" : "test",
        TakeoverLevel = "L2",
        Target = "restart-service",
        Parameters = new Dictionary<string, string?> { ["service"] = "web", ["replicas"] = "3", ["reason"] = "routine restart after deploy" },
        Decision = "run",
        Rules = ["level L2 permits normal in production"],
        Outcome = i % 50 == 0 ? "failed" : "succeeded",
        ErrorContext = i % 50 == 0 ? "health check timed out after 60s" : null,
    };

    public static KseWorkspace NewWorkspace(string name)
    {
        // KSE_BENCH_DIR=/dev/shm measures the software without the disk's sync latency.
        var baseDir = Environment.GetEnvironmentVariable("KSE_BENCH_DIR") ?? Path.GetTempPath();
        var root = Path.Combine(baseDir, "kse-bench-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(root, ".sce", "state"));
        return new KseWorkspace(root);
    }

    /// <summary>A store of <paramref name="count"/> sealed entries, one hour of history every 3,600 entries, written in large transactions.</summary>
    public static KseWorkspace BuildStore(int count)
    {
        // Large stores are built once and kept (benchmarks run in separate processes); delete the folder to rebuild.
        var baseDir = Environment.GetEnvironmentVariable("KSE_BENCH_DIR") ?? Path.GetTempPath();
        var ws = new KseWorkspace(Path.Combine(baseDir, $"kse-bench-store-{count}"));
        var marker = Path.Combine(ws.Root, "complete-audit-db");
        if (File.Exists(marker))
        {
            return ws;
        }

        if (Directory.Exists(ws.Root))
        {
            Directory.Delete(ws.Root, recursive: true);
        }

        Directory.CreateDirectory(ws.StateDir);
        BuildInto(ws, count);
        File.WriteAllText(marker, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ws;
    }

    private static void BuildInto(KseWorkspace ws, int count)
    {
        using var audit = new AuditDatabase(ws);
        using var lease = audit.Acquire();
        var db = lease.Database;
        var col = db.GetCollection(LiteDbAuditTrail.CollectionName);
        col.EnsureIndex("ts", "$.ts");
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        AuditHead? head = null;
        const int chunk = 20_000;
        for (var offset = 0; offset < count; offset += chunk)
        {
            var docs = new List<LiteDB.BsonDocument>(chunk);
            for (var i = offset; i < Math.Min(count, offset + chunk); i++)
            {
                var e = AuditSealer.Seal(AuditSealer.Prepare(Draft(i)), head, start.AddSeconds(i));
                head = new AuditHead(e.Sequence, e.Hash, e.Timestamp);
                docs.Add(AuditDocuments.ToDocument(e));
            }

            db.BeginTrans();
            col.InsertBulk(docs, docs.Count);
            db.Commit();
        }
    }

    public static void Delete(KseWorkspace ws)
    {
        try
        {
            Directory.Delete(ws.Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Durable appends per second: each append returns only after its batch committed and was checkpointed to audit.db.</summary>
[MemoryDiagnoser]
public class AuditAppendBenchmarks
{
    private const int AppendsPerInvoke = 1_024;
    private KseWorkspace _ws = null!;
    private AuditDatabase _db = null!;
    private LiteDbAuditTrail _trail = null!;
    private long _n;

    /// <summary>Concurrent callers, each awaiting its own append before the next (64 stands for a busy server).</summary>
    [Params(1, 8, 64)]
    public int Writers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ws = AuditBench.NewWorkspace("append");
        _db = new AuditDatabase(_ws);
        _trail = new LiteDbAuditTrail(_db, TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trail.Dispose();
        _db.Dispose();
        AuditBench.Delete(_ws);
    }

    [Benchmark(OperationsPerInvoke = AppendsPerInvoke)]
    public async Task DurableAppend()
    {
        var perWriter = AppendsPerInvoke / Writers;
        var tasks = new Task[Writers];
        for (var w = 0; w < Writers; w++)
        {
            tasks[w] = Task.Run(async () =>
            {
                for (var i = 0; i < perWriter; i++)
                {
                    await _trail.AppendAsync(AuditBench.Draft(Interlocked.Increment(ref _n)));
                }
            });
        }

        await Task.WhenAll(tasks);
    }
}

/// <summary>Verify throughput: re-walk and re-hash every entry of a stored chain (reported per entry).</summary>
[MemoryDiagnoser]
public class AuditVerifyBenchmarks
{
    private KseWorkspace _ws = null!;
    private AuditDatabase _db = null!;

    [Params(1_000_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ws = AuditBench.BuildStore(Entries);
        _db = new AuditDatabase(_ws);
    }

    [GlobalCleanup]
    public void Cleanup() => _db.Dispose();

    [Benchmark]
    public async Task<long> VerifyStore()
    {
        var r = await new AuditService(new LiteDbAuditReader(_db), TimeProvider.System).VerifyAsync();
        return r.Intact ? r.Entries : throw new InvalidOperationException(r.Fault!.Message);
    }

    /// <summary>The floor: LiteDB reading the documents, without mapping or hashing.</summary>
    [Benchmark]
    public long ReadDocuments()
    {
        long n = 0;
        using var lease = _db.Acquire();
        foreach (var d in lease.Database.GetCollection(LiteDbAuditTrail.CollectionName).Query().OrderBy("_id").ToEnumerable())
        {
            n += d.Count;
        }

        return n;
    }

}

/// <summary>Query latency over a large store.</summary>
[MemoryDiagnoser]
public class AuditQueryBenchmarks
{
    private KseWorkspace _ws = null!;
    private AuditDatabase _db = null!;
    private LiteDbAuditReader _reader = null!;
    private DateTimeOffset _end;

    [Params(1_000_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _ws = AuditBench.BuildStore(Entries);
        _db = new AuditDatabase(_ws);
        _reader = new LiteDbAuditReader(_db);
        _end = (await _reader.HeadAsync())!.Timestamp;
    }

    [GlobalCleanup]
    public void Cleanup() => _db.Dispose();

    [Benchmark(Description = "newest 100")]
    public async Task<int> Newest100() => (await _reader.QueryAsync(new AuditQuery { Limit = 100 })).Count;

    [Benchmark(Description = "project, newest 100")]
    public async Task<int> Project100() => (await _reader.QueryAsync(new AuditQuery { Project = "billing", Limit = 100 })).Count;

    [Benchmark(Description = "failed in one hour")]
    public async Task<int> FailedInOneHour() => (await _reader.QueryAsync(new AuditQuery { From = _end.AddHours(-30), To = _end.AddHours(-29), Outcome = "failed", Limit = 1000 })).Count;

    [Benchmark(Description = "one day (summary input)")]
    public async Task<int> OneDay() => await _reader.ScanAsync(new AuditQuery { From = _end.AddDays(-1), To = _end }).CountAsync();
}
