using System.Security.Cryptography;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Learning;
using Kse.TestKit;

namespace Kse.Storage.Tests.Learning;

public sealed class LearningServiceTests
{
    [Fact]
    public async Task Draft_FindsEachPlantedPattern_WithHighConfidence_AndNoiseLow()
    {
        using var f = new LearningFixture();
        var history = ObservedHistory.Generate("shop", f.Clock.GetUtcNow());
        Assert.True(history.Count >= 300, $"the generated history has {history.Count} commands");
        await f.Learning.RecordAsync(history, LearningFixture.Ops);

        var draft = await f.Learning.DraftAsync("shop", null, LearningFixture.Ops);
        var mined = draft.Patterns;
        Assert.Empty(draft.ValidationErrors);

        // The nightly backup: daily at about 02:00 on db-1, an operation in Backup Procedures.
        var backup = Assert.Single(mined.Recurring, r => r.Command == ObservedHistory.Backup);
        Assert.Equal("daily", backup.Schedule.Kind);
        Assert.Equal("02:00", backup.Schedule.At);
        Assert.Equal(["db-1"], backup.Hosts.Select(h => h.Name));
        Assert.True(backup.Confidence >= 0.85, backup.Explanation);
        var backupOp = Assert.Single(draft.Operations, o => o.Command == ObservedHistory.Backup);
        Assert.Equal(("operations.md", "Backup Procedures"), (backupOp.Document, backupOp.Section));
        Assert.Equal("critical", backupOp.Risk); // a data tool in production touches production data
        Assert.Equal(42, backupOp.Count);
        Assert.Equal(backup.Evidence, backupOp.Evidence);

        // The weekly restart: Sundays at about 03:00 on web-1.
        var restart = Assert.Single(mined.Recurring, r => r.Command == ObservedHistory.WeeklyRestart);
        Assert.Equal(("weekly", "Sunday"), (restart.Schedule.Kind, restart.Schedule.Weekday));
        Assert.InRange(TimeSpan.Parse(restart.Schedule.At!, System.Globalization.CultureInfo.InvariantCulture), new TimeSpan(2, 50, 0), new TimeSpan(3, 10, 0));
        Assert.Equal(["web-1"], restart.Hosts.Select(h => h.Name));
        Assert.True(restart.Confidence >= 0.75, restart.Explanation);
        Assert.Contains(draft.Operations, o => o.Command == ObservedHistory.WeeklyRestart && o.Section == "Daily Tasks");

        // The disk-full failure and its fix.
        var fix = Assert.Single(mined.FailureFixes, x => x.FailingCommand == ObservedHistory.FailingStart);
        Assert.Equal([ObservedHistory.DiskFix], fix.FixCommands);
        Assert.Contains("df -h /var", fix.Diagnostics);
        Assert.Equal(8, fix.Support);
        Assert.True(fix.Confidence >= 0.85, fix.Explanation);
        var vacuum = Assert.Single(draft.Operations, o => o.Command == ObservedHistory.DiskFix);
        Assert.Equal(("troubleshooting.md", "critical"), (vacuum.Document, vacuum.Risk));

        // The deploy sequence, in order, on web-1.
        var deploy = Assert.Single(mined.Sequences, s => s.Kind == "deploy");
        Assert.Equal(ObservedHistory.Deploy, deploy.Commands);
        Assert.Equal(11, deploy.Support);
        Assert.Equal(["web-1"], deploy.Hosts.Select(h => h.Name));
        Assert.True(deploy.Confidence >= 0.85, deploy.Explanation);
        Assert.All(ObservedHistory.Deploy, c => Assert.Contains(draft.Operations, o => o.Command == c && o.Document == "deployment.md"));

        // Noise: interactive commands and one-offs are low and never drafted.
        string[] patterns = [ObservedHistory.Backup, ObservedHistory.WeeklyRestart, ObservedHistory.FailingStart, ObservedHistory.DiskFix, "df -h /var", .. ObservedHistory.Deploy];
        var noise = mined.Recurring.Where(r => !patterns.Contains(r.Command)).ToList();
        Assert.True(noise.Count > 50, $"only {noise.Count} noise templates");
        Assert.All(noise, r => Assert.True(r.Confidence < 0.5, $"noise '{r.Command}' ({r.Category}, {r.Count}×) has confidence {r.Confidence}: {r.Explanation}"));
        Assert.DoesNotContain(draft.Operations, o => !patterns.Contains(o.Command));
        Assert.True(noise.Max(n => n.Confidence) < new[] { backup.Confidence, restart.Confidence, fix.Confidence, deploy.Confidence }.Min());
    }

