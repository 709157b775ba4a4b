using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Execution;
using Kse.Core.Policy;

namespace Kse.Server.Http;

/// <summary>An approval as the operator API and the page show it: the request, plus for <c>ops_run</c> exactly what will run where.</summary>
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

    /// <summary>Why the command could not be shown (the operation or instance no longer matches).</summary>
    public string? PlanError { get; init; }

    public string? DecidedBy { get; init; }

    public DateTimeOffset? DecidedAt { get; init; }

    public string? DecisionReason { get; init; }

    public DateTimeOffset? ExecutedAt { get; init; }

    public string? Outcome { get; init; }

    public string? OutcomeDetail { get; init; }

    public static ApprovalView From(ApprovalRequest a, OperationExecutionService? execution, DateTimeOffset now)
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
        };
        if (a.Tool != OperationExecutionService.ToolName || execution is null)
        {
            return view;
        }

        try
        {
            var request = OperationExecutionService.RequestFromArguments(a.ArgumentsJson, out var approvedArgv);
            var plan = execution.Plan(request);
            var secrets = Kse.Core.Audit.SecretRedactor.SecretValues(request.Parameters);
            return view with
            {
                Operation = plan.Operation,
                Host = plan.Host,
                Command = DisplayText.Field(Kse.Core.Audit.SecretRedactor.RedactValue(plan.CommandLine, secrets)),
                Argv = (approvedArgv ?? plan.Argv).Select(arg => DisplayText.Field(Kse.Core.Audit.SecretRedactor.RedactValue(arg, secrets))).ToList(),
            };
        }
        catch (Exception ex) when (ex is KseException or System.Text.Json.JsonException)
        {
            return view with { PlanError = DisplayText.Field(ex.Message) };
        }
    }
}

public sealed record ApprovalViewList(IReadOnlyList<ApprovalView> Approvals);
