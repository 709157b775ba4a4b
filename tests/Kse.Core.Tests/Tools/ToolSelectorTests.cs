using Kse.Core.Specs;
using Kse.Core.Tools;

namespace Kse.Core.Tests.Tools;

/// <summary>The ranking of the template's strategies in context: band edges, windows, disk limits, networks, missing tools.</summary>
public sealed class ToolSelectorTests
{
    private static readonly ToolsManifest Template = ToolsManifest.Parse(new TemplateLibrary().Render("tools.yaml", "shopdb"));

    private static ToolSelection Select(string operation, string? dataSize = null, string? window = null, string? diskFree = null, string? network = null, string? memory = null, IReadOnlyDictionary<string, ToolCheck>? availability = null, ToolsManifest? manifest = null)
    {
        var m = manifest ?? Template;
        Assert.True(m.IsValid, string.Join("; ", m.Errors));
        var context = new SelectionContextText { DataSize = dataSize, Window = window, DiskFree = diskFree, Network = network, Memory = memory }.Parse() with { Availability = availability };
        return ToolSelector.Select("shopdb", m, m.FindStrategy(operation)!, context);
    }

    [Theory]
    [InlineData("5GB", "pg_dump")]
    [InlineData("9.99GB", "pg_dump")]           // just under pg_dump's band edge (max 10GB, exclusive)
    [InlineData("10GB", "pg_basebackup")]       // pg_basebackup's band starts here (min 10GB, inclusive)
    [InlineData("50GB", "pg_basebackup")]
    [InlineData("99.9GB", "pg_basebackup")]     // just under the snapshot's band
    [InlineData("100GB", "lvm-snapshot")]       // the snapshot's band starts here
    [InlineData("500GB", "lvm-snapshot")]
    [InlineData("5TB", "lvm-snapshot")]
    public void Backup_WinnerFollowsTheDataSizeBands(string dataSize, string winner)
    {
        var s = Select("postgres-backup", dataSize);
        Assert.Equal(winner, s.Winner);
        Assert.Equal(winner, s.Ranking[0].Tool);
        Assert.All(s.Ranking, r => Assert.False(r.Disqualified));
        Assert.StartsWith($"{winner} for 'postgres-backup' for dataSize ", s.Rationale);
        Assert.Contains("is inside its band", s.Ranking[0].Reasons.Single(r => r.StartsWith("data size", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("9.99GB", 1.0, 0.5)]
    [InlineData("10GB", 0.5, 1.0)]
    public void BandEdge_MaxIsExclusive_MinIsInclusive(string dataSize, double dumpFit, double baseFit)
    {
        var s = Select("postgres-backup", dataSize);
        Assert.Equal(dumpFit, s.Ranking.Single(r => r.Tool == "pg_dump").EfficiencyParts.DataSizeFit, 2);
        Assert.Equal(baseFit, s.Ranking.Single(r => r.Tool == "pg_basebackup").EfficiencyParts.DataSizeFit, 2);
    }

    [Fact]
    public void Score_IsTheWeightedSumOfItsParts()
    {
        foreach (var r in Select("postgres-backup", "50GB").Ranking)
        {
            Assert.Equal((0.4 * r.Parts.AiFriendliness) + (0.3 * r.Parts.Native) + (0.3 * r.Parts.Efficiency), r.Score, 2);
            Assert.InRange(r.Score, 0, 1);
        }
    }

    [Theory]
    [InlineData("8GB", "2m", "pg_basebackup")]   // pg_dump needs 2m40s at 50 MB/s
    [InlineData("8GB", "3m", "pg_dump")]         // now it fits
    [InlineData("500GB", "1h", "lvm-snapshot")]
    public void Window_DisqualifiesWhatCannotFinishInIt(string dataSize, string window, string winner)
    {
        var s = Select("postgres-backup", dataSize, window: window);
        Assert.Equal(winner, s.Winner);
        var dump = s.Ranking.Single(r => r.Tool == "pg_dump");
        Assert.Equal(winner != "pg_dump", dump.Disqualified);
        if (dump.Disqualified)
        {
            Assert.Contains("cannot finish in the window", Assert.Single(dump.Disqualifications));
            Assert.Equal(s.Ranking.Count, dump.Rank);
        }
    }

    [Fact]
    public void Window_TooShortForEveryTool_HasNoWinner_AndSaysWhy()
    {
        var s = Select("postgres-backup", "500GB", window: "1s");
        Assert.Null(s.Winner);
        Assert.All(s.Ranking, r => Assert.True(r.Disqualified));
        Assert.StartsWith("No tool can do 'postgres-backup'", s.Rationale);
    }

    [Theory]
    [InlineData("1.49GB", "lvm-snapshot")]  // the dump needs 0.3 x 5 GB = 1.5 GB
    [InlineData("1.5GB", "pg_dump")]        // exactly enough
    public void DiskLimit_DisqualifiesAToolThatDoesNotFit(string diskFree, string winner)
    {
        var s = Select("postgres-backup", "5GB", diskFree: diskFree);
        Assert.Equal(winner, s.Winner);
        Assert.Contains("of free disk", string.Join(" ", s.Ranking.Single(r => r.Tool == "pg_basebackup").Disqualifications));
    }

    [Fact]
    public void Offline_LeavesOnlyToolsThatNeedNoNetwork()
    {
        var s = Select("postgres-backup", "5GB", network: "offline");
        Assert.Equal("lvm-snapshot", s.Winner);
        Assert.Contains("needs a slow network; the context is offline", s.Ranking.Single(r => r.Tool == "pg_dump").Disqualifications);
    }

    [Fact]
    public void SlowLink_FavoursTheResumableSync()
    {
        var fast = Select("file-sync", "20GB", network: "fast");
        var slow = Select("file-sync", "20GB", network: "slow");
        Assert.Equal("rsync", fast.Winner);
        Assert.Equal("rsync", slow.Winner);
        var scp = slow.Ranking.Single(r => r.Tool == "scp");
        Assert.Equal(0.2, scp.EfficiencyParts.Network, 3);
        Assert.Equal(0, scp.EfficiencyParts.Resumability);
        Assert.True(scp.Score < fast.Ranking.Single(r => r.Tool == "scp").Score);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("incompatible")]
    public void ToolMissingOrIncompatibleOnTheInstance_IsDisqualified(string status)
    {
        var check = new ToolCheck { Tool = "pg_dump", Command = "pg_dump", Status = status, Installed = status != "missing", Message = "pg_dump 13.4 does not satisfy >=15", Install = status == "missing" ? ToolProbe.Advice("apt", "postgresql-client") : null };
        var s = Select("postgres-backup", "5GB", availability: new Dictionary<string, ToolCheck> { ["pg_dump"] = check });
        Assert.Equal("pg_basebackup", s.Winner);
        var dump = s.Ranking.Single(r => r.Tool == "pg_dump");
        Assert.True(dump.Disqualified);
        Assert.Contains(status == "missing" ? "apt-get install -y postgresql-client" : "does not satisfy >=15", Assert.Single(dump.Disqualifications));
    }

    [Fact]
    public void MemoryBelowTheToolsMinimum_Disqualifies()
    {
        var m = ToolsManifest.Parse("""
            tools:
              - { name: big, purpose: p, command: big, performance: { minMemory: 16GB } }
              - { name: small, purpose: p, command: small }
            strategies:
              job: { candidates: [big, small] }
            """);
        Assert.Equal("small", Select("job", memory: "8GB", manifest: m).Winner);
        Assert.Equal("big", Select("job", memory: "16GB", manifest: m).Winner);
    }

    [Fact]
    public void InteractiveTool_LosesPoints_AndIsFlagged()
    {
        var m = ToolsManifest.Parse("""
            tools:
              - name: prompter
                purpose: asks questions
                command: prompter
                aiFriendliness: { cliOnly: true, structuredOutput: true, clearExitCodes: false, nonInteractive: false, idempotent: true }
              - name: batch
                purpose: never asks
                command: batch
                aiFriendliness: { cliOnly: true, structuredOutput: true, clearExitCodes: true, nonInteractive: true, idempotent: true }
            strategies:
              job: { candidates: [prompter, batch] }
            """);
        var s = Select("job", manifest: m);
        Assert.Equal("batch", s.Winner);
        var prompter = s.Ranking.Single(r => r.Tool == "prompter");
        Assert.Equal(["interactive", "unclear_exit_codes"], prompter.Flags);
        Assert.Equal(0.6, prompter.Parts.AiFriendliness, 3);
        Assert.Empty(s.Ranking.Single(r => r.Tool == "batch").Flags);
    }

    [Fact]
    public void Weights_FromToolsYaml_ChangeTheRanking()
    {
        const string Tools = """
            tools:
              - { name: native-slow, purpose: p, command: a, native: true, performance: { throughput: 1MB/s } }
              - { name: fast, purpose: p, command: b, performance: { throughput: 1GB/s } }
            strategies:
              job: { candidates: [native-slow, fast] }
            """;
        Assert.Equal("native-slow", Select("job", "10GB", manifest: ToolsManifest.Parse(Tools)).Winner);
        var efficiencyOnly = ToolsManifest.Parse(Tools + "\nweights: { aiFriendliness: 0, native: 0, efficiency: 1 }\n");
        var s = Select("job", "10GB", manifest: efficiencyOnly);
        Assert.Equal("fast", s.Winner);
        Assert.Equal(new SelectionWeights(0, 0, 1), s.Weights);
    }

    [Fact]
    public void Selection_IsDeterministic()
    {
        var a = Select("postgres-backup", "42GB", window: "3h", diskFree: "100GB");
        var b = Select("postgres-backup", "42GB", window: "3h", diskFree: "100GB");
        Assert.Equal(Kse.Core.KseJson.Serialize(a), Kse.Core.KseJson.Serialize(b));
    }

    [Theory]
    [InlineData("lots", null, null)]
    [InlineData(null, "2 weeks", null)]
    [InlineData(null, null, "dial-up")]
    public void UnreadableContext_IsBadInput_NamingThePart(string? dataSize, string? window, string? network)
    {
        var ex = Assert.Throws<KseException>(() => new SelectionContextText { DataSize = dataSize, Window = window, Network = network }.Parse());
        Assert.Equal("tools.context_invalid", ex.Code);
        Assert.Contains(dataSize ?? window ?? network!, ex.Message);
    }
}
