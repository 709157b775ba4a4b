using System.Diagnostics;
using System.Text.Json;
using Kse.TestKit;

namespace Kse.Cli.Tests;

/// <summary>Real <c>kse</c> processes auditing into one workspace at the same time.</summary>
public sealed class AuditProcessCliTests : IDisposable
{
    private readonly TempWorkspace _ws = new(initialize: false);

    public void Dispose() => _ws.Dispose();

    private async Task<(int Code, string Out, string Err)> RunKseProcessAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kse.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("--root");
        psi.ArgumentList.Add(_ws.Root);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task TakeoverChanges_FromConcurrentKseProcesses_FormOneVerifiableChain()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("init", "--root", _ws.Root)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("ops", "init", "shop", "--system-type", "existing", "--root", _ws.Root)).ExitCode);
        _ws.Write(".sce/appsettings.json", TestOperators.Settings("olga"));
        var token = _ws.TokenFile("olga");

        var lanes = Enumerable.Range(0, 4).Select(lane => Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                var level = (i % 2 == 0) ? "L2" : "L1";
                var r = await RunKseProcessAsync("takeover", "set", "shop", "--env", "production", "--level", level, "--reason", $"lane {lane} change {i}", "--token-file", token);
                Assert.True(r.Code == 0, r.Err);
            }
        }));
        await Task.WhenAll(lanes);

        var verify = await RunKseProcessAsync("audit", "verify", "--json");
        Assert.True(verify.Code == 0, verify.Err + verify.Out);
        var query = await CliRunner.RunAsync("audit", "query", "--type", "takeover.change", "--limit", "1000", "--json", "--root", _ws.Root);
        var entries = JsonDocument.Parse(query.Out).RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(16, entries.Count);
        var reasons = entries.Select(e => e.GetProperty("parameters").GetProperty("reason").GetString()).ToHashSet();
        Assert.Equal(16, reasons.Count);
    }
}
