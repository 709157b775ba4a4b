namespace Kse.Core.Audit;

/// <summary>
/// Records a refused attempt at the command line the way the operator API records its attempts: who tried, what, with which
/// arguments, and the refusal's code and message. A refusal is evidence too (an agent with a shell trying to approve its own
/// request, an option-like value aimed at a program).
/// </summary>
public sealed class RefusalAudit(IAuditTrail audit)
{
    public Task RecordAsync(string operationType, Actor actor, string target, IReadOnlyDictionary<string, string?> parameters, KseException refusal, CancellationToken cancellationToken) =>
        audit.AppendAsync(
            new AuditDraft
            {
                Actor = actor,
                OperationType = operationType,
                Target = target,
                Parameters = parameters,
                Decision = refusal.Code.StartsWith("auth.", StringComparison.Ordinal) || refusal.Code == "http.unauthenticated" ? "unauthenticated" : "refused",
                Outcome = "denied",
                ErrorContext = $"{refusal.Code}: {refusal.Message}",
            },
            cancellationToken).AsTask();
}
