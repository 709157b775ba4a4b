using BenchmarkDotNet.Attributes;
using Kse.Cli;
using Kse.Core;
using Kse.Core.Actions;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Learning;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Benchmarks;

/// <summary>
/// What learning adds to queueing a call: the confidence of the matching observed operation, over 6 weeks (≈ 400 observations) and
/// 60 weeks (≈ 4,000) of observed work, against queueing the approval itself into LiteDB (the baseline, with its audit entry); and
/// merging a proposed operations.md into the real one.
/// dotnet run -c Release --project bench/Kse.Benchmarks -- --filter '*LearningBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LearningBenchmarks
{
    private const string Backup = "pg_dump -U postgres -Fc -f /var/backups/shop.dump shop";

    private readonly List<(string Root, ServiceProvider Services)> _workspaces = [];
    private ApprovalService _approvals = null!;
    private IActionConfidence _small = null!;
    private IActionConfidence _large = null!;
    private ActionPlan _plan = null!;
    private string _real = "";
    private IReadOnlyList<ProposedSection> _sections = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_approvals, _small) = await WorkspaceAsync(weeks: 6);
        (_, _large) = await WorkspaceAsync(weeks: 60);
        _plan = new ActionPlan
        {
            Action = "ops_run",
            Project = "shop",
            Environment = "production",
            Operation = "backup",
            Risk = RiskClass.Critical,
            Command = Backup,
            Arguments = new Dictionary<string, System.Text.Json.JsonElement>(),
            Target = "backup@prod-1",
            AuditParameters = new Dictionary<string, string?>(),
        };
        var services = _workspaces[0].Services;
        var learning = services.GetRequiredService<LearningService>();
        await learning.DraftAsync("shop", null, Actor.OsUser("bench"));
        var draft = MarkdownSpec.Parse(learning.ReadDraft("shop", "operations.md"));
        _sections = draft.Sections.Select(s => new ProposedSection { Heading = s.Heading, Body = s.Body.Trim() }).ToList();
        _real = File.ReadAllText(Path.Combine(_workspaces[0].Root, ".sce", "specs", "shop", "operations", "operations.md"));
        if ((await _small.ConfidenceAsync(_plan, CancellationToken.None))?.Source != "observed")
        {
            throw new InvalidOperationException("the backup was not matched");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (var (root, services) in _workspaces)
        {
            await services.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    [Benchmark(Baseline = true)]
    public Task<ApprovalRequest> QueueApproval() => _approvals.CreateAsync(new ApprovalDraft
    {
        Tool = "ops_run",
        ArgumentsJson = """{"operation":"backup","project":"shop"}""",
        Project = "shop",
        Environment = "production",
        Requester = "ai:bench",
        Reason = "nightly",
        Risk = RiskClass.Critical,
    });

    [Benchmark]
    public ValueTask<ApprovalConfidence?> ConfidenceOver6Weeks() => _small.ConfidenceAsync(_plan, CancellationToken.None);

    [Benchmark]
    public ValueTask<ApprovalConfidence?> ConfidenceOver60Weeks() => _large.ConfidenceAsync(_plan, CancellationToken.None);

    [Benchmark]
    public DraftMergeResult MergeProposedOperationsMd() => DraftMerge.Merge(_real, "operations.md", _sections);

    /// <summary>A workspace with project 'shop' and <paramref name="weeks"/> of observed work: a nightly backup, a weekly restart, varied noise.</summary>
    private async Task<(ApprovalService, IActionConfidence)> WorkspaceAsync(int weeks)
    {
        var root = Path.Combine(Path.GetTempPath(), "kse-bench-learning-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var ws = new KseWorkspace(root);
        Directory.CreateDirectory(ws.SceDir);
        var services = KseComposition.BuildServiceProvider(ws, KseComposition.LoadConfiguration(ws));
        _workspaces.Add((root, services));
        services.GetRequiredService<SpecService>().InitProject("shop");
        var start = DateTimeOffset.UtcNow.AddDays(-7 * weeks);
        var commands = new List<ObservedCommand>();
        var random = new Random(42);
        for (var day = 0; day < 7 * weeks; day++)
        {
            var date = start.AddDays(day);
            commands.Add(Observed(Backup, date.Date.AddHours(2).AddMinutes(random.Next(10)), 0));
            if (day % 7 == 6)
            {
                commands.Add(Observed("systemctl restart shop-api", date.Date.AddHours(3), 0));
            }

            for (var i = 0; i < 8; i++)
            {
                commands.Add(Observed($"tail -n {random.Next(50, 500)} /var/log/shop/app-{random.Next(1000)}.log", date.Date.AddHours(9 + i), 0));
            }
        }

        await services.GetRequiredService<LearningService>().RecordAsync(commands, Actor.OsUser("bench"));
        return (services.GetRequiredService<ApprovalService>(), services.GetRequiredService<IActionConfidence>());
    }

    private static ObservedCommand Observed(string command, DateTimeOffset at, int exit) =>
        new() { Project = "shop", Environment = "production", Host = "db-1", User = "ops", CommandLine = command, StartedAt = at, ExitCode = exit };
}
