using System.Text.Json;
using Kse.Core.Changes;

namespace Kse.Core.Tests.Changes;

/// <summary>
/// The golden corpus: Golden/changes/NAME.diff is a small realistic diff, NAME.expected.json its expected level and the exact
/// set of rule ids. One case per rule at least, plus mixed diffs where the highest level wins.
/// </summary>
public sealed class ChangeGoldenTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Golden", "changes");

    private static IEnumerable<string> Names() =>
        Directory.GetFiles(Folder, "*.diff").Order(StringComparer.Ordinal).Select(f => Path.GetFileNameWithoutExtension(f));

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.diff").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    private sealed record Expected(string Level, string[] Rules);

    private static Expected Load(string name) =>
        JsonSerializer.Deserialize<Expected>(File.ReadAllText(Path.Combine(Folder, name + ".expected.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    private static ChangeClassification Classify(string name) =>
        new ChangeClassifier().Classify(File.ReadAllText(Path.Combine(Folder, name + ".diff")));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Golden_Diff_ClassifiesToItsExpectedLevelAndRuleIds(string name)
    {
        var expected = Load(name);
        var result = Classify(name);
        var rules = result.Findings.Select(f => f.Rule).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.True(
            expected.Level == result.Level.ToString() && expected.Rules.Order(StringComparer.Ordinal).SequenceEqual(rules),
            $"{name}: expected {expected.Level} [{string.Join(", ", expected.Rules)}], got {result.Level} [{string.Join(", ", rules)}]\n" +
            string.Join("\n", result.Findings.Select(f => $"  {f.Rule} {f.File}:{f.Line} {f.Reason}")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Golden_EveryFinding_NamesFileLineAndReason(string name)
    {
        foreach (var f in Classify(name).Findings)
        {
            Assert.False(string.IsNullOrWhiteSpace(f.File));
            Assert.True(f.Line >= 1, $"{f.Rule} has line {f.Line}");
            Assert.False(string.IsNullOrWhiteSpace(f.Reason));
            Assert.DoesNotContain('\n', f.Reason);
            Assert.True(ChangeRuleCatalog.Contains(f.Rule));
            Assert.Equal(ChangeRuleCatalog.Get(f.Rule).Level, f.Level);
        }
    }

    [Fact]
    public void Catalog_EveryRuleId_HasAGoldenDiffThatProducesIt()
    {
        var covered = Names().SelectMany(n => Load(n).Rules).ToHashSet(StringComparer.Ordinal);
        var missing = ChangeRuleCatalog.All.Select(r => r.Id).Where(id => !covered.Contains(id)).ToList();
        Assert.True(missing.Count == 0, "rules without a golden diff: " + string.Join(", ", missing));
    }

    [Fact]
    public void Catalog_RuleIds_AreUniqueAndDotted()
    {
        var ids = ChangeRuleCatalog.All.Select(r => r.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^[a-z]+(\\.[a-z0-9-]+)+$", id));
    }

    [Fact]
    public void Golden_MixedDiffs_TakeTheHighestLevelOfTheirFindings()
    {
        foreach (var name in Names().Where(n => n.StartsWith("mixed-", StringComparison.Ordinal)))
        {
            var result = Classify(name);
            Assert.True(result.Findings.Select(f => f.Level).Distinct().Count() > 1, $"{name} is not mixed");
            Assert.Equal(result.Findings.Max(f => f.Level), result.Level);
        }
    }
}
