using System.Diagnostics;
using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli.Tests.Trust;

/// <summary>Deciding as an operator at the command line needs an operator credential; an agent with a shell has none.</summary>
public sealed class OperatorCredentialTests
{
    private static async Task<(TempWorkspace Ws, string ApprovalId, string ElevationId)> SetupAsync()
    {
        var ws = new TempWorkspace();
        new ProjectManifest { Name = "shop", SystemType = SystemType.Kse }.Save(ws.Workspace);
        ws.Write(".sce/appsettings.json", TestOperators.Settings("alice:approver,emergency-approver"));
        await using var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        var approval = await services.GetRequiredService<ApprovalService>().CreateAsync(new ApprovalDraft
        {
            Tool = "probe_restart",
            ArgumentsJson = """{"project":"shop","environment":"production"}""",
            Project = "shop",
            Environment = "production",
            Requester = "ai:claude",
            Reason = "restart after deploy",
            Risk = RiskClass.Critical,
        });
        var elevation = await services.GetRequiredService<EmergencyService>().GrantAsync("shop", "test", "L4", 30, "set up by the test", "alice");
        return (ws, approval.Id, elevation.Id);
    }

    /// <summary>A real <c>kse</c> process with the environment an AI's shell tool has: no operator token (or the one given).</summary>
    private static async Task<(int Code, string Out, string Err)> AgentShellAsync(TempWorkspace ws, string? token, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment.Remove(OperatorAuthentication.TokenVariable);
        if (token is not null)
        {
            psi.Environment[OperatorAuthentication.TokenVariable] = token;
        }

        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kse.dll"));
        foreach (var a in args.Append("--root").Append(ws.Root))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    private static async Task<IReadOnlyList<AuditEntry>> Attempts(TempWorkspace ws)
    {
        await using var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        return (await services.GetRequiredService<IAuditReader>().QueryAsync(new AuditQuery { OperationType = OperatorAuthentication.CliOperationType }));
    }

    [Fact]
    public async Task AgentShell_WithoutAnOperatorToken_CannotApproveGrantSetOrPromote_AndEachAttemptIsAudited()
    {
        var (ws, approval, elevation) = await SetupAsync();
        using var _ = ws;
        string[][] attempts =
        [
            ["approvals", "approve", approval, "--reason", "looks fine"],
            ["approvals", "reject", approval, "--reason", "no"],
            ["emergency", "grant", "shop", "--env", "test", "--level", "L4", "--reason", "incident"],
            ["emergency", "revoke", elevation, "--reason", "done"],
            ["takeover", "set", "shop", "--env", "production", "--level", "L2", "--reason", "raise"],
            ["takeover", "promote", "shop", "--env", "test", "--reason", "raise"],
        ];

        foreach (var attempt in attempts)
        {
            var r = await AgentShellAsync(ws, token: null, attempt);
            Assert.True(r.Code == 4, $"{string.Join(' ', attempt)} exited {r.Code}: {r.Err}");
            Assert.StartsWith("error auth.required:", r.Err.Trim());
        }

        var audited = await Attempts(ws);
        Assert.Equal(attempts.Length, audited.Count);
        Assert.All(audited, e =>
        {
            Assert.Equal("user", e.ActorKind);
            Assert.Equal(Environment.UserName, e.ActorName);
            Assert.Equal("unauthenticated", e.Decision);
            Assert.Equal("denied", e.Outcome);
            Assert.StartsWith("auth.required", e.ErrorContext);
        });
        Assert.Contains(audited, e => e.Target == "kse approvals approve" && e.Parameters!["id"] == approval);

        await using var services = KseComposition.BuildServiceProvider(ws.Workspace, KseComposition.LoadConfiguration(ws.Workspace));
        Assert.Equal(ApprovalState.Pending, (await services.GetRequiredService<ApprovalService>().GetAsync(approval)).State);
        Assert.Null((await services.GetRequiredService<ITakeoverStore>().GetLevelAsync("shop", EnvironmentKind.Production)));
    }

    [Fact]
    public async Task WrongToken_IsAuthInvalid_AndTheRightOne_NamesTheOperator_WhateverTheOsUser()
    {
        var (ws, approval, _) = await SetupAsync();
        using var _ = ws;

        var wrong = await AgentShellAsync(ws, "guessed-token", "approvals", "approve", approval, "--reason", "x");
        Assert.Equal(4, wrong.Code);
        Assert.StartsWith("error auth.invalid:", wrong.Err.Trim());
        Assert.DoesNotContain("guessed-token", string.Join('\n', (await Attempts(ws)).Select(e => JsonSerializer.Serialize(e))));

        var right = await AgentShellAsync(ws, TestOperators.Token("alice"), "approvals", "approve", approval, "--reason", "checked", "--json");
        Assert.True(right.Code == 0, right.Err);
        Assert.Equal("alice", JsonDocument.Parse(right.Out).RootElement.GetProperty("decidedBy").GetString());
    }

    [Fact]
    public async Task TokenFile_ReadableByOthers_IsRefused()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var (ws, approval, _) = await SetupAsync();
        using var _ = ws;
        var file = ws.TokenFile("alice");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var r = await CliRunner.RunAsync("approvals", "approve", approval, "--reason", "x", "--token-file", file, "--root", ws.Root);

        Assert.Equal(4, r.ExitCode);
        Assert.StartsWith("error auth.token_file_insecure:", r.Err.Trim());
        Assert.Contains("chmod 600", r.Err);
    }

