using System.Diagnostics;
using Kse.Core.Audit;
using Kse.Storage.Postgres;
using Kse.TestKit;

namespace Kse.Storage.Tests.Contract;

/// <summary>
/// Real processes composed as <c>kse</c> composes them (Kse.AuditAppender), each with its own workspace, all configured with
/// <c>KSE_Kse__Storage__Provider=postgres</c> on one database: several servers appending to one chain.
/// </summary>
public sealed class PostgresProcessTests : IDisposable
{
    private readonly List<TempWorkspace> _workspaces = [];

    public void Dispose()
    {
        foreach (var ws in _workspaces)
        {
            ws.Dispose();
        }
    }

    private static string AppenderDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Path.Combine(here.Parent!.Parent!.Parent!.Parent!.FullName, "Kse.AuditAppender", "bin", here.Parent!.Name, here.Name, "Kse.AuditAppender.dll");
        Assert.True(File.Exists(dll), $"helper not built: {dll}");
        return dll;
    }

    /// <summary>An appender on a workspace of its own (a different server), storing in <paramref name="connectionString"/>.</summary>
    private Process Start(string connectionString, string count, int concurrency, string tag)
    {
        var ws = new TempWorkspace();
        _workspaces.Add(ws);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { AppenderDll(), ws.Root, count, concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), tag })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KSE_Kse__Storage__Provider"] = "postgres";
        psi.Environment["KSE_Kse__Storage__ConnectionString"] = connectionString;
        return Process.Start(psi)!;
    }

    private static async Task<List<AuditEntry>> ChainAsync(string connectionString)
    {
        await using var store = new PostgresStore(connectionString);
        return (await new PostgresAuditReader(store).ReadChainAsync().ToListAsync()).ToList();
    }

    [Fact]
    public async Task ThreeServers_AppendingAtOnce_KeepOneChainWithEveryAcknowledgedEntry()
    {
        var cs = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        var processes = Enumerable.Range(0, 3).Select(i => Start(cs, "80", 4, $"server{i}")).ToList();

        var outputs = await Task.WhenAll(processes.Select(async p =>
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, await stderr);
            return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
        }));

        var chain = await ChainAsync(cs);
        var result = AuditVerifier.Verify(chain);
        Assert.True(result.Intact, result.Fault?.Message);
        Assert.Equal(240, chain.Count);
        Assert.Equal(Enumerable.Range(1, 240).Select(i => (long)i), outputs.SelectMany(o => o).Order());
        Assert.Equal(["server0", "server1", "server2"], chain.Select(e => e.ActorName).Distinct().Order());
        Assert.All(chain.Zip(chain.Skip(1)), p => Assert.True(p.Second.Timestamp >= p.First.Timestamp));
    }

    [Fact]
    public async Task AServerKilledMidBurst_LosesNothingAcknowledged_AndTheOthersGoOn()
    {
        var cs = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        var survivor = Start(cs, "150", 4, "survivor");
        var victim = Start(cs, "forever", 4, "victim");
        var acknowledged = new List<long>();
        var enough = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            while (await victim.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (acknowledged)
                {
                    acknowledged.Add(long.Parse(line));
                    if (acknowledged.Count >= 60)
                    {
                        enough.TrySetResult();
                    }
                }
            }

            enough.TrySetResult();
        });
        await enough.Task;
        victim.Kill(); // SIGKILL: possibly inside a transaction holding the head row; the server rolls it back
        await victim.WaitForExitAsync();
        await reading;
        var survivorOut = survivor.StandardOutput.ReadToEndAsync();
        await survivor.WaitForExitAsync();
        Assert.True(survivor.ExitCode == 0, await survivor.StandardError.ReadToEndAsync());

        var chain = await ChainAsync(cs);
        var result = AuditVerifier.Verify(chain);
        Assert.True(result.Intact, result.Fault?.Message);
        var stored = chain.Select(e => e.Sequence).ToHashSet();
        lock (acknowledged)
        {
            Assert.True(acknowledged.Count >= 60);
            Assert.All(acknowledged, s => Assert.Contains(s, stored));
        }

        Assert.Equal(150, chain.Count(e => e.ActorName == "survivor"));
        Assert.Equal(150, (await survivorOut).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
