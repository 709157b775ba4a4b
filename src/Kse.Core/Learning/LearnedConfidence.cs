using System.Globalization;
using Kse.Core.Actions;
using Kse.Core.Approvals;
using Kse.Core.Audit;

namespace Kse.Core.Learning;

/// <summary>
/// The confidence a queued call carries to its approver: the mined confidence of the observed command with the same template as the
/// plan's command (humans' runs, imports, <c>kse ops run</c> at L1) in the plan's project and environment; otherwise the confidence of
/// the operation's own outcomes in the audit trail (<c>ops.run</c> entries, any actor), by the same formula with consistency 1.
/// </summary>
public sealed class LearnedConfidence(LearningService learning, TimeProvider clock, IAuditReader? auditReader = null) : IActionConfidence
{
    /// <summary>The most audit entries read for an operation's history.</summary>
    public const int MaxHistory = 500;

    public async ValueTask<ApprovalConfidence?> ConfidenceAsync(ActionPlan plan, CancellationToken cancellationToken)
    {
        if (plan.Project is not { Length: > 0 } project || plan.Action == LearnAcceptActionHandler.Action || !ProjectName.IsValid(project))
        {
            return null;
        }

        if (plan.Command is { Length: > 0 } command)
        {
            var template = CommandTemplate.Of(CommandMasker.MaskLine(command).Text);
            var key = template.Key;
            var program = Path.GetFileName(template.Program);
            // A template's confidence rests on its own observations only: mine just those (sessions, sequences and fixes are not needed).
            var matching = (await learning.ObservationsAsync(project, plan.Environment, cancellationToken))
                .Where(o => o.Command.Contains(program, StringComparison.Ordinal) && CommandTemplate.Of(o.Command, o.Argv).Key == key)
                .ToList();
            if (matching.Count > 0 && new PatternMiner(clock).Mine(project, plan.Environment, matching).Recurring.FirstOrDefault(p => p.Template == key) is { } r)
            {
                return new ApprovalConfidence
                {
                    Score = r.Confidence,
                    Source = "observed",
                    Command = r.Command,
                    Support = r.Count,
                    Explanation = r.Explanation,
                    Evidence = r.Evidence.Take(10).ToList(),
                };
            }
        }

        return plan.Operation is { Length: > 0 } operation ? await HistoryAsync(project, plan.Environment, operation, cancellationToken) : null;
    }

    private async Task<ApprovalConfidence?> HistoryAsync(string project, string? environment, string operation, CancellationToken cancellationToken)
    {
        if (auditReader is null)
        {
            return null;
        }

        var runs = await auditReader.ScanAsync(new AuditQuery { Project = project, OperationType = "ops.run", Environment = environment }, cancellationToken)
            .Where(e => e.Outcome is "succeeded" or "failed" or "timed_out" && e.Parameters?.GetValueOrDefault("operation") == operation)
            .TakeLast(MaxHistory)
            .ToListAsync(cancellationToken);
        if (runs.Count == 0)
        {
            return null;
        }

        var succeeded = runs.Count(e => e.Outcome == "succeeded");
        var factors = ConfidenceFormula.Factors(runs.Count, 1, succeeded, runs.Count, runs.Max(e => e.Timestamp), clock.GetUtcNow());
        return new ApprovalConfidence
        {
            Score = ConfidenceFormula.Score(factors),
            Source = "history",
            Support = runs.Count,
            Explanation = ConfidenceFormula.Explain(factors, runs.Count) + string.Create(CultureInfo.InvariantCulture, $"; {succeeded} of {runs.Count} runs of '{operation}' succeeded"),
            Evidence = runs.AsEnumerable().Reverse().Take(10).Select(e => "audit-" + e.Sequence.ToString(CultureInfo.InvariantCulture)).ToList(),
        };
    }
}
