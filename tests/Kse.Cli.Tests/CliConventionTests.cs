using Kse.TestKit;

namespace Kse.Cli.Tests;

public sealed class CliConventionTests
{
    [Fact]
    public async Task UnknownOption_ExitsTwo_WithOneUsageLine()
    {
        var r = await CliRunner.RunAsync("init", "--no-such-option");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error usage.invalid:", r.Err.Trim());
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public async Task Init_CreatesSceFolder_AndReportsJson()
    {
        using var ws = new TempWorkspace(initialize: false);
        var r = await CliRunner.RunAsync("init", "--root", ws.Root, "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.True(Directory.Exists(Path.Combine(ws.Root, ".sce", "specs")));
        Assert.Contains("\"created\": true", r.Out);
    }

    [Fact]
    public async Task GroupWithoutVerb_ExitsTwo()
    {
        var r = await CliRunner.RunAsync("ops");
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public async Task EveryVerb_HasHelpWithAnExample()
    {
        var root = KseCli.Build();
        foreach (var command in root.Subcommands)
        {
            Assert.Contains("Example:", command.Description);
            foreach (var sub in command.Subcommands)
            {
                Assert.True(sub.Description?.Contains("Example:") == true, $"kse {command.Name} {sub.Name} has no example in its help");
            }
        }

        var r = await CliRunner.RunAsync("init", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Example:", r.Out);
    }
}
