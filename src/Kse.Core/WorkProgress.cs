namespace Kse.Core;

/// <summary>
/// How far a long piece of work has come: <see cref="Done"/> of <see cref="Total"/> (null when not known in advance)
/// and what is happening now. Reported through <see cref="IProgress{T}"/> by services that take time (running an
/// operation, classifying a large diff, verifying the audit chain); the MCP face turns it into progress notifications.
/// </summary>
public readonly record struct WorkProgress(double Done, double? Total, string Message);

/// <summary>Counts steps for work whose total is not known ahead (attempts, retries, verify, rollback), so each report moves forward.</summary>
public sealed class StepProgress(IProgress<WorkProgress>? progress)
{
    private int _steps;

    public void Report(string message)
    {
        if (progress is not null)
        {
            progress.Report(new WorkProgress(Interlocked.Increment(ref _steps), null, message));
        }
    }
}
