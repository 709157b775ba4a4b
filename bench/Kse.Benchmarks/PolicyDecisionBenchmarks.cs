using BenchmarkDotNet.Attributes;
using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Benchmarks;

/// <summary>
/// One policy kernel decision (pure, in memory): the cost every tool call pays before audit and execution.
/// dotnet run -c Release --project bench/Kse.Benchmarks -- --filter '*PolicyDecision*'
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PolicyDecisionBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
    private readonly PolicyKernel _kernel = new();
    private PolicyRequest _request = null!;
    private PolicyState _plain = null!;
    private PolicyState _elevated = null!;

    [GlobalSetup]
    public void Setup()
    {
        _request = new PolicyRequest { Project = "billing", Environment = EnvironmentKind.PreProduction, Operation = "restart-service", Risk = RiskClass.Critical, Actor = "ai:bench" };
        _plain = new PolicyState { SystemType = SystemType.Kse, Level = TakeoverLevel.L4 };
        _elevated = _plain with
        {
            Level = TakeoverLevel.L1,
            Elevations =
            [
                new EmergencyElevation { Id = "el-1", Project = "billing", Environment = EnvironmentKind.PreProduction, Level = TakeoverLevel.L3, Reason = "inc", GrantedBy = "alice", GrantedAt = Now.AddMinutes(-10), ExpiresAt = Now.AddMinutes(50) },
                new EmergencyElevation { Id = "el-0", Project = "billing", Environment = EnvironmentKind.PreProduction, Level = TakeoverLevel.L3, Reason = "old", GrantedBy = "alice", GrantedAt = Now.AddHours(-3), ExpiresAt = Now.AddHours(-2) },
                new EmergencyElevation { Id = "el-2", Project = "shop", Environment = EnvironmentKind.Test, Level = TakeoverLevel.L4, Reason = "other", GrantedBy = "alice", GrantedAt = Now.AddMinutes(-1), ExpiresAt = Now.AddMinutes(59) },
            ],
        };
    }

    [Benchmark(Baseline = true)]
    public PolicyDecision Decide_ClampedLevel() => _kernel.Decide(_request, _plain, Now);

    [Benchmark]
    public PolicyDecision Decide_WithElevations() => _kernel.Decide(_request, _elevated, Now);

    [Benchmark]
    public PolicyDecision Decide_FromNames() => _kernel.Decide("billing", "pre-production", "restart-service", "critical", null, "ai:bench", _plain, Now);
}

/// <summary>
/// A decision as the interception point takes it: project.yaml read, level and elevations loaded from LiteDB, then the kernel.
/// dotnet run -c Release --project bench/Kse.Benchmarks -- --filter '*PolicyEvaluate*'
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PolicyEvaluateBenchmarks
{
    private string _root = null!;
    private Kse.Storage.KseDatabase _db = null!;
    private PolicyService _policy = null!;
    private readonly Kse.Core.Actor _actor = Kse.Core.Actor.Ai("bench");

    [GlobalSetup]
    public async Task Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "kse-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var ws = new Kse.Core.KseWorkspace(_root);
        new ProjectManifest { Name = "billing", SystemType = SystemType.Kse }.Save(ws);
        _db = new Kse.Storage.KseDatabase(ws);
        var store = new Kse.Storage.Policy.LiteTakeoverStore(_db);
        await store.SetLevelAsync(new TakeoverSetting { Project = "billing", Environment = EnvironmentKind.Test, Level = TakeoverLevel.L3, Reason = "bench", SetBy = "bench", SetAt = DateTimeOffset.UtcNow });
        _policy = new PolicyService(ws, store, new NoAudit(), new PolicyKernel(), new OperatorDirectory([]), TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _db.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark]
    public ValueTask<PolicyExplanation> Evaluate_WithStoredState() => _policy.EvaluateAsync("billing", "test", "restart-service", RiskClass.Normal, null, _actor);

    private sealed class NoAudit : Kse.Core.Audit.IAuditTrail
    {
        public ValueTask<Kse.Core.Audit.AuditEntry> AppendAsync(Kse.Core.Audit.AuditDraft draft, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
