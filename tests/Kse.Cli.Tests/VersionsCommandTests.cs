using System.Diagnostics;
using System.Text.Json;
using Kse.TestKit;

namespace Kse.Cli.Tests;

/// <summary><c>kse ops version|resolve|diff|hotfix|drift</c> and <c>kse hooks install</c> through the real command line, on real git repositories.</summary>
public sealed class VersionsCommandTests : IDisposable
{
    private readonly TempWorkspace _ws = new(initialize: false);

    public void Dispose() => _ws.Dispose();

    private Task<CliRunner.Result> Kse(params string[] args) => CliRunner.RunAsync([.. args, "--root", _ws.Root]);

    private string Ops(params string[] parts) => Path.Combine([_ws.Root, ".sce", "specs", "shop", "operations", .. parts]);

    private async Task InitAsync()
    {
        Assert.Equal(0, (await Kse("init")).ExitCode);
        Assert.Equal(0, (await Kse("ops", "init", "shop")).ExitCode);
        GitRepo.Run(_ws.Root, "init", "-q");
        GitRepo.Run(_ws.Root, "add", "-A");
        GitRepo.Run(_ws.Root, "commit", "-qm", "base");
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task Hotfix_FromFile_ChangesOnlyItsVersion_AndIsAuditedWithHashesBeforeAndAfter()
    {
        await InitAsync();
        var mainText = File.ReadAllText(Ops("troubleshooting.md"));
        Assert.Equal(0, (await Kse("ops", "version", "create", "shop", "2.4.0", "--strategy", "diff")).ExitCode);
        var fixedText = mainText.Replace("## Common Issues\n", "## Common Issues\n\n- HOTFIX-MARKER\n", StringComparison.Ordinal);
        var file = _ws.Write("fixed.md", fixedText);

        var fix = await Kse("ops", "hotfix", "shop", "2.4.0", "troubleshooting.md", "--from-file", file, "--json");

        Assert.True(fix.ExitCode == 0, fix.Err);
        using var result = JsonDocument.Parse(fix.Out);
        Assert.Equal(Sha256(mainText), result.RootElement.GetProperty("sha256Before").GetString());
        Assert.Equal(Sha256(fixedText), result.RootElement.GetProperty("sha256After").GetString());
        Assert.Contains("HOTFIX-MARKER", (await Kse("ops", "show", "shop", "troubleshooting", "--version", "2.4.1", "--resolved")).Out, StringComparison.Ordinal);
        Assert.DoesNotContain("HOTFIX-MARKER", (await Kse("ops", "show", "shop", "troubleshooting", "--version", "2.3.1", "--resolved")).Out, StringComparison.Ordinal);
        Assert.Equal(mainText, File.ReadAllText(Ops("troubleshooting.md")));

        var audit = await Kse("audit", "query", "--type", "ops.hotfix", "--json");
        var entry = Assert.Single(JsonDocument.Parse(audit.Out).RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal(Sha256(mainText), entry.GetProperty("parameters").GetProperty("sha256Before").GetString());
        Assert.Equal(Sha256(fixedText), entry.GetProperty("parameters").GetProperty("sha256After").GetString());
        Assert.Equal("2.4.0", entry.GetProperty("version").GetString());

        var unknown = await Kse("ops", "hotfix", "shop", "9.0.0", "troubleshooting", "--from-file", file);
        Assert.Equal(3, unknown.ExitCode);
        Assert.Contains("versions.not_found", unknown.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveJson_NamesTheFileThatSuppliedEachDocument_AndValidateAndDiffTakeVersions()
    {
        await InitAsync();
        await Kse("ops", "version", "create", "shop", "2.4.0");
        File.WriteAllText(Ops("versions", "2.4.0", "monitoring.md"), "## Thresholds\n\nstricter in 2.4\n");

        var resolve = await Kse("ops", "resolve", "shop", "--version", "2.4.1", "--json");
        var validate = await Kse("ops", "validate", "shop", "--version", "2.4.1");
        var diff = await Kse("ops", "diff", "shop", "2.3.1", "2.4.1", "--json");

        Assert.Equal(0, resolve.ExitCode);
        var spec = JsonDocument.Parse(resolve.Out).RootElement;
        Assert.Equal("2.4.0", spec.GetProperty("specVersion").GetString());
        var monitoring = spec.GetProperty("documents").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "monitoring.md");
        Assert.Equal(".sce/specs/shop/operations/versions/2.4.0/monitoring.md", monitoring.GetProperty("source").GetString());
        Assert.True(monitoring.GetProperty("overlaid").GetBoolean());
        Assert.False(spec.GetProperty("documents")[0].TryGetProperty("text", out _));

        // The templates are unfilled, so the spec is invalid at any version; the verdict names the spec version.
        Assert.Equal(1, validate.ExitCode);
        Assert.Contains("shop (spec version 2.4.0): invalid", validate.Out, StringComparison.Ordinal);
        var changed = JsonDocument.Parse(diff.Out).RootElement.GetProperty("documents").EnumerateArray().Single();
        Assert.Equal(("monitoring.md", "Thresholds"), (changed.GetProperty("name").GetString(), changed.GetProperty("sections")[0].GetProperty("heading").GetString()));
        Assert.Equal(2, (await Kse("ops", "resolve", "shop", "--version", "two")).ExitCode);
    }

    [Fact]
    public async Task VersionLinkAndList_ShowTheTagAndTheInstancesOfEachVersion()
    {
        await InitAsync();
        await Kse("ops", "version", "create", "shop", "2.4.0");
        await Kse("instances", "add", "shop", "dev-new", "--env", "development", "--host", "local", "--version", "2.4.1");
        await Kse("instances", "add", "shop", "dev-old", "--env", "development", "--host", "local", "--version", "2.3.1");
        GitRepo.Run(_ws.Root, "add", "-A");
        GitRepo.Run(_ws.Root, "commit", "-qm", "2.4");
        GitRepo.Run(_ws.Root, "tag", "v2.4.0");

        var link = await Kse("ops", "version", "link", "shop", "2.4.0");
        var list = await Kse("ops", "version", "list", "shop", "--json");

        Assert.True(link.ExitCode == 0, link.Err);
        var root = JsonDocument.Parse(list.Out).RootElement;
        var v = root.GetProperty("versions")[0];
        Assert.Equal("v2.4.0", v.GetProperty("tag").GetString());
        Assert.Equal(40, v.GetProperty("revision").GetString()!.Length);
        Assert.Equal(["dev-new"], v.GetProperty("instances").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(["dev-old"], root.GetProperty("mainInstances").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(3, (await Kse("ops", "version", "link", "shop", "2.5.0")).ExitCode);
    }

    [Fact]
    public async Task Drift_Strict_ExitsOneNamingTheDocument_AndWarningModeExitsZero()
    {
        await InitAsync();
        _ws.Write(".env.production", "SHOP_QUEUE_URL=amqp://mq.internal/shop\n");
        GitRepo.Run(_ws.Root, "add", "-A");

        var strict = await Kse("ops", "drift", "shop", "--staged", "--strict");
        var warning = await Kse("ops", "drift", "shop", "--staged");
        var json = await Kse("ops", "drift", "shop", "--staged", "--json");

        Assert.Equal(1, strict.ExitCode);
        Assert.Contains("update .sce/specs/shop/operations/deployment.md '## Environment Variables'", strict.Out, StringComparison.Ordinal);
        Assert.Contains("SHOP_QUEUE_URL", strict.Out, StringComparison.Ordinal);
        Assert.Equal(0, warning.ExitCode);
        var finding = JsonDocument.Parse(json.Out).RootElement.GetProperty("findings").EnumerateArray().First(f => f.GetProperty("rule").GetString() == "drift.env-var");
        Assert.Equal((".env.production", 1), (finding.GetProperty("file").GetString(), finding.GetProperty("line").GetInt32()));
        Assert.Equal(2, (await Kse("ops", "drift", "shop", "--staged", "--base", "HEAD")).ExitCode);
    }

    [Fact]
    public async Task HooksInstall_WritesAPreCommitHookThatWarnsAboutDrift_AndNeverBlocksTheCommit()
    {
        await InitAsync();
        var install = await RunKseProcessAsync("hooks", "install");
        Assert.True(install.Code == 0, install.Err);

        _ws.Write(".env.production", "SHOP_QUEUE_URL=amqp://mq.internal/shop\n");
        GitRepo.Run(_ws.Root, "add", "-A");
        var commit = RunGit("commit", "-m", "new queue");

        Assert.Equal(0, commit.Code);
        Assert.Contains("SHOP_QUEUE_URL", commit.Err, StringComparison.Ordinal);
        Assert.Contains("deployment.md", commit.Err, StringComparison.Ordinal);
        Assert.Equal("new queue", RunGit("log", "-1", "--format=%s").Out.Trim());

        // Its own hook is rewritten; a hook someone else wrote is left alone.
        Assert.Equal(0, (await RunKseProcessAsync("hooks", "install")).Code);
        var hook = Path.Combine(_ws.Root, ".git", "hooks", "pre-commit");
        File.WriteAllText(hook, "#!/bin/sh\nexec lint-staged\n");
        var refused = await RunKseProcessAsync("hooks", "install");
        Assert.Equal(4, refused.Code);
        Assert.Contains("hooks.foreign_hook", refused.Err, StringComparison.Ordinal);
        Assert.Equal("#!/bin/sh\nexec lint-staged\n", File.ReadAllText(hook));
    }

    [Fact]
    public async Task Status_NamesOperationsDocumentsToUpdate_WhenAFinishedDevSpecsCodeChangedOperationalThings()
    {
        await InitAsync();
        _ws.Write(".sce/specs/shop/tasks.md", "- [x] add the queue\n- [ ] document it\n");
        GitRepo.Run(_ws.Root, "add", "-A");
        GitRepo.Run(_ws.Root, "commit", "-qm", "spec");
        _ws.Write(".env.production", "SHOP_QUEUE_URL=amqp://mq.internal/shop\n");
        GitRepo.Run(_ws.Root, "add", "-A");
        GitRepo.Run(_ws.Root, "commit", "-qm", "code");

        var unfinished = JsonDocument.Parse((await Kse("ops", "status", "--json")).Out).RootElement;
        _ws.Write(".sce/specs/shop/tasks.md", "- [x] add the queue\n- [x] document it\n");
        var finished = await Kse("ops", "status");
        var json = JsonDocument.Parse((await Kse("ops", "status", "--json")).Out).RootElement;

        Assert.Empty(unfinished.GetProperty("needOperationsUpdate").EnumerateArray());
        Assert.Contains("update .sce/specs/shop/operations/deployment.md '## Environment Variables'", finished.Out, StringComparison.Ordinal);
        Assert.Equal(["shop"], json.GetProperty("needOperationsUpdate").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task InstancesAtDifferentVersions_RunDifferentCommandsForOneOperation_AndTheAuditNamesEachSpecVersion()
    {
        await InitAsync();
        const string Block = "\n```kse-operation\nname: say\nrisk: normal\ncommand: [\"echo\", \"{word}\"]\nparameters:\n  word: { type: string, pattern: \"^[a-z]{1,20}$\" }\n```\n";
        File.AppendAllText(Ops("operations.md"), Block);
        await Kse("ops", "version", "create", "shop", "2.4.0");
        File.WriteAllText(Ops("versions", "2.4.0", "operations.md"), File.ReadAllText(Ops("operations.md")).Replace("[\"echo\", \"{word}\"]", "[\"echo\", \"v24\", \"{word}\"]", StringComparison.Ordinal));
        await Kse("instances", "add", "shop", "dev-old", "--env", "development", "--host", "local", "--version", "2.3.1");
        await Kse("instances", "add", "shop", "dev-new", "--env", "development", "--host", "local", "--version", "2.4.0");

        var old = await Kse("ops", "run", "shop", "say", "--env", "development", "--instance", "dev-old", "--param", "word=hello", "--json");
        var neu = await Kse("ops", "run", "shop", "say", "--env", "development", "--instance", "dev-new", "--param", "word=hello", "--json");

        Assert.True(old.ExitCode == 0, old.Err + old.Out);
        Assert.True(neu.ExitCode == 0, neu.Err + neu.Out);
        var o = JsonDocument.Parse(old.Out).RootElement;
        var n = JsonDocument.Parse(neu.Out).RootElement;
        Assert.Equal(("hello\n", "main"), (o.GetProperty("result").GetProperty("stdout").GetString(), o.GetProperty("specVersion").GetString()));
        Assert.Equal(("v24 hello\n", "2.4.0"), (n.GetProperty("result").GetProperty("stdout").GetString(), n.GetProperty("specVersion").GetString()));
        Assert.Equal(Sha256(File.ReadAllText(Ops("versions", "2.4.0", "operations.md"))), n.GetProperty("documentSha256").GetString());

        var entries = JsonDocument.Parse((await Kse("audit", "query", "--type", "ops.run", "--json")).Out).RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(4, entries.Count);
        foreach (var e in entries)
        {
            var p = e.GetProperty("parameters");
            var isNew = p.GetProperty("instance").GetString() == "dev-new";
            Assert.Equal(isNew ? "2.4.0" : "main", e.GetProperty("version").GetString());
            Assert.Equal(isNew ? "2.4.0" : "main", p.GetProperty("specVersion").GetString());
            Assert.Equal(Sha256(File.ReadAllText(isNew ? Ops("versions", "2.4.0", "operations.md") : Ops("operations.md"))), p.GetProperty("documentSha256").GetString());
        }
    }

    private async Task<(int Code, string Out, string Err)> RunKseProcessAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kse.dll"));
        foreach (var a in args.Concat(["--root", _ws.Root]))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    private (int Code, string Out, string Err) RunGit(params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = _ws.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false" }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }
}
