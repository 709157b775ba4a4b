using System.Globalization;
using Kse.Core.Actions;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Changes;
using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Projects;

namespace Kse.Core.Rollouts;

/// <summary>What to roll out: a change (its diff files), the changed project, the environment and the version it rolls to.</summary>
public sealed record RolloutStartRequest
{
    public required IReadOnlyList<DiffFile> Files { get; init; }

    public string? Project { get; init; }

    /// <summary>Default: development.</summary>
    public string? Environment { get; init; }

    public string? ToVersion { get; init; }
}

/// <summary>
/// Runs a rollout plan (<see cref="RolloutPlanner"/>) wave by wave. Each step is an <c>ops_run</c> action on the one guarded path
/// (<see cref="ActionPipeline"/>) for the actor who asked: the takeover level and environment decide per step. A queued step pauses
/// the rollout until it is approved (<see cref="ResumeAsync"/> continues); a failed, denied or unrun step or health check halts it
/// and runs (or, per policy, proposes) the declared rollbacks of the wave's done steps in reverse order. Every step, pause, failure
/// and rollback is audited under the rollout's id (<c>rollout.*</c> entries with it as correlation id; each step's own
/// <c>ops.run</c> entries under <c>&lt;id&gt;-sNN</c>).
/// </summary>
public sealed class RolloutService(
    ChangeImpactService changes,
    ExecutionPlanner planner,
    ActionPipeline pipeline,
    ApprovalService approvals,
    IRolloutStore store,
    IAuditTrail audit,
    TimeProvider clock)
{
    public const string AuditPrefix = "rollout.";

    /// <summary>Told when a rollout's stored state changes (the MCP resource's subscribers).</summary>
    public event Action<Rollout>? Changed;

    public static string NewId() => "ro-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Plans the change, turns its waves into steps, stores the rollout and runs it as far as it goes.</summary>
    public async Task<Rollout> StartAsync(RolloutStartRequest request, Actor actor, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        progress = Counted.Of(progress);
        var environment = PolicyNames.ParseEnvironment(string.IsNullOrWhiteSpace(request.Environment) ? "development" : request.Environment);
        if (request.ToVersion is { } v && !SemanticVersion.TryParse(v, out _))
        {
            throw KseException.BadInput("rollout.version_invalid", $"the version to roll to (toVersion) '{v}' is not a semantic version (like 2.4.0)");
        }

        var plan = await changes.PlanRolloutAsync(request.Files, request.Project, actor, progress: null, cancellationToken);
        if (plan.Waves.Count == 0)
        {
            throw KseException.BadInput("rollout.empty", "the change's rollout plan has no waves: nothing to roll out");
        }

        var id = NewId();
        var (waves, steps, notes) = Steps(id, plan, environment, plan.ChangedProjects.FirstOrDefault() ?? request.Project, request.ToVersion);
        var now = clock.GetUtcNow();
        var rollout = new Rollout
        {
            Id = id,
            State = "running",
            Project = plan.ChangedProjects.FirstOrDefault() ?? request.Project ?? "",
            Environment = environment.Name(),
            ToVersion = request.ToVersion,
            StartedBy = actor.ToString(),
            Level = plan.Level.ToString(),
            Waves = waves,
            Steps = steps,
            CreatedAt = now,
            UpdatedAt = now,
            Notes = [.. plan.Notes, .. notes],
            Revision = 1,
            Runner = ThisRunner,
        };

        // Audited before anything runs: a rollout that cannot be audited does not start.
        await AuditAsync(rollout, actor, "start", rollout.Project, "started", new()
        {
            ["level"] = rollout.Level,
            ["waves"] = Num(waves.Count),
            ["steps"] = Num(steps.Count),
            ["toVersion"] = request.ToVersion,
        }, related: steps.Select(s => s.Project).Distinct(StringComparer.Ordinal).ToList(), cancellationToken: cancellationToken);
        await store.InsertAsync(rollout, cancellationToken);
        Changed?.Invoke(rollout);
        return await RunAsync(rollout, actor, progress, cancellationToken);
    }

    public async Task<Rollout> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw KseException.BadInput("rollout.id_invalid", $"'{DisplayText.Field((id ?? "")[..Math.Min((id ?? "").Length, 80)])}' is not a rollout id (like ro-0123456789ab)");
        }

        return await store.GetAsync(id, cancellationToken) ?? throw KseException.NotFound("rollout.not_found", $"no rollout '{id}'");
    }

    public async Task<RolloutList> ListAsync(int limit = 50, CancellationToken cancellationToken = default) =>
        new((await store.ListAsync(Math.Clamp(limit, 1, 1000), cancellationToken)).Select(RolloutSummary.Of).ToList());

    /// <summary>
    /// Continues a paused rollout once its queued step was approved (the step ran at approval: its outcome is taken; approved but not
    /// yet run: it runs now), or a failed one after a fix (its failed wave runs again from its first step).
    /// </summary>
    /// <para>
    /// A rollout left <c>running</c> by a process that ended (crashed, killed, the machine restarted) is resumed from the step it was
    /// on, which runs again: whether that step had begun is not known. The process that runs a rollout is recorded on it
    /// (<see cref="Rollout.Runner"/>); on the same machine its end is detected, elsewhere <paramref name="force"/> says the operator
    /// checked that it is gone.
    /// </para>
    /// </summary>
    public async Task<Rollout> ResumeAsync(string id, Actor actor, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default, bool force = false)
    {
        progress = Counted.Of(progress);
        var rollout = await GetAsync(id, cancellationToken);
        switch (rollout.State)
        {
            case "completed" or "aborted":
                throw KseException.Refused("rollout.finished", $"rollout {id} is {rollout.State}; there is nothing to resume");
            case "running":
            {
                var runner = RunnerState(rollout.Runner);
                if (runner == RunnerLiveness.Alive || (runner == RunnerLiveness.Unknown && !force))
                {
                    throw KseException.Refused("rollout.running", runner == RunnerLiveness.Alive
                        ? $"rollout {id} is running (in process {rollout.Runner}); it continues by itself (resume a paused or failed rollout)"
                        : $"rollout {id} is marked running by {rollout.Runner ?? "an unrecorded process"}, which cannot be checked from this machine; if it is gone, resume with --force");
                }

                var step = rollout.Steps.FirstOrDefault(s => s.Status == "pending");
                await AuditAsync(rollout, actor, "interrupted", step?.Project ?? rollout.Project, "resumed", new()
                {
                    ["runner"] = rollout.Runner,
                    ["step"] = step is null ? null : Num(step.Number),
                    ["stepCorrelation"] = step?.CorrelationId,
                    ["forced"] = force ? "true" : "false",
                }, error: $"the process running it ({rollout.Runner ?? "unrecorded"}) ended" + (step is null ? "" : $" at step {step.Number} ({step.Operation} on {step.Project}/{step.Instance}), which runs again"), cancellationToken: cancellationToken);
                rollout = await SaveAsync(rollout with { Notes = [.. rollout.Notes, $"resumed by {actor} after the process running it ({rollout.Runner ?? "unrecorded"}) ended" + (step is null ? "" : $"; step {step.Number} ran again")] }, cancellationToken);
                return await RunAsync(rollout, actor, progress, cancellationToken);
            }

            case "paused":
            {
                var step = rollout.Steps.First(s => s.Status == "queued");
                ApprovalRequest? approval = null;
                try
                {
                    approval = step.ApprovalId is null ? null : await approvals.GetAsync(step.ApprovalId, cancellationToken);
                }
                catch (KseException ex) when (ex.Kind == KseErrorKind.NotFound)
                {
                }

                switch (approval?.State)
                {
                    case ApprovalState.Pending:
                        throw KseException.Refused("rollout.waiting", $"rollout {id} waits for approval {approval.Id} of step {step.Number} ({step.Operation} on {step.Project}/{step.Instance}); an operator approves it with 'kse approvals approve {approval.Id}' or on the approval page");
                    case ApprovalState.Executed:
                    {
                        var ok = approval.Outcome == "succeeded";
                        await AuditAsync(rollout, actor, "resume", step.Project, "resumed", new() { ["approval"] = approval.Id, ["step"] = Num(step.Number) }, cancellationToken: cancellationToken);
                        rollout = await SaveAsync(Replace(rollout, step with
                        {
                            Status = ok ? "succeeded" : "failed",
                            Message = $"approved by {approval.DecidedBy}; ran at approval: {approval.Outcome}" + (approval.OutcomeDetail is { } d ? $" ({d})" : ""),
                            FinishedAt = approval.ExecutedAt ?? clock.GetUtcNow(),
                        }) with { State = "running", StoppedAt = null }, cancellationToken);
                        await AuditStepAsync(rollout, rollout.Steps[step.Number - 1], actor, cancellationToken);
                        if (!ok)
                        {
                            return await HaltAsync(rollout, rollout.Steps[step.Number - 1], actor, progress, cancellationToken);
                        }

                        break;
                    }

                    case ApprovalState.Approved:
                        // Approved but not run at approval: the same request (same actor, reason and plan) runs now, exactly once.
                        await AuditAsync(rollout, actor, "resume", step.Project, "resumed", new() { ["approval"] = approval.Id, ["step"] = Num(step.Number) }, cancellationToken: cancellationToken);
                        rollout = await SaveAsync(Replace(rollout, step with { Status = "pending" }) with { State = "running", StoppedAt = null }, cancellationToken);
                        return await RunAsync(rollout, actor, progress, cancellationToken);
                    default:
                    {
                        var why = approval is null ? "its approval is gone" : $"its approval {approval.Id} is {approval.State.ToString().ToLowerInvariant()}" + (approval.DecidedBy is { } by ? $" (by {by})" : "");
                        await AuditAsync(rollout, actor, "resume", step.Project, "resumed", new() { ["approval"] = step.ApprovalId, ["step"] = Num(step.Number) }, cancellationToken: cancellationToken);
                        rollout = await SaveAsync(Replace(rollout, step with { Status = "failed", Message = $"not run: {why}", FinishedAt = clock.GetUtcNow() }) with { State = "running" }, cancellationToken);
                        await AuditStepAsync(rollout, rollout.Steps[step.Number - 1], actor, cancellationToken);
                        return await HaltAsync(rollout, rollout.Steps[step.Number - 1], actor, progress, cancellationToken);
                    }
                }

                return await RunAsync(rollout, actor, progress, cancellationToken);
            }

            default:
            {
                // failed: the failed wave runs again from its first step.
                var wave = rollout.Steps.Where(s => s.Status is not "succeeded").Select(s => s.Wave).DefaultIfEmpty(rollout.Waves.Count).Min();
                await AuditAsync(rollout, actor, "resume", rollout.Project, "resumed", new() { ["wave"] = Num(wave) }, cancellationToken: cancellationToken);
                var steps = rollout.Steps.Select(s => s.Wave == wave ? s with { Status = "pending", ApprovalId = null, Message = null, FinishedAt = null } : s).ToList();
                rollout = await SaveAsync(rollout with { Steps = steps, State = "running", StoppedAt = null }, cancellationToken);
                return await RunAsync(rollout, actor, progress, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The rollout an approval belongs to, when it is the approval a rollout step asked for (its correlation id is the step's,
    /// <c>ro-…-sNN</c>; a proposed rollback's <c>ro-…-sNN-rb</c> is not a step).
    /// </summary>
    public static string? RolloutOf(ApprovalRequest approval)
    {
        var c = approval.CorrelationId;
        if (c is null || !c.StartsWith("ro-", StringComparison.Ordinal))
        {
            return null;
        }

        var s = c.LastIndexOf("-s", StringComparison.Ordinal);
        return s > 3 && s + 2 < c.Length && c[(s + 2)..].All(char.IsAsciiDigit) ? c[..s] : null;
    }

    /// <summary>
    /// Continues the paused rollout whose waiting step <paramref name="decided"/> approved once that approval is final: executed
    /// (its outcome recorded), rejected, expired or stale. The rollout goes on, or halts at that step and rolls its wave back, as
    /// <see cref="ResumeAsync"/> does; <paramref name="by"/> (who decided) is recorded as resuming it. Null when there is nothing to
    /// continue: not a step's approval, not final yet, or the rollout was resumed, aborted or advanced meanwhile (by another process).
    /// </summary>
    public async Task<Rollout?> ContinueAfterDecisionAsync(ApprovalRequest decided, Actor by, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var final = decided.State is ApprovalState.Rejected or ApprovalState.Expired or ApprovalState.Stale
            || (decided.State == ApprovalState.Executed && decided.Outcome is not null);
        if (!final || RolloutOf(decided) is not { } id)
        {
            return null;
        }

        var rollout = await store.GetAsync(id, cancellationToken);
        if (rollout is not { State: "paused" } || !rollout.Steps.Any(s => s.Status == "queued" && s.ApprovalId == decided.Id))
        {
            return null;
        }

        try
        {
            return await ResumeAsync(id, by, progress, cancellationToken);
        }
        catch (KseException ex) when (ex.Code is "rollout.conflict" or "rollout.running" or "rollout.waiting" or "rollout.finished")
        {
            // Another process (or a person with 'kse rollout resume') got there first.
            return null;
        }
    }

    /// <summary>Stops a rollout that is not finished: the declared rollbacks of every done step run (or are proposed, per policy) in reverse order.</summary>
    public async Task<Rollout> AbortAsync(string id, Actor actor, string? reason = null, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        progress = Counted.Of(progress);
        var rollout = await GetAsync(id, cancellationToken);
        if (rollout.IsFinished)
        {
            throw KseException.Refused("rollout.finished", $"rollout {id} is {rollout.State}; there is nothing to abort");
        }

        await AuditAsync(rollout, actor, "abort", rollout.Project, "aborting", new() { ["reason"] = reason }, cancellationToken: cancellationToken);
        // The step waiting for approval is taken off the rollout (stored first, so nothing continues the rollout from it), then its
        // approval is withdrawn, so an operator cannot run it after the rollout is gone.
        var open = rollout.Steps.FirstOrDefault(s => s.Status == "queued");
        var still = "";
        if (open?.ApprovalId is { } openId)
        {
            rollout = await SaveAsync(Replace(rollout, open with { Status = "cancelled", Message = "its approval was withdrawn by the abort", FinishedAt = clock.GetUtcNow() }) with { State = "running" }, cancellationToken);
            if (await approvals.WithdrawAsync(openId, actor, $"rollout {id} aborted" + (string.IsNullOrWhiteSpace(reason) ? "" : $": {reason.Trim()}"), cancellationToken) is not null)
            {
                still = $"; approval {openId} of step {open.Number} withdrawn";
            }
            else
            {
                var now = await approvals.GetAsync(openId, cancellationToken);
                still = $"; approval {openId} of step {open.Number} was already {now.State.ToString().ToLowerInvariant()}";
                if (now.State == ApprovalState.Executed && now.Outcome == "succeeded")
                {
                    // It ran before the abort: it is a done step, rolled back with the rest.
                    rollout = await SaveAsync(Replace(rollout, open with { Status = "succeeded", Message = $"approved by {now.DecidedBy}; ran at approval before the abort" }), cancellationToken);
                }
            }
        }

        rollout = await RollBackAsync(rollout, rollout.Steps.Where(s => s.Status == "succeeded").ToList(), actor, progress, cancellationToken);
        rollout = await SaveAsync(rollout with
        {
            State = "aborted",
            StoppedAt = $"aborted by {actor}" + (string.IsNullOrWhiteSpace(reason) ? "" : $": {reason.Trim()}") + still,
        }, cancellationToken);
        await AuditAsync(rollout, actor, "aborted", rollout.Project, "aborted", new() { ["reason"] = reason }, cancellationToken: cancellationToken);
        return rollout;
    }

    private async Task<Rollout> RunAsync(Rollout rollout, Actor actor, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var total = rollout.Steps.Count;
        while (rollout.Steps.FirstOrDefault(s => s.Status == "pending") is { } step)
        {
            var done = rollout.Steps.Count(s => s.Status == "succeeded");
            progress?.Report(new WorkProgress(done, total, $"[{done}/{total}] wave {step.Wave}: {step.Operation} on {step.Project}/{step.Instance}" + (step.Canary ? " (canary)" : "")));
            var (status, correlation, approval, message) = await ExecuteAsync(rollout, step, step.Operation, step.CorrelationId, progress, cancellationToken);
            var after = step with { Status = status, ApprovalId = approval, Message = message, FinishedAt = clock.GetUtcNow(), CorrelationId = correlation };
            rollout = await SaveAsync(Replace(rollout, after), cancellationToken);
            await AuditStepAsync(rollout, after, actor, cancellationToken);
            if (status == "succeeded")
            {
                continue;
            }

            if (status == "queued")
            {
                rollout = await SaveAsync(rollout with { State = "paused", StoppedAt = $"wave {after.Wave}, step {after.Number}: {after.Operation} on {after.Project}/{after.Instance} waits for approval {approval}" }, cancellationToken);
                await AuditAsync(rollout, actor, "paused", after.Project, "paused", new() { ["step"] = Num(after.Number), ["approval"] = approval, ["stepCorrelation"] = after.CorrelationId }, cancellationToken: cancellationToken);
                progress?.Report(new WorkProgress(done, total, $"paused: {rollout.StoppedAt}"));
                return rollout;
            }

            return await HaltAsync(rollout, after, actor, progress, cancellationToken);
        }

        rollout = await SaveAsync(rollout with { State = "completed", StoppedAt = null }, cancellationToken);
        await AuditAsync(rollout, actor, "completed", rollout.Project, "completed", new() { ["steps"] = Num(total) }, cancellationToken: cancellationToken);
        progress?.Report(new WorkProgress(total, total, $"rollout {rollout.Id} completed"));
        return rollout;
    }

    /// <summary>A step failed (or was denied, or not run): the rollout halts and its wave's done steps are rolled back in reverse.</summary>
    private async Task<Rollout> HaltAsync(Rollout rollout, RolloutStep failed, Actor actor, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var where = $"wave {failed.Wave}, step {failed.Number}: {failed.Operation} on {failed.Project}/{failed.Instance} {failed.Status}" + (failed.Message is { } m ? $" ({m})" : "");
        rollout = await SaveAsync(rollout with { State = "failed", StoppedAt = where }, cancellationToken);
        await AuditAsync(rollout, actor, "failed", failed.Project, "failed", new() { ["step"] = Num(failed.Number), ["wave"] = Num(failed.Wave), ["stepCorrelation"] = failed.CorrelationId }, error: where, cancellationToken: cancellationToken);
        progress?.Report(new WorkProgress(rollout.Steps.Count(s => s.Status == "succeeded"), rollout.Steps.Count, $"halted at {where}; rolling back wave {failed.Wave}"));
        return await RollBackAsync(rollout, rollout.Steps.Where(s => s.Wave == failed.Wave && s.Status == "succeeded").ToList(), actor, progress, cancellationToken);
    }

    private async Task<Rollout> RollBackAsync(Rollout rollout, IReadOnlyList<RolloutStep> done, Actor actor, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        foreach (var step in done.OrderByDescending(s => s.Number))
        {
            if (step.Rollback is not { } rollback)
            {
                continue;
            }

            progress?.Report(new WorkProgress(rollout.Steps.Count(s => s.Status == "succeeded"), rollout.Steps.Count, $"rollback: {rollback} on {step.Project}/{step.Instance} (undoing step {step.Number})"));
            var (status, correlation, approval, message) = await ExecuteAsync(rollout, step, rollback, step.CorrelationId + "-rb", progress, cancellationToken);
            var result = status switch
            {
                "succeeded" => "rolled_back",
                "failed" or "timed_out" or "cancelled" => "rollback_failed",
                _ => "rollback_proposed",
            };
            var after = step with
            {
                Status = result,
                ApprovalId = approval,
                Message = result switch
                {
                    "rolled_back" => $"rolled back by '{rollback}'",
                    "rollback_failed" => $"rollback '{rollback}' {status}" + (message is null ? "" : $": {message}"),
                    _ => $"rollback '{rollback}' proposed, not run ({status}" + (approval is null ? "" : $": approval {approval}") + ")" + (message is null ? "" : $": {message}"),
                },
            };
            rollout = await SaveAsync(Replace(rollout, after), cancellationToken);
            await AuditAsync(rollout, actor, "rollback", step.Project, result, new()
            {
                ["step"] = Num(step.Number),
                ["wave"] = Num(step.Wave),
                ["operation"] = rollback,
                ["instance"] = step.Instance,
                ["undoes"] = step.Operation,
                ["stepCorrelation"] = correlation,
                ["approval"] = approval,
            }, target: $"{rollback}@{step.Instance}", cancellationToken: cancellationToken);
        }

        return rollout;
    }

    /// <summary>
    /// One operation on one instance as an <c>ops_run</c> action on the guarded path under the step's correlation id, decided for
    /// the actor who started the rollout, whoever resumes or aborts it: an operator resuming an AI's rollout does not lend the AI
    /// their rights, and an AI resuming an operator's rollout gains none.
    /// </summary>
    private async Task<(string Status, string Correlation, string? Approval, string? Message)> ExecuteAsync(Rollout rollout, RolloutStep step, string operation, string correlation, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var actor = ActorOf(rollout.StartedBy);
        var request = new OperationRunRequest
        {
            Project = step.Project,
            Operation = operation,
            Environment = rollout.Environment,
            Instance = step.Instance,
            Parameters = operation == step.Operation && step.Parameters is { } given ? given.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal) : new Dictionary<string, string?>(),
            Reason = $"rollout {rollout.Id}: wave {step.Wave} ({rollout.Waves[step.Wave - 1].Phase}), step {step.Number}" + (operation == step.Operation ? "" : $" rollback of {step.Operation}"),
        };
        var outcome = await pipeline.ExecuteAsync(
            new ActionRequest
            {
                Actor = actor,
                Action = OpsRunActionHandler.Action,
                Project = request.Project,
                Environment = request.Environment,
                Instance = request.Instance,
                Arguments = OpsRunActionHandler.ArgumentsOf(request),
                Reason = request.Reason,
                CorrelationId = correlation,
            },
            run: progress is null ? null : async (plan, context, ct) =>
            {
                context.Progress = progress;
                return await pipeline.RunPlannedAsync(context, ct);
            },
            cancellationToken: cancellationToken);
        if (outcome.Error is { } error)
        {
            return ("denied", outcome.CorrelationId, null, $"{error.Code}: {error.Message}");
        }

        var message = outcome.Status switch
        {
            "succeeded" => outcome.Decision.Observed ? "ran; recorded as an observation (a human's run at L1)" : null,
            "queued" => $"queued for approval {outcome.Approval?.Id}",
            "denied" or "observed" => $"not run: the policy kernel decided {outcome.Decision.Kind.Name()} ({string.Join("; ", outcome.Decision.Explanation.Rules.Select(r => r.Id))})",
            _ => outcome.Result?.ErrorContext ?? outcome.Status,
        };
        return (outcome.Status == "flagged" ? "succeeded" : outcome.Status, outcome.CorrelationId, outcome.Approval?.Id, message);
    }

    /// <summary>
    /// The plan's waves as steps. The changed project rolls to <paramref name="toVersion"/> when one is given: its steps whose
    /// operation declares a <c>version</c> parameter pass it (<c>version=2.4.0</c>); no other parameter is ever passed.
    /// </summary>
    private (IReadOnlyList<RolloutWaveState> Waves, IReadOnlyList<RolloutStep> Steps, IReadOnlyList<string> Notes) Steps(string id, RolloutPlan plan, EnvironmentKind environment, string? changed, string? toVersion)
    {
        var problems = new List<string>();
        var notes = new List<string>();
        var steps = new List<RolloutStep>();
        var waves = new List<RolloutWaveState>();
        foreach (var wave in plan.Waves)
        {
            var phase = Phase(wave.Phase);
            waves.Add(new RolloutWaveState { Number = wave.Number, Phase = phase, Projects = wave.Steps.Select(s => s.Project).ToList(), Status = "pending", Gate = wave.Gate });
            foreach (var part in wave.Steps)
            {
                OperationCatalog catalog;
                IReadOnlyList<Specs.ProjectInstance> instances;
                try
                {
                    catalog = planner.Catalog(part.Project);
                    instances = planner.Manifest(part.Project).Instances.Where(i => i.Environment == environment).ToList();
                }
                catch (KseException ex)
                {
                    problems.Add($"{part.Project}: {ex.Message}");
                    continue;
                }

                var main = MainOperations(catalog, phase);
                var checks = Role(catalog, "health-check");
                if (main.Count == 0)
                {
                    problems.Add($"{part.Project}: no operation for a {phase} step (declare one with 'rollout: deploy' in a kse-operation block)");
                }

                if (instances.Count == 0)
                {
                    problems.Add($"{part.Project}: no instance in {environment.Name()} (project.yaml)");
                }

                var version = toVersion is not null && part.Project == changed ? toVersion : null;
                IReadOnlyDictionary<string, string>? ParametersOf(OperationDefinition op) =>
                    version is not null && op.Parameters.Any(p => p.Name == "version") ? new Dictionary<string, string>(StringComparer.Ordinal) { ["version"] = version } : null;
                foreach (var op in main.Concat(checks))
                {
                    var missing = op.Parameters.Where(p => p.Required && !(ParametersOf(op)?.ContainsKey(p.Name) ?? false)).Select(p => p.Name).ToList();
                    if (missing.Count > 0)
                    {
                        problems.Add($"{part.Project}: operation '{op.Name}' needs parameter(s) {string.Join(", ", missing)} without a default; a rollout step passes none" + (part.Project == changed ? " but 'version' (with --to-version)" : ""));
                    }
                }

                if (checks.Count == 0)
                {
                    notes.Add($"{part.Project}: no health check declared ('rollout: health-check'); its steps are not checked");
                }

                var canary = true;
                foreach (var instance in instances)
                {
                    foreach (var op in main.Concat(checks))
                    {
                        var n = steps.Count + 1;
                        steps.Add(new RolloutStep
                        {
                            Number = n,
                            Wave = wave.Number,
                            Project = part.Project,
                            Instance = instance.Id,
                            Operation = op.Name,
                            Role = op.RolloutRole ?? (checks.Contains(op) ? "health-check" : phase),
                            Canary = canary && instances.Count > 1,
                            Rollback = op.Risk == RiskClass.Read ? null : op.Rollback,
                            Status = "pending",
                            CorrelationId = $"{id}-s{n:00}",
                            Parameters = ParametersOf(op),
                        });
                    }

                    canary = false;
                }
            }
        }

        if (problems.Count > 0)
        {
            throw KseException.BadInput("rollout.unrunnable", $"the rollout cannot run in {environment.Name()}: {string.Join("; ", problems)}");
        }

        return (waves, steps, notes);
    }

    /// <summary>The operations of a project's step in a wave, in declaration order: by their <c>rollout:</c> role, else by name.</summary>
    internal static IReadOnlyList<OperationDefinition> MainOperations(OperationCatalog catalog, string phase)
    {
        IReadOnlyList<string> roles = phase switch
        {
            "expand" => Role(catalog, "expand").Count > 0 ? ["migrate", "expand"] : ["migrate", "deploy"],
            "contract" => Role(catalog, "contract").Count > 0 ? ["contract"] : ["deploy"],
            _ => ["migrate", "deploy"],
        };
        var chosen = roles.SelectMany(r => Role(catalog, r)).ToHashSet();
        return catalog.Operations.Where(chosen.Contains).ToList();
    }

    internal static IReadOnlyList<OperationDefinition> Role(OperationCatalog catalog, string role)
    {
        var byRole = catalog.Operations.Where(o => o.RolloutRole == role).ToList();
        if (byRole.Count > 0)
        {
            return byRole;
        }

        return catalog.Operations.Where(o => o.RolloutRole is null && o.Name == role).ToList();
    }

    private static string Phase(WavePhase phase) => phase switch
    {
        WavePhase.Expand => "expand",
        WavePhase.Migrate => "migrate",
        WavePhase.Contract => "contract",
        _ => "deploy",
    };

    private static Rollout Replace(Rollout rollout, RolloutStep step) =>
        rollout with { Steps = rollout.Steps.Select(s => s.Number == step.Number ? step : s).ToList() };

    private async Task<Rollout> SaveAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        var next = rollout with { Waves = WaveStates(rollout), UpdatedAt = clock.GetUtcNow(), Revision = rollout.Revision + 1, Runner = rollout.State == "running" ? ThisRunner : null };
        if (!await store.TryUpdateAsync(next, rollout.Revision, CancellationToken.None))
        {
            throw KseException.Refused("rollout.conflict", $"rollout {rollout.Id} was changed meanwhile by another process; read it again with 'kse rollout status {rollout.Id}'");
        }

        Changed?.Invoke(next);
        return next;
    }

    private static IReadOnlyList<RolloutWaveState> WaveStates(Rollout rollout) => rollout.Waves.Select(w =>
    {
        var steps = rollout.Steps.Where(s => s.Wave == w.Number).ToList();
        var status =
            steps.All(s => s.Status == "succeeded") && (steps.Count > 0 || rollout.Steps.Where(s => s.Wave < w.Number).All(s => s.Status == "succeeded")) ? "completed"
            : steps.Any(s => s.Status == "queued") ? "paused"
            : steps.Any(s => s.Status is "failed" or "denied" or "observed" or "timed_out" or "cancelled" or "rolled_back" or "rollback_proposed" or "rollback_failed") ? (rollout.State == "aborted" ? "aborted" : "failed")
            : steps.Any(s => s.Status == "succeeded") ? (rollout.State == "aborted" ? "aborted" : "running")
            : "pending";
        return w with { Status = status };
    }).ToList();

    private Task AuditStepAsync(Rollout rollout, RolloutStep step, Actor actor, CancellationToken cancellationToken) =>
        AuditAsync(rollout, actor, "step", step.Project, step.Status, new()
        {
            ["step"] = Num(step.Number),
            ["wave"] = Num(step.Wave),
            ["operation"] = step.Operation,
            ["instance"] = step.Instance,
            ["role"] = step.Role,
            ["canary"] = step.Canary ? "true" : "false",
            ["stepCorrelation"] = step.CorrelationId,
            ["approval"] = step.ApprovalId,
        }, target: $"{step.Operation}@{step.Instance}", error: step.Status is "succeeded" or "queued" ? null : step.Message, cancellationToken: cancellationToken);

    private async Task AuditAsync(Rollout rollout, Actor actor, string what, string project, string outcome, Dictionary<string, string?> parameters, string? target = null, string? error = null, IReadOnlyList<string>? related = null, CancellationToken cancellationToken = default)
    {
        parameters["rollout"] = rollout.Id;
        await audit.AppendAsync(
            new AuditDraft
            {
                Actor = actor,
                OperationType = AuditPrefix + what,
                Project = string.IsNullOrEmpty(project) ? null : project,
                Environment = rollout.Environment,
                Target = target ?? $"rollout {rollout.Id}",
                Parameters = parameters,
                Outcome = outcome,
                ErrorContext = error,
                CorrelationId = rollout.Id,
                RelatedProjects = related?.Where(p => p != project).ToList() is { Count: > 0 } r ? r : null,
            },
            CancellationToken.None);
    }

    /// <summary>
    /// Every report of a rollout (its own, and each step's attempts, retries and rollbacks) as the next number, so progress only
    /// moves forward; the rollout's own messages say which step of how many.
    /// </summary>
    private sealed class Counted(IProgress<WorkProgress> inner) : IProgress<WorkProgress>
    {
        private int _n;

        public static IProgress<WorkProgress>? Of(IProgress<WorkProgress>? progress) => progress is null or Counted ? progress : new Counted(progress);

        public void Report(WorkProgress value) => inner.Report(new WorkProgress(Interlocked.Increment(ref _n), null, value.Message));
    }

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>This process, as recorded on the rollouts it runs: machine, process id and the process's start (so a reused id is not taken for it).</summary>
    internal static readonly string ThisRunner = RunnerOf(System.Environment.MachineName, System.Environment.ProcessId, StartTicks(System.Diagnostics.Process.GetCurrentProcess()));

    internal static string RunnerOf(string machine, int pid, long startTicks) =>
        $"{machine}/{pid.ToString(CultureInfo.InvariantCulture)}/{startTicks.ToString(CultureInfo.InvariantCulture)}";

    internal enum RunnerLiveness { Alive, Gone, Unknown }

    /// <summary>Whether the process recorded as running a rollout still runs: known on this machine only.</summary>
    internal static RunnerLiveness RunnerState(string? runner)
    {
        var parts = runner?.Split('/');
        if (parts is not { Length: 3 } || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid) || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var ticks))
        {
            return RunnerLiveness.Unknown;
        }

        if (!string.Equals(parts[0], System.Environment.MachineName, StringComparison.Ordinal))
        {
            return RunnerLiveness.Unknown;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited && StartTicks(process) == ticks ? RunnerLiveness.Alive : RunnerLiveness.Gone;
        }
        catch (ArgumentException)
        {
            return RunnerLiveness.Gone;
        }
        catch (InvalidOperationException)
        {
            return RunnerLiveness.Gone;
        }
    }

    private static long StartTicks(System.Diagnostics.Process process)
    {
        try
        {
            return process.StartTime.ToUniversalTime().Ticks;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return 0;
        }
    }

    private static Actor ActorOf(string text)
    {
        var i = text.IndexOf(':', StringComparison.Ordinal);
        return i > 0 ? new Actor(text[..i], text[(i + 1)..]) : new Actor(Actor.User, text);
    }
}
