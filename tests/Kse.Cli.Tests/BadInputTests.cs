using System.Diagnostics;
using Kse.TestKit;

namespace Kse.Cli.Tests;

/// <summary>Bad input and damaged files give one stderr line <c>error code: message</c> and an exit code from the contract, never a stack trace.</summary>
public sealed class BadInputTests
{
    private static void AssertOneErrorLine(CliRunner.Result r, int exit, string code)
    {
        Assert.Equal(exit, r.ExitCode);
        var line = Assert.Single(r.Err.Trim().Split('\n'));
        Assert.StartsWith($"error {code}: ", line);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Theory]
    [InlineData("audit", "verify")]
    [InlineData("audit", "query")]
    [InlineData("approvals", "list")]
    [InlineData("takeover", "show", "billing")]
    [InlineData("takeover", "set", "billing", "--env", "test", "--level", "L2", "--reason", "x")]
    public async Task DamagedStateStore_IsNamed_OnOneLine_WithExitTwo(params string[] verb)
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        var garbage = new byte[20_000];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(ws.Workspace.DatabasePath, garbage);
        ws.Write(".sce/appsettings.json", TestOperators.Settings("olga"));
        string[] credential = verb[1] == "set" ? ["--token-file", ws.TokenFile("olga")] : [];

        var r = await CliRunner.RunAsync([.. verb, .. credential, "--root", ws.Root]);

        AssertOneErrorLine(r, 2, "store.unreadable");
        Assert.Contains(".sce/state/kse.db", r.Err);
    }

    [Fact]
    public async Task DamagedAuditStore_IsNamed_OnOneLine_WithExitTwo()
    {
        using var ws = new TempWorkspace();
        var garbage = new byte[20_000];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(ws.Workspace.AuditDatabasePath, garbage);

        var r = await CliRunner.RunAsync("audit", "verify", "--root", ws.Root);

        AssertOneErrorLine(r, 2, "store.unreadable");
        Assert.Contains(".sce/state/audit.db", r.Err);
    }

    [Theory]
    [InlineData("kse.db", "takeover", "show", "billing")]
    [InlineData("kse.db", "approvals", "list")]
    [InlineData("audit.db", "audit", "query")]
    public async Task DamagedStore_IsNamedByStorage_InTheRealProcess_WithExitTwo(string file, params string[] verb)
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "billing");
        var garbage = new byte[20_000];
        new Random(11).NextBytes(garbage);
        File.WriteAllBytes(Path.Combine(ws.Workspace.StateDir, file), garbage);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "kse.dll") }.Concat(verb).Concat(["--root", ws.Root]))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();

        AssertOneErrorLine(new CliRunner.Result(p.ExitCode, "", await err), 2, "store.unreadable");
        Assert.Contains($".sce/state/{file} could not be read", await err);
        Assert.Contains("restore it from a backup", await err);
    }

    [Theory]
    [InlineData("'nosuchverb'", "nosuchverb")]
    [InlineData("'xml'", "graph", "show", "--format", "xml")]
    [InlineData("'--no-such-option'", "ops", "list", "--no-such-option")]
    public async Task UsageErrors_NameTheOffendingWord_OnOneLine(string named, params string[] args)
    {
        var r = await CliRunner.RunAsync(args);

        AssertOneErrorLine(r, 2, "usage.invalid");
        Assert.Contains(named, r.Err);
        Assert.DoesNotContain("kse  --help", r.Err);
    }

    [Theory]
    [InlineData("query")]
    [InlineData("export", "--format", "jsonl", "--out", "x.jsonl")]
    public async Task AuditFilters_RefuseAProjectNameThatIsNotASlug(params string[] verb)
    {
        using var ws = new TempWorkspace();

        var r = await CliRunner.RunAsync(["audit", .. verb, "--project", "../x", "--root", ws.Root]);

        AssertOneErrorLine(r, 2, "spec.project_invalid");
        Assert.False(File.Exists(ws.PathOf("x.jsonl")));
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("serve", "--http", "--urls", "http://127.0.0.1:1")]
    public async Task Serve_ARootWithoutSce_IsRefused_AndNothingIsCreated(params string[] verb)
    {
        using var ws = new TempWorkspace(initialize: false);
        var missing = ws.PathOf("typo");

        var r = await CliRunner.RunAsync([.. verb, "--root", missing]);

        AssertOneErrorLine(r, 3, "workspace.not_initialized");
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData("owner: team-web\n", "project.yaml:5:1: unknown key 'owner'")]
    [InlineData("instances:\n  - id: web-1\n    environment: test\n    host: local\n    port: 8080\n", "project.yaml:9:5: unknown key 'port'")]
    public async Task ProjectYaml_WithAnUnknownKey_IsRefused_AndNotRewrittenWithoutIt(string extra, string named)
    {
        using var ws = new TempWorkspace();
        var text = "name: shop\nsystemType: existing   # adopted\ndescription: Web shop\nenvironments: [development, test, production]\n" + extra;
        var file = ws.Write(".sce/specs/shop/project.yaml", text);

        var r = await CliRunner.RunAsync("instances", "add", "shop", "web-9", "--env", "test", "--host", "local", "--root", ws.Root);

        AssertOneErrorLine(r, 2, "spec.project_yaml_invalid");
        Assert.Contains(named, r.Err);
        Assert.Equal(text, File.ReadAllText(file));
    }
}
