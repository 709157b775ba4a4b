using System.Diagnostics;
using System.Text;
using Kse.Core.Audit;
using Kse.TestKit;

namespace Kse.Storage.Tests;

/// <summary>Several real processes on one audit.db, and a process killed mid-append.</summary>
public sealed class AuditProcessTests : IDisposable
{
    private readonly TempWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static string AppenderDll()
    {
        // tests/Kse.Storage.Tests/bin/<Configuration>/<tfm>/ -> tests/Kse.AuditAppender/bin/<Configuration>/<tfm>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = here.Parent!.Name;
        var testsDir = here.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(testsDir, "Kse.AuditAppender", "bin", configuration, tfm, "Kse.AuditAppender.dll");
        Assert.True(File.Exists(dll), $"helper not built: {dll}");
        return dll;
    }

    private Process Start(string count, int concurrency, string tag)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { AppenderDll(), _ws.Root, count, concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), tag })
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi)!;
    }

    private async Task<List<AuditEntry>> ChainAsync()
    {
        using var db = new AuditDatabase(_ws.Workspace);
        return (await new LiteDbAuditReader(db).ReadChainAsync().ToListAsync()).ToList();
    }

    [Fact]
    public async Task Append_FromSeveralProcesses_KeepsOneGaplessChain()
    {
        var processes = Enumerable.Range(0, 4).Select(i => Start("60", 4, $"p{i}")).ToList();
        var outputs = await Task.WhenAll(processes.Select(async p =>
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, await stderr);
            return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
        }));

        var chain = (await ChainAsync());
        var result = AuditVerifier.Verify(chain);
        Assert.True(result.Intact, result.Fault?.Message);
        Assert.Equal(240, chain.Count);
        var acknowledged = outputs.SelectMany(o => o).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 240).Select(i => (long)i), acknowledged);
        Assert.Equal(4, chain.Select(e => e.ActorName).Distinct().Count());
    }

    [Fact]
    public async Task Append_KilledWithSigkill_LeavesAVerifiableChainWithEveryAcknowledgedEntry()
    {
        var allAcknowledged = new List<long>();
        for (var round = 0; round < 3; round++)
        {
            var acked = await AppendUntilKilledAsync(100 + (round * 70), $"victim{round}");
            allAcknowledged.AddRange(acked);

            var chain = (await ChainAsync());
            var result = AuditVerifier.Verify(chain);
            Assert.True(result.Intact, $"round {round}: {result.Fault?.Message}");
            var stored = chain.Select(e => e.Sequence).ToHashSet();
            Assert.All(allAcknowledged, s => Assert.Contains(s, stored));
        }

        // The file is usable afterwards: another process appends and the chain still verifies.
        var before = (await ChainAsync()).Count;
        var after = Start("5", 1, "after");
        var output = await after.StandardOutput.ReadToEndAsync();
        await after.WaitForExitAsync();
        Assert.True(after.ExitCode == 0, await after.StandardError.ReadToEndAsync());
        var again = (await ChainAsync());
        Assert.True(AuditVerifier.Verify(again).Intact);
        Assert.Equal(before + 5, again.Count);
        Assert.Equal(again[^1].Sequence, long.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]));
    }

    [Fact]
    public async Task Append_FromAShortProcess_GetsItsTurn_WhileAnotherProcessAppendsWithoutPause()
    {
        var busy = Start("forever", 8, "server");
        var seen = new TaskCompletionSource();
        var busyCount = 0;
        var draining = Task.Run(async () =>
        {
            while (await busy.StandardOutput.ReadLineAsync() is not null)
            {
                if (Interlocked.Increment(ref busyCount) >= 200)
                {
                    seen.TrySetResult();
                }
            }

            seen.TrySetResult();
        });
        await seen.Task;

        // The busy process never pauses long enough to let the file go idle; the short one must still get in.
        var shortOne = Start("20", 2, "cli");
        var stdout = shortOne.StandardOutput.ReadToEndAsync();
        var stderr = shortOne.StandardError.ReadToEndAsync();
        await shortOne.WaitForExitAsync();
        busy.Kill();
        await busy.WaitForExitAsync();
        await draining;

        Assert.True(shortOne.ExitCode == 0, await stderr);
        Assert.Equal(20, (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var chain = (await ChainAsync());
        Assert.True(AuditVerifier.Verify(chain).Intact);
        Assert.Equal(20, chain.Count(e => e.ActorName == "cli"));
    }

    /// <summary>Starts an appender looping forever, kills it with SIGKILL once it acknowledged <paramref name="atLeast"/> entries, returns what it acknowledged.</summary>
    private async Task<List<long>> AppendUntilKilledAsync(int atLeast, string tag)
    {
        var p = Start("forever", 4, tag);
        var acknowledged = new List<long>();
        var enough = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            while (await p.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (acknowledged)
                {
                    acknowledged.Add(long.Parse(line));
                    if (acknowledged.Count >= atLeast)
                    {
                        enough.TrySetResult();
                    }
                }
            }

            enough.TrySetResult();
        });
        await enough.Task;
        p.Kill(); // SIGKILL on Unix: no finalizers, no flush, possibly inside a commit holding the named mutex
        await p.WaitForExitAsync();
        await reading;
        lock (acknowledged)
        {
            Assert.True(acknowledged.Count >= atLeast, $"{tag} acknowledged only {acknowledged.Count}");
            return [.. acknowledged];
        }
    }
}
