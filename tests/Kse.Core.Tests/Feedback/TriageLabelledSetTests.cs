using System.Text.Json;
using Kse.Core.Feedback;
using Xunit.Abstractions;

namespace Kse.Core.Tests.Feedback;

/// <summary>The triage rules against a labelled set of realistic reports from every channel; the accuracy is printed.</summary>
public sealed class TriageLabelledSetTests(ITestOutputHelper output)
{
    private sealed record Labelled(string Channel, string Title, string Body, string Type, string Severity);

    private static IReadOnlyList<Labelled> Load() =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Feedback", "labelled-feedback.jsonl"))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonSerializer.Deserialize<Labelled>(l, new JsonSerializerOptions(JsonSerializerDefaults.Web))!)
            .ToList();

    [Fact]
    public void Rules_ReachNinetyPercentTypeAndSeverityAccuracy_OnTheLabelledSet()
    {
        var set = Load();
        Assert.True(set.Count >= 80, $"the labelled set has {set.Count} items; at least 80 are needed");
        Assert.Equal(FeedbackNames.Channels.OrderBy(c => c), set.Select(s => s.Channel).Distinct().OrderBy(c => c));
        var triage = new FeedbackTriage();
        int typeOk = 0, sevOk = 0;
        foreach (var item in set)
        {
            var r = triage.Classify(item.Channel, item.Title, item.Body);
            var t = r.Type == item.Type;
            var s = r.Severity == item.Severity;
            typeOk += t ? 1 : 0;
            sevOk += s ? 1 : 0;
            if (!t || !s)
            {
                output.WriteLine($"MISS [{item.Channel}] {item.Title} | expected {item.Type}/{item.Severity}, got {r.Type}/{r.Severity} by {string.Join("; ", r.Rules.Where(x => x.Decided).Select(x => x.Id + ": " + x.Text))}");
            }
        }

        var typeAccuracy = (double)typeOk / set.Count;
        var severityAccuracy = (double)sevOk / set.Count;
        output.WriteLine($"labelled set: {set.Count} items; type accuracy {typeAccuracy:P1} ({typeOk}/{set.Count}); severity accuracy {severityAccuracy:P1} ({sevOk}/{set.Count})");
        Console.WriteLine($"feedback triage labelled set: {set.Count} items; type accuracy {typeAccuracy:P1}; severity accuracy {severityAccuracy:P1}");
        Assert.True(typeAccuracy >= 0.9, $"type accuracy {typeAccuracy:P1} is below 90%");
        Assert.True(severityAccuracy >= 0.9, $"severity accuracy {severityAccuracy:P1} is below 90%");
    }
}
