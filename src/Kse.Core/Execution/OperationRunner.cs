using System.Text.Json.Serialization;
using Kse.Core.Policy;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Kse.Core.Execution;

/// <summary>One attempt of a run (an idempotent operation may take several).</summary>
public sealed record RunAttempt(int Number, int? ExitCode, long DurationMs, bool TimedOut, string? Error);

/// <summary>The result of running (or dry-running) one plan.</summary>
public sealed record StepResult
{
    /// <summary><c>succeeded</c>, <c>failed</c>, <c>timed_out</c> or <c>dry_run</c>.</summary>
    public required string Status { get; init; }

    public required string Operation { get; init; }

    public required string Host { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    public int? ExitCode { get; init; }

    public string? Stdout { get; init; }

    public string? Stderr { get; init; }

    public bool OutputTruncated { get; init; }

    public long DurationMs { get; init; }

    public IReadOnlyList<RunAttempt> Attempts { get; init; } = [];

    public string? Error { get; init; }

    [JsonIgnore]
    public bool Succeeded => Status is "succeeded" or "dry_run";
}

/// <summary>What happened (or is proposed) to recover from a failure: the declared rollback.</summary>
public sealed record RecoveryAttempt
{
    public required string Operation { get; init; }

    /// <summary><c>ran</c>, <c>proposed</c> (a human must decide) or <c>skipped</c> (it could not be planned).</summary>
    public required string Action { get; init; }

    public string? Reason { get; init; }

    public IReadOnlyList<string>? Command { get; init; }

    public StepResult? Result { get; init; }

    public override string ToString() =>
        $"{Action} rollback '{Operation}'" + (Result is { } r ? $": {r.Status}" + (r.ExitCode is { } c ? $" (exit {c})" : "") : "") + (Reason is { } why ? $" — {why}" : "");
}

/// <summary>The whole story of running one operation on one instance.</summary>
public sealed record OperationRunResult
{
    /// <summary><c>succeeded</c>, <c>failed</c>, <c>timed_out</c> or <c>dry_run</c>.</summary>
    public required string Status { get; init; }

    public required string Project { get; init; }

    public required string Operation { get; init; }

    public required RiskClass Risk { get; init; }

    public required EnvironmentKind Environment { get; init; }

    public required string Instance { get; init; }

    public required string Host { get; init; }

    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>What runs on the host.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The local process Kse starts (ssh for remote hosts).</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    public required string CommandLine { get; init; }

    public int? ExitCode { get; init; }

    public string? Stdout { get; init; }

    public string? Stderr { get; init; }

    public bool OutputTruncated { get; init; }

    public long DurationMs { get; init; }

    public IReadOnlyList<RunAttempt> Attempts { get; init; } = [];

    public StepResult? Verify { get; init; }

    /// <summary>On failure: what went wrong, in one paragraph (exit code, timeout, the tail of stderr).</summary>
    public string? ErrorContext { get; init; }

    public IReadOnlyList<RecoveryAttempt> Recovery { get; init; } = [];

    [JsonIgnore]
    public bool Succeeded => Status is "succeeded" or "dry_run";
}

/// <summary>Whether a recovery operation may run now (the policy kernel's answer for it), with the reason.</summary>
public sealed record RecoveryDecision(bool Run, string Reason)
{
    public static RecoveryDecision Propose(string reason) => new(false, reason);

    public static RecoveryDecision Allow(string reason) => new(true, reason);
}

/// <summary>
/// Runs plans: a per-attempt timeout and, for idempotent operations only, retries (Polly); then the declared verify operation
/// on success, or the declared rollback on failure — run when <c>decideRecovery</c> allows it, otherwise proposed.
/// </summary>
public sealed class OperationRunner(ExecutionPlanner planner, ProcessRunner processes, TimeProvider clock)
{
    public ExecutionPlanner Planner => planner;

    /// <summary>What would run, without running anything.</summary>
    public static OperationRunResult DryRun(ExecutionPlan plan) => Shape(plan, "dry_run") with
    {
        Recovery = plan.Rollback is { } r ? [new RecoveryAttempt { Operation = r, Action = "proposed", Reason = "declared rollback, considered only if the run fails" }] : [],
    };

    public Task<OperationRunResult> RunAsync(
        ExecutionPlan plan,
        Func<ExecutionPlan, CancellationToken, ValueTask<RecoveryDecision>>? decideRecovery,
        CancellationToken cancellationToken) =>
        RunAsync(plan, decideRecovery, progress: null, cancellationToken);