    [Fact]
    public async Task RefusedDecisions_OfAnAuthenticatedOperator_AreAuditedWithTheOperator()
    {
        var (ws, approval, _) = await SetupAsync();
        using var _ = ws;
        var alice = ws.TokenFile("alice");
        Assert.Equal(0, (await CliRunner.RunAsync("approvals", "reject", approval, "--reason", "no", "--token-file", alice, "--root", ws.Root)).ExitCode);

        var replay = await CliRunner.RunAsync("approvals", "approve", approval, "--reason", "changed my mind", "--token-file", alice, "--root", ws.Root);
        var overCap = await CliRunner.RunAsync("emergency", "grant", "shop", "--env", "production", "--level", "L4", "--reason", "x", "--token-file", alice, "--root", ws.Root);

        Assert.Equal(4, replay.ExitCode);
        Assert.Equal(4, overCap.ExitCode);
        var audited = await Attempts(ws);
        Assert.Equal(2, audited.Count);
        Assert.All(audited, e => Assert.Equal("operator:alice", $"{e.ActorKind}:{e.ActorName}"));
        Assert.Contains(audited, e => e.ErrorContext!.StartsWith("approval.not_pending", StringComparison.Ordinal));
        Assert.Contains(audited, e => e.ErrorContext!.StartsWith("policy.level_above_cap", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WorkspaceWithoutOperators_LetsTheOsUserSetLevels_WithAWarning_ButNobodyApproves()
    {
        using var ws = new TempWorkspace();
        new ProjectManifest { Name = "shop", SystemType = SystemType.Kse }.Save(ws.Workspace);

        var set = await AgentShellAsync(ws, token: null, "takeover", "set", "shop", "--env", "test", "--level", "L4", "--reason", "setting up", "--json");
        var approve = await AgentShellAsync(ws, token: null, "approvals", "approve", "apr-000000000000", "--reason", "x");

        Assert.True(set.Code == 0, set.Err);
        Assert.Contains("warning auth.no_operators", set.Err);
        Assert.Equal(Environment.UserName, JsonDocument.Parse(set.Out).RootElement.GetProperty("user").GetString());
        Assert.Equal(4, approve.Code);
        Assert.StartsWith("error auth.required:", approve.Err.Trim());
    }
}
