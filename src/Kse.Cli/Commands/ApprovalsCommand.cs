using System.CommandLine;
using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Policy;

namespace Kse.Cli.Commands;

/// <summary><c>kse approvals</c>: The approval queue: what the AI asked to do and a human must decide.</summary>
internal static class ApprovalsCommand
{
    public static Command Create() =>
        CommandExtensions.Group("approvals", "The approval queue: what the AI asked to do and a human must decide.", "kse approvals list", List(), Show(), Decide(approve: true), Decide(approve: false));

    private static Command List()
    {
        var state = new Option<string?>("--state") { Description = "pending, approved, rejected, expired, executed or stale (default: all)" };
        var project = new Option<string?>("--project") { Description = "Only this project" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first", DefaultValueFactory = _ => 50 };
        var command = CommandExtensions.Verb("list", "List queued actions, newest first (expired ones are marked and audited first).", "kse approvals list --state pending --json");
        command.Options.Add(state);
        command.Options.Add(project);
        command.Options.Add(limit);
        return command.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var s = ctx.Value(state) is { Length: > 0 } text ? ParseState(text) : (ApprovalState?)null;
            var p = ctx.Value(project) is { } proj ? ProjectName.Validate(proj) : null;
            var stored = await ctx.Get<ApprovalService>().ListAsync(s, p, ctx.Value(limit), ct);
            var list = new ApprovalList(stored.Approvals.Select(a => ApprovalView.Redacted(a)).ToList());
            if (ctx.Json)
            {
                ctx.WriteJson(list);
                return 0;
            }

            if (list.Approvals.Count == 0)
            {
                ctx.WriteLine("no approvals");
            }

            foreach (var a in list.Approvals)
            {
                ctx.WriteLine($"{a.Id}  {Name(a.State),-9} {a.Tool} ({a.Risk.Name()}) {a.Project}/{a.Environment}{(a.Instance is null ? "" : "/" + a.Instance)}  by {DisplayText.Field(a.Requester)}  expires {a.ExpiresAt:u}");
            }

            return 0;
        });
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The approval id (apr-...)" };
        var command = CommandExtensions.Verb("show", "Show one queued action: tool, canonical arguments, the exact command it runs and where, scope, requester, reason, binding and state.", "kse approvals show apr-5d1e2f3a4b6c --json");
        command.Arguments.Add(id);
        return command.WithAction(async (ctx, ct) =>
        {
            ctx.Workspace.EnsureInitialized();
            var stored = await ctx.Get<ApprovalService>().GetAsync(ctx.Value(id)!, ct);
            var view = ApprovalView.From(stored, ctx.Get<TimeProvider>().GetUtcNow());
            var a = ApprovalView.Redacted(stored);
            if (ctx.Json)
            {
                ctx.WriteJson(a);
                return 0;
            }

            ctx.WriteLine($"{a.Id}: {Name(a.State)}");
            ctx.WriteLine($"  tool        {a.Tool} ({a.Risk.Name()})");
            ctx.WriteLine($"  arguments   {DisplayText.Field(a.ArgumentsJson)}");
            if (view.Command is not null)
            {
                ctx.WriteLine($"  command     {DisplayText.Field(view.Command)}");
                ctx.WriteLine($"  runs on     {view.Instance} ({view.Host})" + (view.SpecVersion is null ? "" : $", version {view.SpecVersion}"));
                ctx.WriteLine($"  declared in {view.Document} (sha256:{view.DocumentSha256})");
            }

            ctx.WriteLine($"  scope       {a.Project}/{a.Environment}{(a.Instance is null ? "" : "/" + a.Instance)} at {a.EffectiveLevel}");
            if (view.Confidence is { } confidence)
            {
                ctx.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  confidence  {confidence.Score:0.00} ({confidence.Source}, {confidence.Support} runs{(confidence.Command is null ? "" : $" of '{confidence.Command}'")}): {confidence.Explanation}"));
            }

            ctx.WriteLine($"  requester   {DisplayText.Field(a.Requester)}: {DisplayText.Field(a.Reason)}");
            ctx.WriteLine($"  created     {a.CreatedAt:u}, expires {a.ExpiresAt:u}");
            ctx.WriteLine($"  binding     sha256:{a.Binding}");
            if (a.DecidedBy is not null)
            {
                ctx.WriteLine($"  decided     by {a.DecidedBy} at {a.DecidedAt:u}{(a.DecisionReason is null ? "" : ": " + DisplayText.Field(a.DecisionReason))}");
            }

            if (a.ExecutedAt is not null)
            {
                ctx.WriteLine($"  executed    at {a.ExecutedAt:u}: {a.Outcome ?? "running"}{(a.OutcomeDetail is null ? "" : " — " + DisplayText.Field(a.OutcomeDetail))}");
            }

            return 0;
        });
    }

    private static Command Decide(bool approve)
    {
        var verb = approve ? "approve" : "reject";
        var id = new Argument<string>("id") { Description = "The approval id (apr-...)" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit trail)" };
        var command = CommandExtensions.Verb(
            verb,
            approve
                ? "Approve a pending action as the operator your token belongs to (KSE_OPERATOR_TOKEN or --token-file; role approver, emergency-approver for emergency_request; never the requester). It then runs once: at once when this process can run it (emergency requests), otherwise when the server executes it or the AI repeats the identical call."
                : "Reject a pending action as the operator your token belongs to (KSE_OPERATOR_TOKEN or --token-file); it will never run.",
            $"kse approvals {verb} apr-5d1e2f3a4b6c --reason \"{(approve ? "checked the diff" : "wrong instance")}\" --token-file ~/.kse-operator-token");
        command.Arguments.Add(id);
        command.Options.Add(reason);
        return command.WithOperatorAction(async (ctx, op, ct) =>
        {
            var service = ctx.Get<ApprovalService>();
            var a = approve
                ? await service.ApproveAsync(ctx.Value(id)!, op.Name, ctx.Value(reason), ct)
                : await service.RejectAsync(ctx.Value(id)!, op.Name, ctx.Value(reason), ct);
            a = ApprovalView.Redacted(a);
            if (ctx.Json)
            {
                ctx.WriteJson(a);
            }
            else
            {
                ctx.WriteLine($"{a.Id}: {Name(a.State)} by {a.DecidedBy}{(a.Outcome is null ? "" : $"; ran: {a.Outcome}{(a.OutcomeDetail is null ? "" : " — " + a.OutcomeDetail)}")}");
            }

            // The step a paused rollout waited for: the rollout continues here, as the server would (or halts and rolls its wave
            // back when the step was rejected or failed).
            if (Kse.Core.Rollouts.RolloutService.RolloutOf(a) is { } rolloutId)
            {
                if (!ctx.Json)
                {
                    ctx.Err.WriteLine($"rollout {rolloutId} waited for {a.Id}; it continues:");
                }

                var rollouts = ctx.Get<Kse.Core.Rollouts.RolloutService>();
                if (await rollouts.ContinueAfterDecisionAsync(a, Kse.Core.Actor.OperatorNamed(op.Name), ctx.Json ? null : new RolloutCommand.Progress(ctx), ct) is { } rollout && !ctx.Json)
                {
                    RolloutCommand.Write(ctx, rollout);
                }
            }

            // Approved and run at once, but the run failed: a script must not read that as success (as with 'kse ops run').
            return a.Outcome == "failed" ? 1 : 0;
        });
    }

    private static string Name(ApprovalState s) => s.ToString().ToLowerInvariant();

    private static ApprovalState ParseState(string text) =>
        Enum.TryParse<ApprovalState>(text.Trim(), ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(text, out _)
            ? s
            : throw KseException.BadInput("approval.state_unknown", $"unknown approval state '{text}': use pending, approved, rejected, expired, executed or stale");
}
