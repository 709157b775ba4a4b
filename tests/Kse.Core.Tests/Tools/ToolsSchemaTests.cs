using Kse.Core.Specs;

namespace Kse.Core.Tests.Tools;

/// <summary>The tools.yaml extensions for selection and version checks, each problem named with its line and column.</summary>
public sealed class ToolsSchemaTests
{
    [Fact]
    public void Template_IsValid_AndShipsTheRealisticEntries()
    {
        var m = ToolsManifest.Parse(new TemplateLibrary().Render("tools.yaml", "shopdb"));
        Assert.True(m.IsValid, string.Join("; ", m.Errors));
        foreach (var tool in new[] { "pg_dump", "pg_basebackup", "lvm-snapshot", "pg_restore", "rsync", "scp", "journalctl", "rg", "grep", "systemctl", "curl", "docker", "kubectl" })
        {
            Assert.NotNull(m.FindTool(tool));
        }

        Assert.Equal(["pg_dump", "pg_basebackup", "lvm-snapshot"], m.FindStrategy("postgres-backup")!.Candidates.Select(c => c.Tool));
        Assert.Equal("postgresql-client", m.FindTool("pg_dump")!.Install["apt"]);
        Assert.Equal(10_000_000_000, m.FindTool("pg_dump")!.Performance.DataSizeMax);
        Assert.Equal(">={target.major}", m.FindTool("pg_dump")!.VersionRequirement);
        Assert.NotNull(m.Target);
        Assert.Equal(SelectionWeights.Default, m.Weights);
    }

    [Fact]
    public void OlderSchema_StillParses_WithProbeAsTheVersionCommand()
    {
        var m = ToolsManifest.Parse("""
            tools:
              - name: pg_dump
                purpose: p
                command: pg_dump
                version: { requirement: "15.x", probe: [pg_dump, --version] }
            strategies:
              backup: { preferred: [pg_dump], fallback: [] }
            """);
        Assert.True(m.IsValid, string.Join("; ", m.Errors));
        Assert.Equal(["pg_dump", "--version"], m.Tools[0].VersionProbe);
        Assert.Equal("pg_dump", Assert.Single(m.Strategies[0].Candidates).Tool);
    }

    [Fact]
    public void Extensions_ReportEachProblem_AtItsPosition()
    {
        var m = ToolsManifest.Parse("""
            tools:
              - name: a
                purpose: p
                command: a
                version: { command: [a, -V], pattern: "(unclosed", requirement: ">={server.major}" }
                install: { apt: "bad name; rm -rf /", pacman: a }
                performance: { dataSize: { min: 10GB, max: 1GB }, throughput: fast, network: wifi, diskSpace: -1 }
            strategies:
              job:
                candidates:
                  - { tool: a, command: ["{prog}", x] }
                  - nobody
            weights: { aiFriendliness: 0.5, native: 0.5, efficiency: 0.5 }
            """);
        string At(string prefix, string text) => Assert.Single(m.Errors, e => e.StartsWith(prefix, StringComparison.Ordinal) && e.Contains(text, StringComparison.Ordinal));
        At("tools.yaml:5:", "pattern is not a regular expression");
        At("tools.yaml:5:", "is not a placeholder");
        At("tools.yaml:6:", "install.apt must be one package name");
        At("tools.yaml:6:", "unknown key 'pacman'");
        At("tools.yaml:7:", "dataSize max must be above min");
        At("tools.yaml:7:", "throughput must be a rate like 40MB/s");
        At("tools.yaml:7:", "network must be none");
        At("tools.yaml:7:", "'diskSpace' must be a number");
        At("tools.yaml:11:", "must be literal");
        At("tools.yaml:12:", "names tool 'nobody', which is not declared");
        At("tools.yaml:13:", "weights must add up to 1");
    }

    [Theory]
    [InlineData("50GB", 50_000_000_000L)]
    [InlineData("1.5 TB", 1_500_000_000_000L)]
    [InlineData("2GiB", 2_147_483_648L)]
    [InlineData("512MB", 512_000_000L)]
    [InlineData("123", 123L)]
    public void Sizes_AreReadAsOperatorsWriteThem(string text, long bytes)
    {
        Assert.True(Quantities.TryParseSize(text, out var b));
        Assert.Equal(bytes, b);
    }

    [Theory]
    [InlineData("2h", 7200)]
    [InlineData("90m", 5400)]
    [InlineData("1h30m", 5400)]
    [InlineData("45s", 45)]
    public void Durations_AreReadAsOperatorsWriteThem(string text, double seconds)
    {
        Assert.True(Quantities.TryParseDuration(text, out var d));
        Assert.Equal(seconds, d.TotalSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("-2h")]
    [InlineData("99999999h")]
    public void Durations_ThatMakeNoSense_AreRejected(string text) => Assert.False(Quantities.TryParseDuration(text, out _));
}
