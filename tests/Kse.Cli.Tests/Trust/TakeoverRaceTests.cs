using System.Diagnostics;
using System.Text.Json;
using Kse.TestKit;

namespace Kse.Cli.Tests.Trust;

/// <summary>Level changes from many processes at once: every audited <c>from</c> is the level that was really in force.</summary>
public sealed class TakeoverRaceTests
{
    private static async Task<(int Code, string Err)> KseProcessAsync(TempWorkspace ws, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kse.dll"));
        foreach (var a in args.Append("--root").Append(ws.Root))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        await stdout;
        return (p.ExitCode, await stderr);
    }

    [Fact]
    public async Task ConcurrentTakeoverSets_InSeparateProcesses_AuditAnUnbrokenChainOfLevels()
    {
        using var ws = new TempWorkspace(initialize: false);
        Assert.Equal(0, (await CliRunner.RunAsync("init", "--root", ws.Root)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("ops", "init", "shop", "--system-type", "kse", "--root", ws.Root)).ExitCode);
        ws.Write(".sce/appsettings.json", TestOperators.Settings("olga"));
        var token = ws.TokenFile("olga");
        string[] levels = ["L1", "L2", "L3", "L4", "L5"];

        var lanes = Enumerable.Range(0, 5).Select(lane => Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                var r = await KseProcessAsync(ws, "takeover", "set", "shop", "--env", "development", "--level", levels[(lane + i) % levels.Length], "--reason", $"lane {lane} change {i}", "--token-file", token);
                Assert.True(r.Code == 0, r.Err);
            }
        }));
        await Task.WhenAll(lanes);

        var query = await CliRunner.RunAsync("audit", "query", "--type", "takeover.change", "--limit", "1000", "--json", "--root", ws.Root);
        var changes = JsonDocument.Parse(query.Out).RootElement.GetProperty("entries").EnumerateArray()
            .Select(e => (Sequence: e.GetProperty("sequence").GetInt64(), From: e.GetProperty("parameters").GetProperty("from").GetString(), To: e.GetProperty("parameters").GetProperty("to").GetString()))
            .OrderBy(c => c.Sequence)
            .ToList();
        Assert.Equal(15, changes.Count);
        Assert.Equal("L3", changes[0].From); // a kse project starts at L3 in development
        for (var i = 1; i < changes.Count; i++)
        {
            Assert.True(changes[i].From == changes[i - 1].To, $"change #{changes[i].Sequence} is audited from {changes[i].From}, but #{changes[i - 1].Sequence} had set {changes[i - 1].To}");
        }

        var show = await CliRunner.RunAsync("takeover", "show", "shop", "--env", "development", "--json", "--root", ws.Root);
        Assert.Equal(changes[^1].To, JsonDocument.Parse(show.Out).RootElement.GetProperty("environments")[0].GetProperty("level").GetString());
    }
}
