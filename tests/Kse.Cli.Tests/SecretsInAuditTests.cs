using Kse.TestKit;

namespace Kse.Cli.Tests;

/// <summary>SECURITY.md: secrets never appear in the audit trail in clear text, wherever the run put them.</summary>
public sealed class SecretsInAuditTests
{
    private const string Ops = """

        ```kse-operation
        name: db-login
        risk: normal
        command: [sh, -c, 'echo "login failed for $1 with $2 / $3 / $4" >&2; exit 3', login, "{user}", "--password={password}", "{token}", "{conn}"]
        parameters:
          user: { type: string, pattern: "[a-z]+" }
          password: { type: string, pattern: ".+" }
          token: { type: string, pattern: ".+" }
          conn: { type: string, pattern: ".+" }
        timeout: 10s
        ```
        """;

    [Fact]
    public async Task OpsRun_SecretParameters_AreMaskedInTheCommandLineAndErrorContext_OfEveryAuditEntry()
    {
        using var ws = new TempWorkspace();
        await CliRunner.RunAsync("ops", "init", "app", "--root", ws.Root);
        File.AppendAllText(ws.PathOf(".sce", "specs", "app", "operations", "operations.md"), Ops);
        await CliRunner.RunAsync("instances", "add", "app", "dev-1", "--env", "development", "--host", "local", "--root", ws.Root);

        var run = await CliRunner.RunAsync(
            "ops", "run", "app", "db-login", "--env", "development", "--root", ws.Root,
            "--param", "user=bob", "--param", "password=Hunter2pw", "--param", "token=TOKvalue123", "--param", "conn=Server=db;User Id=sa;Password=ConnPw99;");
        Assert.Equal(1, run.ExitCode);
        var export = ws.PathOf("audit.jsonl");
        Assert.Equal(0, (await CliRunner.RunAsync("audit", "export", "--format", "jsonl", "--out", export, "--root", ws.Root)).ExitCode);

        var trail = File.ReadAllText(export);
        Assert.Contains("db-login", trail);
        Assert.Contains("login failed for bob", trail);
        foreach (var secret in new[] { "Hunter2pw", "TOKvalue123", "ConnPw99" })
        {
            Assert.DoesNotContain(secret, trail);
        }

        Assert.Equal(0, (await CliRunner.RunAsync("audit", "verify", "--root", ws.Root)).ExitCode);
    }
}
