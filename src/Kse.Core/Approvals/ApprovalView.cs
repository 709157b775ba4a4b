using Kse.Core.Audit;
using Kse.Core.Policy;

namespace Kse.Core.Approvals;

/// <summary>
/// An approval as humans see it (the operator API, the page, <c>kse approvals show</c>): the request, plus the plan it approves —
/// exactly what will run where — with secrets redacted.
/// </summary>
public sealed record ApprovalView
{
    public required string Id { get; init; }

    public required ApprovalState State { get; init; }

    public required string Tool { get; init; }

    public required string Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public required RiskClass Risk { get; init; }

    public required string Requester { get; init; }

    public required string Reason { get; init; }

    public required string Arguments { get; init; }

    public required string Binding { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Seconds until it expires (0 once past).</summary>
    public required long TimeLeftSeconds { get; init; }

    public TakeoverLevel? EffectiveLevel { get; init; }

    public string? Operation { get; init; }

    public string? Host { get; init; }

    /// <summary>The command that runs on the host (for <c>ops_run</c>).</summary>
    public string? Command { get; init; }

    /// <summary>The process Kse starts for it (ssh for remote hosts).</summary>
    public IReadOnlyList<string>? Argv { get; init; }

    /// <summary>Why the command cannot be shown (an approval queued without a stored plan).</summary>
    public string? PlanError { get; init; }

    public string? DecidedBy { get; init; }

    public DateTimeOffset? DecidedAt { get; init; }

    public string? DecisionReason { get; init; }

    public DateTimeOffset? ExecutedAt { get; init; }

    public string? Outcome { get; init; }

    public string? OutcomeDetail { get; init; }

    public string? SpecVersion { get; init; }

    /// <summary>The operations document that declares the operation, and its SHA-256 when the request was made.</summary>
    public string? Document { get; init; }

    public string? DocumentSha256 { get; init; }

    /// <summary>The confidence of the matching learned or observed operation, when one matched at queue time.</summary>
    public ApprovalConfidence? Confidence { get; init; }

    /// <summary>Joins the request's audit entries with the approval's and the run's.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The approval as humans see it, secrets redacted: what they approve is the stored plan, exactly what will run.</summary>
    public static ApprovalView From(ApprovalRequest a, DateTimeOffset now)
    {
        var view = new ApprovalView
        {
            Id = a.Id,
            State = a.State,
            Tool = a.Tool,
            Project = a.Project,
            Environment = a.Environment,
            Instance = a.Instance,
            Risk = a.Risk,
            // Text an AI wrote is shown, never interpreted: control characters arrive as visible escapes (DisplayText).
            Requester = DisplayText.Field(a.Requester),
            Reason = DisplayText.Field(a.Reason),
            // Secrets stay out of what a browser shows (as in 'kse approvals show'); the stored arguments run unchanged.
            Arguments = DisplayText.Field(ApprovalBinding.RedactSecrets(a.ArgumentsJson)),
            Binding = a.Binding,
            CreatedAt = a.CreatedAt,
            ExpiresAt = a.ExpiresAt,
            TimeLeftSeconds = Math.Max(0, (long)(a.ExpiresAt - now).TotalSeconds),
            EffectiveLevel = a.EffectiveLevel,
            DecidedBy = a.DecidedBy,
            DecidedAt = a.DecidedAt,
            DecisionReason = a.DecisionReason is null ? null : DisplayText.Field(a.DecisionReason),
            ExecutedAt = a.ExecutedAt,
            Outcome = a.Outcome,
            OutcomeDetail = a.OutcomeDetail is null ? null : DisplayText.Field(a.OutcomeDetail),
            Confidence = a.Confidence is { } c ? c with { Command = c.Command is null ? null : DisplayText.Field(c.Command) } : null,
            CorrelationId = a.CorrelationId,
        };
        if (a.Plan is not { } plan)
        {
            return a.Tool == "ops_run" ? view with { PlanError = "this approval was queued without a stored plan" } : view;
        }

        var secrets = SecretRedactor.SecretValues(ParameterValues(a.ArgumentsJson));
        return view with
        {
            Operation = plan.Operation,
            Host = plan.Host,
            Command = DisplayText.Field(SecretRedactor.RedactValue(plan.Command, secrets)),
            Argv = plan.Argv?.Select(arg => DisplayText.Field(SecretRedactor.RedactValue(arg, secrets))).ToList(),
            SpecVersion = plan.SpecVersion,
            Document = plan.Document,
            DocumentSha256 = plan.DocumentSha256,
        };
    }

    /// <summary>The stored approval with its arguments and plan redacted, for output (the stored form is what runs).</summary>
    public static ApprovalRequest Redacted(ApprovalRequest a)
    {
        var secrets = SecretRedactor.SecretValues(ParameterValues(a.ArgumentsJson));
        return a with
        {
            ArgumentsJson = ApprovalBinding.RedactSecrets(a.ArgumentsJson),
            Plan = a.Plan is { } plan
                ? plan with { Command = SecretRedactor.RedactValue(plan.Command, secrets), Argv = plan.Argv?.Select(arg => SecretRedactor.RedactValue(arg, secrets) ?? "").ToList() }
                : null,
        };
    }

    /// <summary>The <c>parameters</c> object of stored arguments as name/value text, to find the secret values to mask.</summary>
    internal static Dictionary<string, string?> ParameterValues(string argumentsJson)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(argumentsJson);
            if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty("parameters", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                foreach (var prop in p.EnumerateObject())
                {
                    values[prop.Name] = prop.Value.ValueKind == System.Text.Json.JsonValueKind.String ? prop.Value.GetString() : prop.Value.GetRawText();
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Stored arguments are canonical JSON; nothing to mask in anything else.
        }

        return values;
    }
}

public sealed record ApprovalViewList(IReadOnlyList<ApprovalView> Approvals);