    [Fact]
    public async Task Draft_MasksEveryPlantedSecret_InStoresDraftsOutputAndAuditTrail()
    {
        using var f = new LearningFixture();
        await f.Learning.RecordAsync(ObservedHistory.Generate("shop", f.Clock.GetUtcNow()), LearningFixture.Ops);
        var draft = await f.Learning.DraftAsync("shop", null, LearningFixture.Ops);
        var output = KseJson.Serialize(draft, indented: true);
        var trail = string.Join('\n', (await f.AuditReader.ReadChainAsync().ToListAsync()).Select(e => KseJson.Serialize(e)));
        var observations = await f.Learning.ObservationsAsync("shop", null);
        Assert.Equal(8, observations.Count(o => o.MaskedSecrets > 0));
        foreach (var secret in ObservedHistory.Secrets)
        {
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, trail, StringComparison.Ordinal);
            Assert.DoesNotContain(observations, o => o.Command.Contains(secret, StringComparison.Ordinal));
        }

        var files = f.Files().ToList();
        Assert.Contains(files, x => x.Path.EndsWith("observations.db", StringComparison.Ordinal));
        foreach (var secret in ObservedHistory.Secrets)
        {
            Assert.DoesNotContain(files, x => x.Text.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Draft_WritesOnlyUnderDrafts_AndTheDraftsValidateAsSpecDocuments()
    {
        using var f = new LearningFixture();
        var ops = f.Workspace.Workspace.OperationsDir("shop");
        string Hashes() => string.Join('\n', Directory.GetFiles(ops).Order().Select(p => p + " " + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))));
        var before = Hashes();
        await f.Learning.RecordAsync(ObservedHistory.Generate("shop", f.Clock.GetUtcNow()), LearningFixture.Ops);

        var draft = await f.Learning.DraftAsync("shop", "production", LearningFixture.Ops);

        Assert.Equal(before, Hashes());
        Assert.Equal(["deployment.md", "monitoring.md", "operations.md", "troubleshooting.md"], Directory.GetFiles(Path.Combine(ops, "drafts")).Select(Path.GetFileName).Order());
        var docs = draft.Documents.Select(d => (d.Name, File.ReadAllText(Path.Combine(f.Workspace.Root, d.Path)))).ToList();
        Assert.Empty(SpecDrafter.Validate(docs));
        var catalog = Kse.Core.Execution.OperationCatalog.FromDocuments("shop", docs);
        Assert.Equal(draft.Operations.Select(o => o.Name).Order(), catalog.Operations.Select(o => o.Name).Order());
        Assert.Contains("Confidence **", f.Learning.ReadDraft("shop", "operations"), StringComparison.Ordinal);
        var entry = Assert.Single((await f.AuditReader.QueryAsync(new Kse.Core.Audit.AuditQuery { OperationType = "learn.draft" })));
        Assert.Contains(draft.Documents[0].Sha256, entry.Parameters!["documents"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ReadsBashAndZshExtendedHistories_WithTheirTimestamps()
    {
        using var f = new LearningFixture();
        var history = ObservedHistory.Generate("shop", f.Clock.GetUtcNow(), days: 14);
        var bash = f.Workspace.Write("bash_history", ObservedHistory.AsBashHistory(history));
        var zsh = f.Workspace.Write("zsh_history", ObservedHistory.AsZshHistory(history));

        var fromBash = await f.Learning.ImportAsync("shop", "production", null, bash, "bash", LearningFixture.Ops);
        var fromZsh = await f.Learning.ImportAsync("shop", "test", null, zsh, null, LearningFixture.Ops);
        var again = await f.Learning.ImportAsync("shop", "production", null, bash, "bash", LearningFixture.Ops);

        Assert.Equal(("bash", history.Count, 0), (fromBash.Source, fromBash.Imported, fromBash.WithoutTimestamp));
        Assert.Equal(("zsh", history.Count, 0), (fromZsh.Source, fromZsh.Imported, fromZsh.WithoutTimestamp));
        Assert.Equal((0, history.Count), (again.Imported, again.Duplicates));
        Assert.Equal(history[0].StartedAt.ToUnixTimeSeconds(), fromBash.From!.Value.ToUnixTimeSeconds());
        Assert.Equal(history[^1].StartedAt.ToUnixTimeSeconds(), fromZsh.To!.Value.ToUnixTimeSeconds());
        Assert.True(fromBash.MaskedSecrets >= 8 && fromZsh.MaskedSecrets == fromBash.MaskedSecrets, $"{fromBash.MaskedSecrets} / {fromZsh.MaskedSecrets}");
        var stored = await f.Learning.ObservationsAsync("shop", null);
        Assert.Equal(2 * history.Count, stored.Count);
        Assert.Equal(14, stored.Count(o => o.Command == ObservedHistory.Backup && o.Source == "bash"));
        Assert.All(stored.Where(o => o.Command == ObservedHistory.Backup && o.Source == "zsh"), o => Assert.True(o.DurationMs >= 120_000));
        Assert.Equal(3, (await f.AuditReader.QueryAsync(new Kse.Core.Audit.AuditQuery { OperationType = "observe.import" })).Count);

        foreach (var env in new[] { "production", "test" })
        {
            var backup = (await f.Learning.MineAsync("shop", env)).Recurring.Single(r => r.Command == ObservedHistory.Backup);
            Assert.Equal(("daily", "02:00"), (backup.Schedule.Kind, backup.Schedule.At));
        }

        foreach (var secret in ObservedHistory.Secrets)
        {
            Assert.DoesNotContain(stored, o => o.Command.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Import_RefusesAnUnknownFormat_AndAMissingFile_StoringNothing()
    {
        using var f = new LearningFixture();
        var file = f.Workspace.Write("h", "ls\n");
        var bad = await Assert.ThrowsAsync<KseException>(() => f.Learning.ImportAsync("shop", "production", null, file, "powershell", LearningFixture.Ops));
        Assert.Equal("observe.format_unknown", bad.Code);
        var missing = await Assert.ThrowsAsync<KseException>(() => f.Learning.ImportAsync("shop", "production", null, f.Workspace.PathOf("nope"), "bash", LearningFixture.Ops));
        Assert.Equal("observe.file_not_found", missing.Code);
        var env = await Assert.ThrowsAsync<KseException>(() => f.Learning.ImportAsync("shop", "moon", null, file, "bash", LearningFixture.Ops));
        Assert.Equal("policy.environment_unknown", env.Code);
        Assert.Empty(await f.Learning.ObservationsAsync("shop", null));
    }

    [Fact]
    public async Task Observe_RunsTheCommand_RecordsItsExitCode_AndMasksSecretArguments()
    {
        using var f = new LearningFixture();
        var result = await f.Learning.ObserveAsync("shop", "development", null, ["sh", "-c", "exit 3", "--password", "Pl4inSecret!"], LearningFixture.Ops);

        Assert.Equal(3, result.ExitCode);
        var stored = Assert.Single(await f.Learning.ObservationsAsync("shop", null));
        Assert.Equal((3, "observe", "development"), (stored.ExitCode!.Value, stored.Source, stored.Environment));
        Assert.Equal(["sh", "-c", "exit 3", "--password", CommandMasker.Mask], stored.Argv);
        Assert.Equal(Environment.UserName, stored.User);
        Assert.NotNull(stored.DurationMs);
        var entry = Assert.Single((await f.AuditReader.QueryAsync(new Kse.Core.Audit.AuditQuery { OperationType = "observe.command" })));
        Assert.Equal(("failed", "3"), (entry.Outcome, entry.Parameters!["exitCode"]));
        Assert.DoesNotContain("Pl4inSecret", KseJson.Serialize(entry), StringComparison.Ordinal);

        var missing = await f.Learning.ObserveAsync("shop", "development", null, ["no-such-program-kse"], LearningFixture.Ops);
        Assert.Equal(127, missing.ExitCode);
        Assert.NotNull(missing.Problem);
    }

    [Fact]
    public async Task HumanOpsRunsAtL1_CountAsObservations()
    {
        using var f = new LearningFixture();
        for (var i = 0; i < 3; i++)
        {
            await f.Audit.AppendAsync(new AuditDraft
            {
                Actor = Actor.OsUser("alice"),
                OperationType = "ops.run",
                Project = "shop",
                Environment = "production",
                Target = "restart@prod-1",
                Parameters = new Dictionary<string, string?> { ["observed"] = "true", ["command"] = "systemctl restart nginx", ["host"] = "web-1", ["exitCode"] = "0", ["instance"] = "prod-1" },
                Outcome = "succeeded",
            });
        }

        // The AI's runs and decisions are not human observations.
        await f.Audit.AppendAsync(new AuditDraft { Actor = Actor.Ai("agent"), OperationType = "ops.run", Project = "shop", Environment = "production", Parameters = new Dictionary<string, string?> { ["command"] = "rm -rf /" }, Outcome = "succeeded" });

        var observations = await f.Learning.ObservationsAsync("shop", null);
        Assert.Equal(3, observations.Count);
        Assert.All(observations, o => Assert.Equal(("ops.run", "web-1", 0), (o.Source, o.Host!, o.ExitCode!.Value)));
    }

    [Fact]
    public async Task Store_IsReadableByItsOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var f = new LearningFixture();
        await f.Learning.RecordAsync(ObservedHistory.Generate("shop", f.Clock.GetUtcNow(), days: 2), LearningFixture.Ops);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f.Store.Path));
    }
}
