using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Kse.Cli;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Benchmarks;

/// <summary>
/// Feedback triage over the 96-item labelled set, against a substring classifier (the origin's way, wrong on "Download" and
/// "address") as the baseline; one maximal report (20,000 characters); and a submit into LiteDB, new and folded.
/// dotnet run -c Release --project bench/Kse.Benchmarks -- --filter '*FeedbackBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class FeedbackBenchmarks
{
    private readonly FeedbackTriage _triage = new();
    private (string Channel, string Title, string Body)[] _set = [];
    private string _maxBody = "";
    private string _root = "";
    private ServiceProvider _services = null!;
    private FeedbackService _feedback = null!;
    private int _n;

    [GlobalSetup]
    public void Setup()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kse.Mcp.sln")))
        {
            dir = dir.Parent;
        }

        var file = Path.Combine(dir!.FullName, "tests", "Kse.Core.Tests", "Feedback", "labelled-feedback.jsonl");
        _set = File.ReadLines(file).Where(l => l.Trim().Length > 0).Select(l =>
        {
            using var d = JsonDocument.Parse(l);
            return (d.RootElement.GetProperty("channel").GetString()!, d.RootElement.GetProperty("title").GetString()!, d.RootElement.GetProperty("body").GetString()!);
        }).ToArray();
        var sb = new StringBuilder();
        while (sb.Length < FeedbackText.MaxBodyLength - 200)
        {
            sb.Append(_set[sb.Length % _set.Length].Body).Append(' ');
        }

        _maxBody = sb.ToString();
        _root = Path.Combine(Path.GetTempPath(), "kse-bench-feedback-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(_root, ".sce", "specs", "shop"));
        File.WriteAllText(Path.Combine(_root, ".sce", "specs", "shop", "project.yaml"), "name: shop\nsystemType: kse\n");
        var ws = new KseWorkspace(_root);
        _services = KseComposition.BuildServiceProvider(ws, KseComposition.LoadConfiguration(ws));
        _feedback = _services.GetRequiredService<FeedbackService>();
        _feedback.SubmitAsync(Report("fold"), Actor.OsUser("bench")).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static FeedbackSubmission Report(string title) => new() { Project = "shop", Channel = "user-report", Title = "Export button does nothing " + title, Body = "No file arrives." };

    [Benchmark(Baseline = true, OperationsPerInvoke = 96)]
    public int Substring_LabelledSet()
    {
        var n = 0;
        foreach (var (_, title, body) in _set)
        {
            n += SubstringClassifier(title + " " + body).Length;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = 96)]
    public int Rules_LabelledSet()
    {
        var n = 0;
        foreach (var (channel, title, body) in _set)
        {
            n += _triage.Classify(channel, title, body).Rules.Count;
        }

        return n;
    }

    [Benchmark]
    public TriageResult Rules_MaximalReport() => _triage.Classify("support-ticket", "Everything at once", _maxBody);

    [Benchmark]
    public FeedbackSubmitResult Submit_New() => _feedback.SubmitAsync(Report((++_n).ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + " variant " + Guid.NewGuid().ToString("N")), Actor.OsUser("bench")).GetAwaiter().GetResult();

    [Benchmark]
    public FeedbackSubmitResult Submit_Folded() => _feedback.SubmitAsync(Report("fold"), Actor.OsUser("bench")).GetAwaiter().GetResult();

    /// <summary>The origin's approach, for comparison only: substrings, no negation, no scope.</summary>
    private static string SubstringClassifier(string text)
    {
        var t = text.ToLowerInvariant();
        var severity = t.Contains("down", StringComparison.Ordinal) || t.Contains("outage", StringComparison.Ordinal) || t.Contains("data loss", StringComparison.Ordinal) ? "critical"
            : t.Contains("error", StringComparison.Ordinal) || t.Contains("fail", StringComparison.Ordinal) ? "high"
            : t.Contains("slow", StringComparison.Ordinal) ? "medium" : "low";
        var type = t.Contains("add", StringComparison.Ordinal) || t.Contains("feature", StringComparison.Ordinal) ? "feature"
            : t.Contains("slow", StringComparison.Ordinal) ? "performance"
            : t.Contains("disk", StringComparison.Ordinal) || t.Contains("cpu", StringComparison.Ordinal) ? "operational" : "bug";
        return type + severity;
    }
}
