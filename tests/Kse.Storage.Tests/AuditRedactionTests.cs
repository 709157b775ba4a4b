using System.Text;
using Kse.Core.Audit;
using Kse.TestKit;

namespace Kse.Storage.Tests;

public sealed class AuditRedactionTests : IDisposable
{
    private readonly TempWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public async Task Secrets_NeverReachTheDatabaseFile_NorTheExports()
    {
        string[] secrets = ["Hunter2-PLAIN-pw", "S3cr3t-in-connstr", "tok-9f8e7d6c5b4a", "AKIA-api-key-777", "url-pass-5150", "bearer-abcdef123456"];
        using (var db = new AuditDatabase(_ws.Workspace))
        using (var trail = new LiteDbAuditTrail(db, TimeProvider.System))
        {
            await trail.AppendAsync(new AuditDraft
            {
                Actor = Actor.Ai("claude"),
                OperationType = "tool.call",
                Project = "shop",
                Target = "deploy https://deployer:url-pass-5150@git.example.com/shop.git",
                Parameters = new Dictionary<string, string?>
                {
                    ["Password"] = secrets[0],
                    ["connection_string"] = "Server=db;User Id=sa;Password=" + secrets[1] + ";",
                    ["dsn"] = "Host=db;Username=app;Password=" + secrets[1] + ";Database=shop",
                    ["X-Api-Token"] = secrets[2],
                    ["args"] = "--apikey=" + secrets[3] + " --verbose",
                    ["header"] = "Authorization: Bearer " + secrets[5],
                    ["replicas"] = "3",
                },
                Outcome = "failed",
                ErrorContext = "login failed for sa with password=" + secrets[0],
                RecoveryAttempts = ["retried with token=" + secrets[2]],
            });
        }

        var export = Path.Combine(_ws.Root, "out.jsonl");
        var csv = Path.Combine(_ws.Root, "out.csv");
        using (var db = new AuditDatabase(_ws.Workspace))
        {
            var service = new AuditService(new LiteDbAuditReader(db), TimeProvider.System);
            await service.ExportAsync("jsonl", export, new AuditQuery());
            await service.ExportAsync("csv", csv, new AuditQuery());
            var entry = (await new LiteDbAuditReader(db).ReadChainAsync().ToListAsync()).Single();
            Assert.Equal("3", entry.Parameters!["replicas"]);
            Assert.Equal(SecretRedactor.Mask, entry.Parameters["Password"]);
            Assert.Equal(SecretRedactor.Mask, entry.Parameters["connection_string"]);
            Assert.Equal("Host=db;Username=app;Password=[REDACTED];Database=shop", entry.Parameters["dsn"]);
        }

        var files = Directory.GetFiles(_ws.Workspace.StateDir).Append(export).Append(csv).ToList();
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var secret in secrets)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"'{secret}' found in {Path.GetFileName(file)}");
            }
        }
    }
}
