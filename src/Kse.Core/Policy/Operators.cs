using System.Security.Cryptography;
using System.Text;

namespace Kse.Core.Policy;

/// <summary>A human who may approve queued actions or grant emergency elevation (<c>Kse:Operators</c>).</summary>
public sealed record KseOperator
{
    public const string ApproverRole = "approver";
    public const string EmergencyApproverRole = "emergency-approver";

    public required string Name { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Lower-case hex SHA-256 of the operator's API token (the HTTP operator API authenticates with it).</summary>
    public string? TokenSha256 { get; init; }

    public bool HasRole(string role) => Roles.Any(r => string.Equals(r, role, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The configured operators and their roles. Identity at the command line is <c>--user</c> or the OS user.</summary>
public sealed class OperatorDirectory
{
    private readonly IReadOnlyList<KseOperator> _operators;

    public OperatorDirectory(IEnumerable<KseOperator> operators)
    {
        _operators = operators.Where(o => !string.IsNullOrWhiteSpace(o.Name)).ToList();
    }

    public IReadOnlyList<KseOperator> All => _operators;

    public KseOperator? Find(string? name) =>
        name is null ? null : _operators.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.Ordinal));

    /// <summary>The operator called <paramref name="name"/> if it has <paramref name="role"/>; otherwise a <c>policy.operator_role_missing</c> refusal.</summary>
    public KseOperator Require(string name, string role)
    {
        var op = Find(name);
        if (op is null)
        {
            throw KseException.Refused("policy.operator_unknown", $"'{name}' is not a configured operator (Kse:Operators); only operators with the role '{role}' may do this");
        }

        if (!op.HasRole(role))
        {
            throw KseException.Refused("policy.operator_role_missing", $"operator '{name}' lacks the role '{role}'");
        }

        return op;
    }

    /// <summary>The operator whose token hashes to a configured <c>TokenSha256</c>, compared in constant time; null when none matches.</summary>
    public KseOperator? FindByToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        KseOperator? found = null;
        foreach (var op in _operators)
        {
            if (op.TokenSha256 is { Length: 64 } hex && TryHex(hex, out var expected) && CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found ??= op;
            }
        }

        return found;
    }

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static bool TryHex(string hex, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
