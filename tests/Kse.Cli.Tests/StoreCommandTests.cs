using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kse.TestKit;

namespace Kse.Cli.Tests;

/// <summary><c>kse store</c>, and real <c>kse</c> processes of two workspaces sharing one PostgreSQL store.</summary>
public sealed class StoreCommandTests : IDisposable
{
    private readonly List<TempWorkspace> _workspaces = [];

    public void Dispose()
    {
        foreach (var ws in _workspaces)
        {
            ws.Dispose();
        }
    }

    /// <summary>An initialized workspace with project shop and operator olga; its state in <paramref name="connectionString"/> when given.</summary>
    private async Task<TempWorkspace> WorkspaceAsync(string? connectionString)
    {
        var ws = new TempWorkspace(initialize: false);
        _workspaces.Add(ws);
        Assert.Equal(0, (await CliRunner.RunAsync("init", "--root", ws.Root)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("ops", "init", "shop", "--system-type", "existing", "--root", ws.Root)).ExitCode);
        UseStore(ws, connectionString);
        return ws;
    }

    private static void UseStore(TempWorkspace ws, string? connectionString)
    {
        var settings = JsonNode.Parse(TestOperators.Settings("olga"))!;
        if (connectionString is not null)
        {
            settings["Kse"]!["Storage"] = new JsonObject { ["Provider"] = "postgres", ["ConnectionString"] = connectionString };
        }

        ws.Write(".sce/appsettings.json", settings.ToJsonString());
    }

    private static async Task<(int Code, string Out, string Err)> KseAsync(TempWorkspace ws, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kse.dll"));
        foreach (var a in args.Concat(["--root", ws.Root]))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    private static (long Entries, string Head) Verified((int Code, string Out, string Err) r)
    {
        Assert.True(r.Code == 0, r.Err + r.Out);
        var d = JsonDocument.Parse(r.Out).RootElement;
        return (d.GetProperty("entries").GetInt64(), d.GetProperty("headHash").GetString()!);
    }

    [Fact]
    public async Task TwoWorkspaces_OnOneDatabase_WriteOneChain_FromConcurrentKseProcesses()
    {
        var cs = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        var a = await WorkspaceAsync(cs);
        var b = await WorkspaceAsync(cs);
        var migrate = await KseAsync(a, "store", "migrate", "--json");
        Assert.True(migrate.Code == 0, migrate.Err);
        Assert.Equal("postgres", JsonDocument.Parse(migrate.Out).RootElement.GetProperty("provider").GetString());

        var lanes = Enumerable.Range(0, 4).Select(lane => Task.Run(async () =>
        {
            var ws = lane % 2 == 0 ? a : b;
            for (var i = 0; i < 3; i++)
            {
                var r = await KseAsync(ws, "takeover", "set", "shop", "--env", "production", "--level", i % 2 == 0 ? "L2" : "L1", "--reason", $"lane {lane} change {i}", "--token-file", ws.TokenFile("olga"));
                Assert.True(r.Code == 0, r.Err);
            }
        }));
        await Task.WhenAll(lanes);

        var fromA = Verified(await KseAsync(a, "audit", "verify", "--json"));
        var fromB = Verified(await KseAsync(b, "audit", "verify", "--json"));
        Assert.Equal(fromA, fromB);
        var query = await KseAsync(b, "audit", "query", "--type", "takeover.change", "--limit", "1000", "--json");
        var reasons = JsonDocument.Parse(query.Out).RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("parameters").GetProperty("reason").GetString()).ToHashSet();
        Assert.Equal(12, reasons.Count);
        Assert.Empty(Directory.GetFiles(a.PathOf(".sce"), "*.db", SearchOption.AllDirectories));

        var status = await KseAsync(b, "store", "status", "--json");
        Assert.True(status.Code == 0, status.Err);
        Assert.True(JsonDocument.Parse(status.Out).RootElement.GetProperty("available").GetBoolean());
    }

    [Fact]
    public async Task Copy_MovesALiteDbWorkspace_ThatThenVerifiesFromPostgres_AndRefusesASecondCopy()
    {
        var ws = await WorkspaceAsync(null);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await CliRunner.RunAsync("takeover", "set", "shop", "--env", "test", "--level", "L2", "--reason", $"change {i}", "--root", ws.Root, "--token-file", ws.TokenFile("olga"))).ExitCode);
        }

        var before = Verified(await KseAsync(ws, "audit", "verify", "--json"));
        var cs = await (await PostgresServer.Shared()).CreateDatabaseAsync();

        var copy = await KseAsync(ws, "store", "copy", "--to", "postgres", "--connection-string", cs, "--json");
        Assert.True(copy.Code == 0, copy.Err + copy.Out);
        var copied = JsonDocument.Parse(copy.Out).RootElement;
        Assert.True(copied.GetProperty("verified").GetBoolean());
        Assert.Equal(before.Head, copied.GetProperty("headHash").GetString());

        var again = await KseAsync(ws, "store", "copy", "--to", "postgres", "--connection-string", cs);
        Assert.Equal(4, again.Code);
        Assert.Contains("store.target_not_empty", again.Err, StringComparison.Ordinal);
        var unknown = await KseAsync(ws, "store", "copy", "--to", "mysql");
        Assert.Equal(2, unknown.Code);

        UseStore(ws, cs);
        Assert.Equal(before, Verified(await KseAsync(ws, "audit", "verify", "--json")));
        var show = await KseAsync(ws, "takeover", "show", "shop", "--json");
        Assert.True(show.Code == 0, show.Err);
        Assert.Contains("change 2", show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableStore_FailsClosed_WithStoreUnavailable()
    {
        var ws = await WorkspaceAsync("Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=2");

        var set = await KseAsync(ws, "takeover", "set", "shop", "--env", "test", "--level", "L2", "--reason", "r", "--token-file", ws.TokenFile("olga"));
        Assert.Equal(5, set.Code);
        Assert.Contains("store.unavailable", set.Err, StringComparison.Ordinal);
        var status = await KseAsync(ws, "store", "status");
        Assert.Equal(5, status.Code);
        Assert.Contains("unavailable", status.Out, StringComparison.Ordinal);
    }
}
