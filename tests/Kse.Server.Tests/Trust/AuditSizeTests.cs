using System.Security.Cryptography;
using System.Text;
using Kse.Core.Audit;
using Kse.TestKit;

namespace Kse.Server.Tests.Trust;

/// <summary>A read-only call with a huge argument cannot bloat the audit trail: large values are stored as their digest.</summary>
public sealed class AuditSizeTests
{
    [Fact]
    public async Task ChangeClassify_WithALargeDiff_IsAuditedWithTheDiffsDigest_AndTheTrailStaysSmall()
    {
        using var ws = new TempWorkspace();
        var diff = new StringBuilder("diff --git a/src/app.cs b/src/app.cs\n--- a/src/app.cs\n+++ b/src/app.cs\n@@ -1,1 +1,20000 @@\n");
        for (var i = 0; i < 20_000; i++)
        {
            diff.Append("+// line ").Append(i).Append(" of a very long change\n");
        }

        var text = diff.ToString();
        await using var mcp = await McpTestServer.StartAsync(ws);

        var result = await mcp.Client.CallToolAsync("change_classify", new Dictionary<string, object?> { ["diff"] = text });

        Assert.NotEqual(true, result.IsError);
        var entries = (await mcp.Get<IAuditReader>().ReadChainAsync().ToListAsync()).Where(e => e.OperationType == "tool.call").ToList();
        Assert.NotEmpty(entries);
        var bytes = Encoding.UTF8.GetBytes(text);
        var expected = $"sha256:{Convert.ToHexStringLower(SHA256.HashData(bytes))} ({bytes.Length} bytes)";
        Assert.All(entries, e => Assert.Equal(expected, e.Parameters!["diff"]));
        Assert.True(new FileInfo(ws.Workspace.AuditDatabasePath).Length < bytes.Length, "the audit file grew by the diff's size");
    }

    [Fact]
    public void Prepare_KeepsValuesUpToTheLimit_AndDigestsLargerOnes()
    {
        var draft = new AuditDraft
        {
            Actor = Actor.Ai("claude"),
            OperationType = "tool.call",
            Parameters = new Dictionary<string, string?> { ["small"] = new('a', 64), ["edge"] = new('b', 128), ["big"] = new('c', 129), ["none"] = null },
        };

        var p = AuditSealer.Prepare(draft, maxParameterBytes: 128).Parameters!;

        Assert.Equal(new string('a', 64), p["small"]);
        Assert.Equal(new string('b', 128), p["edge"]);
        Assert.Matches("^sha256:[0-9a-f]{64} \\(129 bytes\\)$", p["big"]);
        Assert.Null(p["none"]);
    }
}
