using Kse.Core.Actions;
using Kse.Core.Execution;
using Kse.Core.Policy;

namespace Kse.Core.Feedback;

/// <summary>
/// Responses request operations on the one guarded path (<see cref="ActionPipeline"/>: plan, decision, audit, then run / queue /
/// observe / deny) as <c>system:feedback</c>, so the takeover level, the environment and the spec's validity decide exactly as
/// for the AI.
/// </summary>
public sealed class GuardedPathFeedbackActions(OperationExecutionService execution, ActionPipeline pipeline) : IFeedbackActions
{
    public IReadOnlyList<(string Name, IReadOnlyList<string> RequiredWithoutDefault)> Operations(string project)
    {
        try
        {
            return execution.List(project).Operations
                .Select(o => (o.Name, (IReadOnlyList<string>)o.Parameters.Where(p => p.Required && p.Default is null).Select(p => p.Name).ToList()))
                .ToList();
        }
        catch (KseException)
        {
            return [];
        }
    }

    public async Task<FeedbackActionRecord> RequestAsync(FeedbackActionRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await pipeline.RunOperationAsync(
                new OperationRunRequest { Project = request.Project, Operation = request.Operation, Environment = request.Environment, Instance = request.Instance, Reason = request.Reason },
                FeedbackService.SystemActor,
                cancellationToken);
            return new FeedbackActionRecord
            {
                Operation = request.Operation,
                Purpose = request.Purpose,
                Environment = outcome.Environment ?? request.Environment,
                Instance = outcome.Instance ?? request.Instance,
                Status = outcome.Status,
                Decision = outcome.Decision.Name(),
                ApprovalId = outcome.ApprovalId,
                CorrelationId = outcome.CorrelationId,
                Message = outcome.Message ?? outcome.Result?.ErrorContext,
            };
        }
        catch (KseException ex)
        {
            return new FeedbackActionRecord { Operation = request.Operation, Purpose = request.Purpose, Environment = request.Environment, Instance = request.Instance, Status = "not_requested", Message = $"{ex.Code}: {ex.Message}" };
        }
    }
}