    /// <summary>Runs the plan, its verify after success and its rollback (as decided) after a failure.</summary>
    /// <param name="progress">Told of every attempt, retry, verify and rollback as it starts.</param>
    public async Task<OperationRunResult> RunAsync(
        ExecutionPlan plan,
        Func<ExecutionPlan, CancellationToken, ValueTask<RecoveryDecision>>? decideRecovery,
        IProgress<WorkProgress>? progress,
        CancellationToken cancellationToken)
    {
        var steps = new StepProgress(progress);
        var main = await RunStepAsync(plan, steps, cancellationToken);
        var result = Shape(plan, main.Status) with
        {
            ExitCode = main.ExitCode,
            Stdout = main.Stdout,
            Stderr = main.Stderr,
            OutputTruncated = main.OutputTruncated,
            DurationMs = main.DurationMs,
            Attempts = main.Attempts,
        };

        if (main.Succeeded && plan.Verify is { } verifyName)
        {
            steps.Report($"verifying with '{verifyName}'");
            var verify = await VerifyAsync(plan, verifyName, steps, cancellationToken);
            result = result with { Verify = verify };
            if (!verify.Succeeded)
            {
                result = result with { Status = "failed" };
                main = main with { Error = $"verify operation '{verifyName}' {verify.Status}" + (verify.Error is { } e ? $": {e}" : "") };
            }
        }

        if (result.Succeeded)
        {
            return result;
        }

        result = result with { ErrorContext = ErrorContext(plan, main, result.Verify) };
        if (plan.Rollback is { } rollbackName)
        {
            result = result with { Recovery = [await RecoverAsync(plan, rollbackName, decideRecovery, steps, cancellationToken)] };
        }

        return result;
    }

    private async Task<StepResult> VerifyAsync(ExecutionPlan plan, string name, StepProgress steps, CancellationToken cancellationToken)
    {
        ExecutionPlan verifyPlan;
        try
        {
            verifyPlan = RelatedPlan(plan, name);
        }
        catch (KseException ex)
        {
            return new StepResult { Status = "failed", Operation = name, Host = plan.Host, Command = [], Error = ex.Message };
        }

        if (verifyPlan.Risk != RiskClass.Read)
        {
            return new StepResult { Status = "failed", Operation = name, Host = plan.Host, Command = verifyPlan.Command, Error = $"verify operation '{name}' is {verifyPlan.Risk.Name()}, not read: it is not run as a check" };
        }

        return await RunStepAsync(verifyPlan, steps, cancellationToken);
    }

    private async Task<RecoveryAttempt> RecoverAsync(
        ExecutionPlan plan,
        string name,
        Func<ExecutionPlan, CancellationToken, ValueTask<RecoveryDecision>>? decideRecovery,
        StepProgress steps,
        CancellationToken cancellationToken)
    {
        ExecutionPlan rollback;
        try
        {
            rollback = RelatedPlan(plan, name);
        }
        catch (KseException ex)
        {
            return new RecoveryAttempt { Operation = name, Action = "skipped", Reason = $"cannot plan the rollback: {ex.Message}" };
        }

        var decision = decideRecovery is null
            ? RecoveryDecision.Propose("no policy decision available: a human decides")
            : await decideRecovery(rollback, cancellationToken);
        if (!decision.Run)
        {
            steps.Report($"rollback '{name}' proposed for a human");
            return new RecoveryAttempt { Operation = name, Action = "proposed", Reason = decision.Reason, Command = rollback.Command };
        }

        steps.Report($"rolling back with '{name}'");
        var step = await RunStepAsync(rollback, steps, cancellationToken);
        return new RecoveryAttempt { Operation = name, Action = "ran", Reason = decision.Reason, Command = rollback.Command, Result = step };
    }

    /// <summary>A verify or rollback operation on the same instance, taking same-named parameter values from the original run.</summary>
    public ExecutionPlan RelatedPlan(ExecutionPlan plan, string operation)
    {
        // From the same spec version as the run itself.
        var instance = new Specs.ProjectInstance { Id = plan.Instance, Environment = plan.Environment, Host = plan.Host, Version = plan.Version };
        var spec = planner.CatalogFor(plan.Project, instance);
        var op = spec.Catalog.Get(operation);
        var values = op.Parameters
            .Where(p => plan.Parameters.ContainsKey(p.Name))
            .ToDictionary(p => p.Name, p => (string?)plan.Parameters[p.Name], StringComparer.Ordinal);
        return planner.Plan(plan.Project, op, instance, values, spec.SpecVersion);
    }

