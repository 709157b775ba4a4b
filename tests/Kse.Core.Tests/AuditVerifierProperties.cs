using FsCheck.Xunit;
using Kse.Core.Audit;

namespace Kse.Core.Tests;

/// <summary>For any chain and any single edit, verify (with a checkpoint of the original head) names the edit and where it is.</summary>
public sealed class AuditVerifierProperties
{
    private static readonly List<AuditEntry> Full = AuditVerifierTests.Chain(40);

    [Property(MaxTest = 300)]
    public bool EverySingleEdit_IsNamedWithItsSequence(byte sizeSeed, byte positionSeed, byte operation)
    {
        var n = 2 + (sizeSeed % 39);
        var chain = Full.Take(n).ToList();
        var checkpoint = new AuditCheckpoint { Sequence = n, HeadHash = chain[^1].Hash, CreatedAt = DateTimeOffset.UnixEpoch };
        var i = positionSeed % n;
        var tampered = chain.ToList();
        (string Kind, long Sequence) expected;
        switch (operation % 4)
        {
            case 0:
                tampered.RemoveAt(i);
                expected = i == n - 1 ? (AuditFaultKind.Truncated, n) : (AuditFaultKind.Deleted, i + 1);
                break;
            case 1:
                i = Math.Min(i, n - 2);
                (tampered[i], tampered[i + 1]) = (tampered[i + 1], tampered[i]);
                expected = (AuditFaultKind.Reordered, i + 1);
                break;
            case 2:
                tampered.Insert(i + 1, tampered[i]);
                expected = (AuditFaultKind.Inserted, i + 1);
                break;
            default:
                tampered[i] = tampered[i] with { Target = "something else" };
                expected = (AuditFaultKind.Modified, i + 1);
                break;
        }

        var intact = AuditVerifier.Verify(chain, checkpoint);
        var r = AuditVerifier.Verify(tampered, checkpoint);
        return intact.Intact && !r.Intact && r.Fault!.Kind == expected.Kind && r.Fault.Sequence == expected.Sequence;
    }
}
