using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kse.Core;
using Kse.Core.Audit;
using Kse.TestKit;

namespace Kse.Core.Tests;

/// <summary>Exported JSON Lines bundles verify offline; every kind of edit is caught and named.</summary>
public sealed class AuditVerifierTests : IDisposable
{
    private readonly TempWorkspace _ws = new(initialize: false);

    public void Dispose() => _ws.Dispose();

    internal static List<AuditEntry> Chain(int count, DateTimeOffset? start = null)
    {
        var t = start ?? new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
        var list = new List<AuditEntry>();
        AuditHead? head = null;
        for (var i = 1; i <= count; i++)
        {
            var prepared = AuditSealer.Prepare(new AuditDraft
            {
                Actor = Actor.OperatorNamed("olga"),
                OperationType = "takeover.change",
                Project = "shop",
                Environment = "production",
                TakeoverLevel = "L2",
                Parameters = new Dictionary<string, string?> { ["from"] = "L1", ["to"] = "L2", ["reason"] = $"reason-marker {i}" },
                Outcome = "succeeded",
                Rules = ["cap production L2"],
            });
            var e = AuditSealer.Seal(prepared, head, t.AddSeconds(i));
            list.Add(e);
            head = new AuditHead(e.Sequence, e.Hash, e.Timestamp);
        }

        return list;
    }

    private async Task<string> ExportAsync(IEnumerable<AuditEntry> entries)
    {
        var path = _ws.PathOf("audit.jsonl");
        await using var w = new StreamWriter(path);
        await AuditExport.WriteJsonLinesAsync(entries.ToAsyncEnumerable(), w);
        return path;
    }

