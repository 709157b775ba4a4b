using System.Globalization;
using Kse.Core.Audit;

namespace Kse.Core.Policy;

/// <summary>Where an operator credential came from, and the token it holds.</summary>
public sealed record OperatorCredential(string Token, string Source);

/// <summary>
/// How an operator proves who they are, the same on every face: a token whose SHA-256 equals a configured
/// <c>Kse:Operators[].TokenSha256</c> (compared in constant time). The operator API reads it from <c>Authorization: Bearer</c>;
/// the command line from <c>--token-file FILE</c> (readable by its owner only) or <c>KSE_OPERATOR_TOKEN</c>. The operator's name
/// comes from the match, never from a flag. Every refused attempt is audited with who tried (the OS user or the remote address).
/// </summary>
public sealed class OperatorAuthentication(OperatorDirectory operators, IAuditTrail audit)
{
    /// <summary>The environment variable the command line reads the operator token from.</summary>
    public const string TokenVariable = "KSE_OPERATOR_TOKEN";

    /// <summary>The audit operation type of operator attempts at the command line (<c>operator.api</c> over HTTP).</summary>
    public const string CliOperationType = "operator.cli";

    /// <summary>A token file larger than this is not a token.</summary>
    private const int MaxTokenFileBytes = 4096;

    public OperatorDirectory Operators => operators;

    /// <summary>
    /// The credential given at the command line: <paramref name="tokenFile"/> when named (it must be a regular file readable by
    /// its owner only), else the <see cref="TokenVariable"/> environment variable; null when neither is given.
    /// </summary>
    public static OperatorCredential? ReadCredential(string? tokenFile, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(tokenFile))
        {
            return new OperatorCredential(ReadTokenFile(tokenFile), $"--token-file {tokenFile}");
        }

        return environment(TokenVariable) is { Length: > 0 } token ? new OperatorCredential(token.Trim(), TokenVariable) : null;
    }

    /// <summary>The operator the credential belongs to; <c>auth.required</c> without one, <c>auth.invalid</c> when it matches none (both exit 4).</summary>
    public KseOperator Authenticate(OperatorCredential? credential)
    {
        if (credential is null || credential.Token.Length == 0)
        {
            throw KseException.Refused("auth.required", $"deciding as an operator needs an operator credential: set {TokenVariable} or pass --token-file FILE (a file only you can read); the operator is whoever the token belongs to");
        }

        return operators.FindByToken(credential.Token)
            ?? throw KseException.Refused("auth.invalid", $"the operator token from {credential.Source} matches no configured operator (Kse:Operators[].TokenSha256)");
    }

    /// <summary>
    /// Who decides at the command line. Normally the operator the credential belongs to. A workspace that configures no
    /// operator at all is still being set up: there, and only for verbs that allow it (<paramref name="setupAllowed"/>: level
    /// changes), the OS user acts, audited as <c>user:&lt;name&gt;</c>. Approvals and grants always need an operator.
    /// </summary>
    public Actor Decider(OperatorCredential? credential, bool setupAllowed) =>
        setupAllowed && operators.All.Count == 0 ? Actor.OsUser() : Actor.OperatorNamed(Authenticate(credential).Name);

    /// <summary>The operator of an <c>Authorization</c> header value (<c>Bearer &lt;token&gt;</c>), or null with why not.</summary>
    public KseOperator? AuthenticateBearer(string? authorization, out string? failure)
    {
        var token = BearerToken(authorization);
        var op = operators.FindByToken(token);
        failure = op is not null ? null : token is null ? "no bearer token" : "unknown token";
        return op;
    }

    /// <summary>The token of a <c>Bearer</c> header value, or null.</summary>
    public static string? BearerToken(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization["Bearer ".Length..].Trim() is { Length: > 0 } token
            ? token
            : null;

    /// <summary>
    /// Audits one operator attempt (allowed or refused) on any face: who (an operator, or the OS user or address that failed
    /// to authenticate), what (<paramref name="target"/>, <paramref name="parameters"/>), and how it ended.
    /// </summary>
    public async Task AuditAttemptAsync(string operationType, Actor actor, string target, IReadOnlyDictionary<string, string?> parameters, string decision, string outcome, string? error, CancellationToken cancellationToken)
    {
        await audit.AppendAsync(
            new AuditDraft
            {
                Actor = actor,
                OperationType = operationType,
                Target = target,
                Parameters = parameters,
                Decision = decision,
                Outcome = outcome,
                ErrorContext = error,
            },
            cancellationToken);
    }

    /// <summary>Audits a refused command-line attempt (<c>operator.cli</c>): <c>unauthenticated</c> for <c>auth.*</c>, otherwise <c>refused</c>.</summary>
    public Task AuditRefusalAsync(Actor actor, string target, IReadOnlyDictionary<string, string?> parameters, KseException refusal, CancellationToken cancellationToken) =>
        new RefusalAudit(audit).RecordAsync(CliOperationType, actor, target, parameters, refusal, cancellationToken);

    private static string ReadTokenFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw KseException.Refused("auth.token_file_invalid", $"token file '{path}' does not exist");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(full);
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & others) != 0)
            {
                throw KseException.Refused("auth.token_file_insecure", $"token file '{path}' can be read or written by others (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); make it readable by its owner only: chmod 600 '{path}'");
            }
        }

        var info = new FileInfo(full);
        if (info.Length > MaxTokenFileBytes)
        {
            throw KseException.Refused("auth.token_file_invalid", $"token file '{path}' is {info.Length.ToString(CultureInfo.InvariantCulture)} bytes; a token file holds one token");
        }

        var token = File.ReadAllText(full).Trim();
        return token.Length > 0 ? token : throw KseException.Refused("auth.required", $"token file '{path}' is empty");
    }
}
