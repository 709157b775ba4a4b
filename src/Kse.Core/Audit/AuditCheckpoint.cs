using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Kse.Core.Audit;

/// <summary>
/// The trail's length and head hash at a moment, kept outside the database so that cutting entries off
/// the end is detected. Optionally signed with an ECDSA P-256 key (signature over
/// <see cref="AuditCheckpointSigner.SignedPayload"/>, IEEE P1363 format, base64).
/// </summary>
public sealed record AuditCheckpoint
{
    public const string EcdsaP256Sha256 = "ECDSA-P256-SHA256";

    public required long Sequence { get; init; }

    public required string HeadHash { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public string? Algorithm { get; init; }

    /// <summary>The signer's public key (SubjectPublicKeyInfo PEM); pin it with <c>--key</c> to refuse checkpoints signed by anyone else.</summary>
    public string? PublicKey { get; init; }

    public string? Signature { get; init; }

    public static AuditCheckpoint Load(string path)
    {
        if (!File.Exists(path))
        {
            throw KseException.NotFound("audit.checkpoint_not_found", $"checkpoint file '{path}' does not exist");
        }

        try
        {
            var cp = JsonSerializer.Deserialize<AuditCheckpoint>(File.ReadAllText(path), KseJson.Options);
            return cp ?? throw KseException.BadInput("audit.checkpoint_invalid", $"checkpoint file '{path}' is empty");
        }
        catch (JsonException ex)
        {
            throw KseException.BadInput("audit.checkpoint_invalid", $"checkpoint file '{path}' is not a checkpoint: {ex.Message}");
        }
    }

    public void Save(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, KseJson.Serialize(this, indented: true) + "\n");
    }
}

/// <summary>Signs and checks checkpoints with ECDSA P-256 / SHA-256.</summary>
public static class AuditCheckpointSigner
{
    public static byte[] SignedPayload(AuditCheckpoint cp) =>
        Encoding.UTF8.GetBytes($"kse-audit-checkpoint/v1\n{cp.Sequence}\n{cp.HeadHash}\n{AuditCanonical.FormatTimestamp(cp.CreatedAt)}\n");

    /// <summary>Signs with a private key in PEM form (PKCS#8 or SEC1 "EC PRIVATE KEY"); the key must be on P-256.</summary>
    public static AuditCheckpoint Sign(AuditCheckpoint cp, string privateKeyPem)
    {
        using var key = ImportP256(privateKeyPem, "audit.key_invalid");
        var signature = key.SignData(SignedPayload(cp), HashAlgorithmName.SHA256);
        return cp with
        {
            Algorithm = AuditCheckpoint.EcdsaP256Sha256,
            PublicKey = key.ExportSubjectPublicKeyInfoPem(),
            Signature = Convert.ToBase64String(signature),
        };
    }

    /// <summary>Whether the signature verifies with <paramref name="trustedPublicKeyPem"/>, or with the key the checkpoint carries when none is pinned.</summary>
    public static bool VerifySignature(AuditCheckpoint cp, string? trustedPublicKeyPem = null)
    {
        if (cp.Signature is null)
        {
            return false;
        }

        if (cp.Algorithm is not null && cp.Algorithm != AuditCheckpoint.EcdsaP256Sha256)
        {
            return false;
        }

        var pem = trustedPublicKeyPem ?? cp.PublicKey;
        if (pem is null)
        {
            return false;
        }

        try
        {
            using var key = ImportP256(pem, "audit.key_invalid");
            var signature = Convert.FromBase64String(cp.Signature);
            return key.VerifyData(SignedPayload(cp), signature, HashAlgorithmName.SHA256);
        }
        catch (FormatException)
        {
            return false;
        }
        catch (KseException)
        {
            return false;
        }
    }

    private static ECDsa ImportP256(string pem, string code)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw KseException.BadInput(code, $"not an ECDSA key in PEM form: {ex.Message}");
        }

        if (key.KeySize != 256)
        {
            key.Dispose();
            throw KseException.BadInput(code, $"the key is on a {key.KeySize}-bit curve; checkpoints are signed with P-256");
        }

        return key;
    }
}
