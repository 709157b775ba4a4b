using System.Security.Cryptography;
using Kse.TestKit;

namespace Kse.Cli.Tests.Trust;

/// <summary>A checkpoint signed by anyone is not "valid": only a signature checked against the trusted key is.</summary>
public sealed class CheckpointSignatureTests
{
    [Fact]
    public async Task VerifyWithoutKey_SaysSignatureNotChecked_WithTheSignersKeyValid_WithAForeignKeyExitsOne()
    {
        using var ws = new TempWorkspace(initialize: false);
        Assert.Equal(0, (await CliRunner.RunAsync("init", "--root", ws.Root)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root)).ExitCode);
        await CliRunner.RunAsync("ops", "list", "--root", ws.Root);
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signerKey = ws.Write("keys/signer.pem", signer.ExportPkcs8PrivateKeyPem());
        var signerPublic = ws.Write("keys/signer.pub.pem", signer.ExportSubjectPublicKeyInfoPem());
        var strangerKey = ws.Write("keys/stranger.pem", stranger.ExportPkcs8PrivateKeyPem());
        var cp = ws.PathOf("cp.json");

        // A checkpoint anybody could have made: signed with a key of their own, which it carries.
        Assert.Equal(0, (await CliRunner.RunAsync("audit", "checkpoint", "--sign", strangerKey, "--out", cp, "--root", ws.Root)).ExitCode);
        var unchecked_ = await CliRunner.RunAsync("audit", "verify", "--checkpoint", cp, "--root", ws.Root);
        var foreign = await CliRunner.RunAsync("audit", "verify", "--checkpoint", cp, "--key", signerPublic, "--root", ws.Root);

        Assert.Equal(0, unchecked_.ExitCode);
        Assert.Contains("signature not checked", unchecked_.Out);
        Assert.DoesNotContain("valid", unchecked_.Out.Replace("signature not checked", "", StringComparison.Ordinal));
        Assert.Equal(1, foreign.ExitCode);
        Assert.Contains("checkpoint_signature", foreign.Err);

        Assert.Equal(0, (await CliRunner.RunAsync("audit", "checkpoint", "--sign", signerKey, "--out", cp, "--root", ws.Root)).ExitCode);
        var trusted = await CliRunner.RunAsync("audit", "verify", "--checkpoint", cp, "--key", signerPublic, "--root", ws.Root);
        Assert.Equal(0, trusted.ExitCode);
        Assert.Contains("signature valid for the given key", trusted.Out);
    }
}