    /// <summary>Runs one plan with its timeout per attempt and retries when it is idempotent.</summary>
    public Task<StepResult> RunStepAsync(ExecutionPlan plan, CancellationToken cancellationToken) =>
        RunStepAsync(plan, new StepProgress(null), cancellationToken);

    private async Task<StepResult> RunStepAsync(ExecutionPlan plan, StepProgress steps, CancellationToken cancellationToken)
    {
        var options = planner.Options;
        var attempts = new List<RunAttempt>();
        var builder = new ResiliencePipelineBuilder<ProcessOutcome> { TimeProvider = clock };
        if (plan.Idempotent && options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<ProcessOutcome>
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Succeeded: false, StartError: null }),
            });
        }

        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = plan.Timeout });
        var pipeline = builder.Build();
        var started = clock.GetTimestamp();
        var outcome = await pipeline.ExecuteAsync(
            async ct =>
            {
                steps.Report(attempts.Count == 0
                    ? $"running '{plan.Operation}' on {plan.Instance} (attempt 1)"
                    : $"attempt {attempts.Count} {Describe(attempts[^1])}; retrying '{plan.Operation}' (attempt {attempts.Count + 1})");
                var o = await processes.RunAsync(plan.Argv, options.OutputLimit, ct);
                cancellationToken.ThrowIfCancellationRequested();
                attempts.Add(new RunAttempt(attempts.Count + 1, o.ExitCode, (long)o.Duration.TotalMilliseconds, o.TimedOut, o.StartError));
                return o;
            },
            cancellationToken);
        var status = outcome.Succeeded ? "succeeded" : outcome.TimedOut ? "timed_out" : "failed";
        return new StepResult
        {
            Status = status,
            Operation = plan.Operation,
            Host = plan.Host,
            Command = plan.Command,
            ExitCode = outcome.ExitCode,
            Stdout = outcome.Stdout,
            Stderr = outcome.Stderr,
            OutputTruncated = outcome.OutputTruncated,
            DurationMs = (long)clock.GetElapsedTime(started).TotalMilliseconds,
            Attempts = attempts,
            Error = outcome.StartError ?? (outcome.TimedOut ? $"timed out after {plan.Timeout.TotalSeconds:0.#}s" : outcome.ExitCode is { } c and not 0 ? $"exit code {c}" : null),
        };
    }

    private static string Describe(RunAttempt attempt) =>
        attempt.Error is { } error ? $"could not start: {error}" : attempt.TimedOut ? "timed out" : $"failed with exit code {attempt.ExitCode}";

    private static OperationRunResult Shape(ExecutionPlan plan, string status) => new()
    {
        Status = status,
        Project = plan.Project,
        Operation = plan.Operation,
        Risk = plan.Risk,
        Environment = plan.Environment,
        Instance = plan.Instance,
        Host = plan.Host,
        Parameters = plan.Parameters,
        Command = plan.Command,
        Argv = plan.Argv,
        CommandLine = plan.Host == "local" ? plan.CommandLine : $"{plan.CommandLine}   (on {plan.Host} via ssh)",
    };

    private static string ErrorContext(ExecutionPlan plan, StepResult main, StepResult? verify)
    {
        var parts = new List<string>
        {
            $"'{plan.Operation}' on {plan.Instance} ({plan.Host}, {plan.Environment.Name()}) {main.Status} after {main.Attempts.Count} attempt(s)" + (main.Error is { } e ? $": {e}" : ""),
        };
        if (!plan.Host.Equals("local", StringComparison.Ordinal) && main.ExitCode == 255)
        {
            parts.Add("exit code 255 is ssh's own failure (connection, host key or authentication)");
        }

        var tail = Tail((verify is { Succeeded: false } ? verify.Stderr : null) ?? main.Stderr);
        if (!string.IsNullOrWhiteSpace(tail))
        {
            parts.Add($"stderr: {tail}");
        }

        return string.Join("; ", parts);
    }

    private static string Tail(string? text, int max = 600)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        var t = text.Trim();
        return t.Length <= max ? t : "…" + t[^max..];
    }
}