    private string WriteLines(IEnumerable<string> lines)
    {
        var path = _ws.PathOf($"tampered-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private static void AssertFault(AuditVerifyResult r, long sequence, string kind)
    {
        Assert.False(r.Intact);
        Assert.Equal((sequence, kind), (r.Fault!.Sequence, r.Fault.Kind));
    }

    [Fact]
    public async Task VerifyFile_IsIntact_ForAnUntouchedExport()
    {
        var path = (await ExportAsync(Chain(10)));
        var r = (await AuditService.VerifyFileAsync(path));
        Assert.True(r.Intact);
        Assert.Equal(10, r.Entries);
        Assert.Equal(10, r.HeadSequence);
    }

    [Fact]
    public async Task Export_RoundTripsEveryField_SoHashesStillMatch()
    {
        var chain = Chain(3);
        var back = AuditExport.ReadJsonLines((await ExportAsync(chain))).ToList();
        Assert.Equal(chain.Select(AuditCanonical.CanonicalJson), back.Select(e => AuditCanonical.CanonicalJson(e!)));
        Assert.Contains("reason-marker 2", File.ReadAllText(_ws.PathOf("audit.jsonl")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyFile_NamesModified_WhenAReasonIsEditedInALine()
    {
        var lines = File.ReadAllLines((await ExportAsync(Chain(10))));
        var node = JsonNode.Parse(lines[4])!;
        node["parameters"]!["reason"] = "REASON-MARKER 5";
        lines[4] = node.ToJsonString();
        AssertFault((await AuditService.VerifyFileAsync(WriteLines(lines))), 5, AuditFaultKind.Modified);
    }

    [Fact]
    public async Task VerifyFile_NamesModified_WhenATimestampIsMoved()
    {
        var lines = File.ReadAllLines((await ExportAsync(Chain(10))));
        var node = JsonNode.Parse(lines[2])!;
        node["timestamp"] = "2020-01-01T00:00:00.000+00:00";
        lines[2] = node.ToJsonString();
        AssertFault((await AuditService.VerifyFileAsync(WriteLines(lines))), 3, AuditFaultKind.Modified);
    }

    [Fact]
    public async Task VerifyFile_NamesDeleted_WhenALineIsRemoved()
    {
        var lines = File.ReadAllLines((await ExportAsync(Chain(10)))).ToList();
        lines.RemoveAt(5);
        AssertFault((await AuditService.VerifyFileAsync(WriteLines(lines))), 6, AuditFaultKind.Deleted);
    }

    [Fact]
    public async Task VerifyFile_NamesDeleted_WhenTheFirstLineIsRemoved()
    {
        var lines = File.ReadAllLines((await ExportAsync(Chain(10)))).Skip(1);
        AssertFault((await AuditService.VerifyFileAsync(WriteLines(lines))), 1, AuditFaultKind.Deleted);
    }

    [Fact]
    public async Task VerifyFile_NamesReordered_WhenTwoLinesAreSwapped()
    {
        var lines = File.ReadAllLines((await ExportAsync(Chain(10))));
        (lines[4], lines[5]) = (lines[5], lines[4]);
        AssertFault((await AuditService.VerifyFileAsync(WriteLines(lines))), 5, AuditFaultKind.Reordered);
    }

    [Fact]
    public async Task VerifyFile_NamesInserted_WhenALineIsDuplicated()
    {
        var lines = File.ReadAllLines((await ExportAsync(Chain(10)))).ToList();
        lines.Insert(5, lines[5]);
        AssertFault((await AuditService.VerifyFileAsync(WriteLines(lines))), 6, AuditFaultKind.Inserted);
    }

    [Fact]
    public async Task VerifyFile_NamesInserted_WhenAForgedEntryIsSlippedIn()
    {
        var chain = Chain(10);
        var forged = chain[4] with { Target = "drop-database" };
        forged = forged with { Hash = AuditCanonical.ComputeHash(forged) };
        var tampered = chain.Take(4).Append(forged).Concat(chain.Skip(4));
        AssertFault((await AuditService.VerifyFileAsync((await ExportAsync(tampered)))), 5, AuditFaultKind.Inserted);
    }

    [Fact]
    public async Task VerifyFile_NamesModified_AtItsPosition_WhenASequenceNumberIsEdited()
    {
        var lines = File.ReadAllLines((await ExportAsync(Chain(10))));
        var node = JsonNode.Parse(lines[4])!;
        node["sequence"] = 50;
        lines[4] = node.ToJsonString();
        var r = (await AuditService.VerifyFileAsync(WriteLines(lines)));
        AssertFault(r, 5, AuditFaultKind.Modified);
        Assert.Contains("claims sequence 50", r.Fault!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyFile_NamesModified_WhenTheFirstEntryClaimsSequenceZero()
    {
        var chain = Chain(3);
        var zero = chain[0] with { Sequence = 0 };
        zero = zero with { Hash = AuditCanonical.ComputeHash(zero) };
        AssertFault((await AuditService.VerifyFileAsync((await ExportAsync(chain.Skip(1).Prepend(zero))))), 1, AuditFaultKind.Deleted);
    }

    [Fact]
    public async Task VerifyFile_NamesTheLine_WhenItIsNotJson()
    {
        var lines = File.ReadAllLines((await ExportAsync(Chain(5))));
        lines[2] = "{ this is not an entry";
        AssertFault((await AuditService.VerifyFileAsync(WriteLines(lines))), 3, AuditFaultKind.Modified);
    }

    [Fact]
    public async Task VerifyFile_NamesTruncated_AgainstACheckpoint()
    {
        var chain = Chain(10);
        var cpPath = _ws.PathOf("cp.json");
        new AuditCheckpoint { Sequence = 10, HeadHash = chain[^1].Hash, CreatedAt = DateTimeOffset.UnixEpoch }.Save(cpPath);
        Assert.True((await AuditService.VerifyFileAsync((await ExportAsync(chain)), cpPath)).Intact);
        AssertFault((await AuditService.VerifyFileAsync((await ExportAsync(chain.Take(7))), cpPath)), 8, AuditFaultKind.Truncated);
    }

    [Fact]
    public async Task VerifyFile_WithPartial_AcceptsAFilteredExport_ButStillChecksEachEntry()
    {
        var chain = Chain(10);
        var filtered = chain.Where(e => e.Sequence % 3 == 0).ToList();
        var r = (await AuditService.VerifyFileAsync((await ExportAsync(filtered)), partial: true));
        Assert.True(r.Intact);
        Assert.Equal(2, r.Gaps);
        AssertFault((await AuditService.VerifyFileAsync((await ExportAsync(filtered)))), 1, AuditFaultKind.Deleted);

        filtered[1] = filtered[1] with { Outcome = "failed" };
        AssertFault((await AuditService.VerifyFileAsync((await ExportAsync(filtered)), partial: true)), 6, AuditFaultKind.Modified);
    }

    [Fact]
    public async Task SignedCheckpoint_Verifies_AndAnEditedOneIsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyPath = _ws.Write("key.pem", key.ExportPkcs8PrivateKeyPem());
        var chain = Chain(5);
        var cp = AuditCheckpointSigner.Sign(new AuditCheckpoint { Sequence = 5, HeadHash = chain[^1].Hash, CreatedAt = DateTimeOffset.UnixEpoch }, File.ReadAllText(keyPath));
        Assert.True(AuditCheckpointSigner.VerifySignature(cp));
        var cpPath = _ws.PathOf("cp.json");
        cp.Save(cpPath);
        var ok = (await AuditService.VerifyFileAsync((await ExportAsync(chain)), cpPath));
        Assert.True(ok.Intact);
        Assert.Null(ok.Checkpoint!.SignatureValid); // no trusted key given: not checked, never "valid"
        var pinnedKey = _ws.Write("signer.pem", key.ExportSubjectPublicKeyInfoPem());
        Assert.True((await AuditService.VerifyFileAsync((await ExportAsync(chain)), cpPath, pinnedKey)).Checkpoint!.SignatureValid);

        // Lower the recorded length to hide a cut tail: the signature no longer verifies.
        (cp with { Sequence = 3, HeadHash = chain[2].Hash }).Save(cpPath);
        AssertFault((await AuditService.VerifyFileAsync((await ExportAsync(chain.Take(3))), cpPath)), 3, AuditFaultKind.CheckpointSignature);

        // Re-signed with another key: refused when the trusted key is pinned.
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        AuditCheckpointSigner.Sign(cp with { Sequence = 3, HeadHash = chain[2].Hash }, other.ExportPkcs8PrivateKeyPem()).Save(cpPath);
        var pinned = _ws.Write("pub.pem", key.ExportSubjectPublicKeyInfoPem());
        Assert.True((await AuditService.VerifyFileAsync((await ExportAsync(chain.Take(3))), cpPath)).Intact);
        AssertFault((await AuditService.VerifyFileAsync((await ExportAsync(chain.Take(3))), cpPath, pinned)), 3, AuditFaultKind.CheckpointSignature);
    }

    [Fact]
    public void Sign_RefusesAKeyThatIsNotP256()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var ex = Assert.Throws<KseException>(() => AuditCheckpointSigner.Sign(new AuditCheckpoint { Sequence = 0, HeadHash = AuditCanonical.GenesisHash, CreatedAt = DateTimeOffset.UnixEpoch }, key.ExportPkcs8PrivateKeyPem()));
        Assert.Equal("audit.key_invalid", ex.Code);
    }

    [Fact]
    public void Hash_CoversSequenceTimestampAndPreviousHash()
    {
        var e = Chain(2)[1];
        Assert.NotEqual(e.Hash, AuditCanonical.ComputeHash(e with { Sequence = 3 }));
        Assert.NotEqual(e.Hash, AuditCanonical.ComputeHash(e with { Timestamp = e.Timestamp.AddMilliseconds(1) }));
        Assert.NotEqual(e.Hash, AuditCanonical.ComputeHash(e with { PreviousHash = AuditCanonical.GenesisHash }));
        Assert.Equal(e.Hash, AuditCanonical.ComputeHash(e with { Timestamp = e.Timestamp.ToOffset(TimeSpan.FromHours(2)) }));
        using var doc = JsonDocument.Parse(AuditCanonical.CanonicalJson(e));
        Assert.Equal(2, doc.RootElement.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public void CanonicalForm_IsFixed_SoStoredChainsStayVerifiable()
    {
        var e = new AuditEntry
        {
            Sequence = 7,
            Timestamp = new DateTimeOffset(2026, 11, 26, 8, 30, 15, 123, TimeSpan.FromHours(1)),
            ActorKind = "operator",
            ActorName = "olga",
            OperationType = "takeover.change",
            Project = "shop",
            Environment = "production",
            Parameters = new Dictionary<string, string?> { ["to"] = "L2", ["from"] = "L1", ["reason"] = "ünïcode \"quoted\"" },
            Rules = ["cap production L2"],
            Outcome = "succeeded",
            PreviousHash = AuditCanonical.GenesisHash,
            Hash = string.Empty,
        };
        Assert.Equal(
            "{\"v\":1,\"sequence\":7,\"timestamp\":\"2026-11-26T07:30:15.123Z\",\"actorKind\":\"operator\",\"actorName\":\"olga\",\"operationType\":\"takeover.change\",\"project\":\"shop\",\"version\":null,\"environment\":\"production\",\"takeoverLevel\":null,\"target\":null,\"parameters\":{\"from\":\"L1\",\"reason\":\"\\u00FCn\\u00EFcode \\u0022quoted\\u0022\",\"to\":\"L2\"},\"decision\":null,\"rules\":[\"cap production L2\"],\"outcome\":\"succeeded\",\"errorContext\":null,\"recoveryAttempts\":null,\"correlationId\":null,\"relatedProjects\":null,\"previousHash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
            AuditCanonical.CanonicalJson(e));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(AuditCanonical.CanonicalJson(e)))), AuditCanonical.ComputeHash(e));
    }

    [Fact]
    public async Task Csv_FollowsRfc4180_QuotingCommasQuotesAndLineBreaks()
    {
        var e = Chain(1)[0] with { ErrorContext = "disk \"sdb\" full,\r\nretry later" };
        using var w = new StringWriter();
        await AuditExport.WriteCsvAsync(new[] { e }.ToAsyncEnumerable(), w);
        var text = w.ToString();
        var lines = text.Split("\r\n");
        Assert.Equal(string.Join(',', AuditExport.CsvColumns), lines[0]);
        Assert.Contains("\"disk \"\"sdb\"\" full,\r\nretry later\"", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\"{\"\"from\"\":\"\"L1\"\"", text, StringComparison.Ordinal);
    }
}
