using System.Security.Cryptography;
using System.Text.Json;
using Kse.Core.Audit;
using Kse.TestKit;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli.Tests;

public sealed class AuditCommandTests : IDisposable
{
    private readonly TempWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private async Task SeedAsync(int count)
    {
        await using var services = KseComposition.BuildServiceProvider(_ws.Workspace, KseComposition.LoadConfiguration(_ws.Workspace));
        var trail = services.GetRequiredService<IAuditTrail>();
        for (var i = 1; i <= count; i++)
        {
            await trail.AppendAsync(new AuditDraft
            {
                Actor = Actor.OperatorNamed("olga"),
                OperationType = i % 2 == 0 ? "tool.call" : "takeover.change",
                Project = i % 3 == 0 ? "web" : "shop",
                Environment = "production",
                TakeoverLevel = "L2",
                Parameters = new Dictionary<string, string?> { ["reason"] = $"reason-marker {i}", ["password"] = "never-stored" },
                Outcome = i == 4 ? "failed" : "succeeded",
                ErrorContext = i == 4 ? "health check timed out" : null,
            });
        }
    }

    private Task<CliRunner.Result> Kse(params string[] args) => CliRunner.RunAsync([.. args, "--root", _ws.Root]);

    [Fact]
    public async Task Verify_ExitsZero_ForAnIntactTrail_AndOne_NamingTheFault_AfterTampering()
    {
        await SeedAsync(6);
        var ok = await Kse("audit", "verify", "--json");
        Assert.Equal(0, ok.ExitCode);
        Assert.True(JsonDocument.Parse(ok.Out).RootElement.GetProperty("intact").GetBoolean());

        using (var raw = new LiteDatabase(new ConnectionString { Filename = _ws.Workspace.AuditDatabasePath, Connection = ConnectionType.Direct }))
        {
            raw.GetCollection("audit").Delete(3);
        }

        var bad = await Kse("audit", "verify");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("sequence 3 deleted", bad.Err, StringComparison.Ordinal);
        var json = await Kse("audit", "verify", "--json");
        Assert.Equal(1, json.ExitCode);
        var fault = JsonDocument.Parse(json.Out).RootElement.GetProperty("fault");
        Assert.Equal(("deleted", 3), (fault.GetProperty("kind").GetString(), fault.GetProperty("sequence").GetInt32()));
    }

    [Fact]
    public async Task Export_Jsonl_VerifiesOffline_AndAnEditedReasonFails()
    {
        await SeedAsync(6);
        var path = _ws.PathOf("a.jsonl");
        Assert.Equal(0, (await Kse("audit", "export", "--format", "jsonl", "--out", path)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("audit", "verify", "--file", path)).ExitCode);
        var text = File.ReadAllText(path);
        Assert.DoesNotContain("never-stored", text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace("reason-marker 4", "REASON-MARKER 4", StringComparison.Ordinal));
        var r = await CliRunner.RunAsync("audit", "verify", "--file", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("sequence 4 modified", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Csv_WritesAHeaderAndOneRowPerEntry_WithFilters()
    {
        await SeedAsync(6);
        var path = _ws.PathOf("a.csv");
        var r = await Kse("audit", "export", "--format", "csv", "--out", path, "--project", "web");
        Assert.Equal(0, r.ExitCode);
        var rows = File.ReadAllText(path).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, rows.Length); // header + entries 3 and 6
        Assert.StartsWith("sequence,timestamp,", rows[0], StringComparison.Ordinal);
        Assert.StartsWith("3,", rows[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_Signed_DetectsTruncation()
    {
        await SeedAsync(6);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyPath = _ws.Write("k.pem", key.ExportECPrivateKeyPem());
        var cp = _ws.PathOf("cp.json");
        Assert.Equal(0, (await Kse("audit", "checkpoint", "--sign", keyPath, "--out", cp)).ExitCode);
        Assert.Equal(0, (await Kse("audit", "verify", "--checkpoint", cp)).ExitCode);

        using (var raw = new LiteDatabase(new ConnectionString { Filename = _ws.Workspace.AuditDatabasePath, Connection = ConnectionType.Direct }))
        {
            raw.GetCollection("audit").Delete(6);
        }

        var r = await Kse("audit", "verify", "--checkpoint", cp);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("sequence 6 truncated", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_FiltersAndLimits_AsJson()
    {
        await SeedAsync(6);
        var r = await Kse("audit", "query", "--project", "shop", "--type", "tool.call", "--limit", "1", "--json");
        Assert.Equal(0, r.ExitCode);
        var entries = JsonDocument.Parse(r.Out).RootElement.GetProperty("entries");
        var e = Assert.Single(entries.EnumerateArray());
        Assert.Equal(4, e.GetProperty("sequence").GetInt32());

        var failed = await Kse("audit", "query", "--outcome", "failed", "--user", "OLGA");
        Assert.Contains("health check timed out", failed.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summary_And_Anomalies_Run_AndBadDatesExitTwo()
    {
        await SeedAsync(6);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var s = await Kse("audit", "summary", "--date", today, "--json");
        Assert.Equal(0, s.ExitCode);
        Assert.Equal(6, JsonDocument.Parse(s.Out).RootElement.GetProperty("total").GetInt32());
        Assert.Equal(0, (await Kse("audit", "anomalies", "--since", "2h")).ExitCode);
        Assert.Equal(2, (await Kse("audit", "summary", "--date", "26/11/2026")).ExitCode);
        Assert.Equal(2, (await Kse("audit", "query", "--from", "yesterday-ish")).ExitCode);
        Assert.Equal(2, (await Kse("audit", "export", "--format", "xml", "--out", _ws.PathOf("x"))).ExitCode);
    }
}
