using System.Globalization;
using System.Text.Json;
using Kse.Core.Actions;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Core.Learning;

/// <summary>
/// Plans and runs <c>learn_accept</c> on the guarded path: merge proposed draft sections (carried in the approval's arguments, so what
/// is approved is exactly what is merged) into the project's real operations document. The plan binds the document's SHA-256 as it was
/// when proposed: if the document changed since, the approval is stale and nothing is written. Whatever the level, a proposal is queued
/// for an operator with the approver role (rule <c>learn.review</c>). The merged document must not add a validation problem
/// (<c>learn.merge_invalid</c>). Entries are <c>learn.accept</c>, with the document's hash before and after.
/// </summary>
public sealed class LearnAcceptActionHandler(KseWorkspace workspace, SpecService specs) : IAuditedActionHandler, IConstrainedActionHandler
{
    public const string Action = "learn_accept";

    /// <summary>The most sections one proposal carries, and the most text.</summary>
    public const int MaxSections = 40;

    public const int MaxProposalChars = 512 * 1024;

    public string AuditType => "learn.accept";

    public bool Handles(string action) => action == Action;

    public ValueTask<ActionPlan> PlanAsync(ActionRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(Plan(request));

    private ActionPlan Plan(ActionRequest request)
    {
        var proposal = Parse(request);
        var path = Path.Combine(workspace.OperationsDir(proposal.Project), proposal.Document);
        var before = File.Exists(path) ? InputLimits.ReadText(path, "spec.document", proposal.Document) : null;
        var beforeSha = before is null ? null : LearningService.Sha256(before);
        var merge = DraftMerge.Merge(before, proposal.Document, proposal.Sections);
        if (merge.Changes.All(c => c.Kind == "unchanged"))
        {
            throw KseException.Refused("learn.nothing_to_merge", $"{proposal.Document} of '{proposal.Project}' already holds every proposed section");
        }

        CheckValid(proposal.Project, proposal.Document, merge.Text);
        var afterSha = LearningService.Sha256(merge.Text);
        var headings = string.Join(", ", proposal.Sections.Select(s => s.Heading));
        return new ActionPlan
        {
            Action = Action,
            Project = proposal.Project,
            Environment = proposal.Environment,
            Risk = RiskClass.Normal,
            Command = $"merge {proposal.Sections.Count} drafted section(s) of drafts/{proposal.Document} into {proposal.Document}: {headings}",
            Document = proposal.Document,
            DocumentSha256 = beforeSha,
            Rationale = "learned from observed operations; an operator reviews it before it becomes spec",
            Arguments = request.Arguments,
            AuditType = AuditType,
            Target = $"{proposal.Project}/{proposal.Document}",
            AuditParameters = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["document"] = proposal.Document,
                ["sections"] = headings,
                ["draftSha256"] = proposal.DraftSha256,
                ["documentSha256Before"] = beforeSha ?? "absent",
                ["mergedSha256"] = afterSha,
                ["confidence"] = proposal.Sections.Max(s => s.Confidence) is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) : null,
            },
            Detail = new MergePlan(proposal, path, beforeSha, merge, afterSha),
        };
    }

    /// <summary>A learned draft becomes spec only when an operator accepts it: whoever proposes it and whatever the level, it is queued.</summary>
    public ActionDecision Constrain(ActionPlan plan, Actor actor, ActionDecision decision)
    {
        var rule = new PolicyRule("learn.review", "a learned draft becomes spec only when another operator with the approver role accepts it, whatever the takeover level");
        if (actor.Kind is not (Actor.User or Actor.Operator))
        {
            // Only humans propose; an AI reads drafts (learn_draft) and never queues them into the spec.
            return new ActionDecision(
                new PolicyExplanation { Project = plan.Project ?? "", Environment = plan.Environment, Operation = Action, Risk = plan.Risk.Name(), Actor = actor.ToString(), Decision = DecisionKind.Deny, Rules = [new PolicyRule("learn.human_only", "only a human proposes a learned draft")] },
                false);
        }

        return new ActionDecision(
            new PolicyExplanation
            {
                Project = plan.Project ?? "",
                Environment = plan.Environment,
                Operation = Action,
                Risk = plan.Risk.Name(),
                Actor = actor.ToString(),
                Decision = DecisionKind.QueueForApproval,
                Rules = [rule],
            },
            false);
    }

    public async ValueTask<ActionRunResult> RunAsync(ActionPlan plan, ActionRunContext context, CancellationToken cancellationToken)
    {
        var m = (MergePlan)plan.Detail!;
        var now = File.Exists(m.Path) ? InputLimits.ReadText(m.Path, "spec.document", m.Proposal.Document) : null;
        var nowSha = now is null ? null : LearningService.Sha256(now);
        if (nowSha != m.BeforeSha256)
        {
            throw KseException.Refused("approvals.stale", $"{m.Proposal.Document} changed while it was being merged (sha256 {m.BeforeSha256 ?? "absent"} → {nowSha ?? "absent"}); nothing was written");
        }

        CheckValid(m.Proposal.Project, m.Proposal.Document, m.Merge.Text);
        Directory.CreateDirectory(Path.GetDirectoryName(m.Path)!);
        var temp = m.Path + ".kse-" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(temp, m.Merge.Text, cancellationToken);
        File.Move(temp, m.Path, overwrite: true);
        return new ActionRunResult
        {
            Status = "succeeded",
            Details = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["documentSha256Before"] = m.BeforeSha256 ?? "absent",
                ["documentSha256After"] = m.AfterSha256,
                ["changes"] = string.Join(", ", m.Merge.Changes.Select(c => $"{c.Heading}: {c.Kind}")),
            },
            Value = m,
        };
    }

    public string TargetOf(ActionRequest request) => $"{Str(request.Arguments, "project") ?? request.Project ?? "?"}/{Str(request.Arguments, "document") ?? "?"}";

    public IReadOnlyDictionary<string, string?> ParametersOf(ActionRequest request) => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["document"] = Str(request.Arguments, "document"),
        ["draftSha256"] = Str(request.Arguments, "draftSha256"),
    };

    /// <summary>Refuses a merged document that would add a validation problem to the project's spec (<c>learn.merge_invalid</c>).</summary>
    private void CheckValid(string project, string document, string merged)
    {
        var documents = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kind in SpecDocuments.All)
        {
            var path = Path.Combine(workspace.OperationsDir(project), kind.Name);
            if (File.Exists(path))
            {
                documents[kind.Name] = InputLimits.ReadText(path, "spec.document", kind.Name);
            }
        }

        var before = Problems(specs.Validate(project, documents));
        documents[document] = merged;
        var after = Problems(specs.Validate(project, documents));
        var added = after.Except(before, StringComparer.Ordinal).ToList();
        if (added.Count > 0)
        {
            throw KseException.Refused("learn.merge_invalid", $"merged into {document}, the spec of '{project}' would not validate: {string.Join("; ", added.Take(5))}");
        }
    }

    private static HashSet<string> Problems(ValidationReport report) =>
        report.Documents.SelectMany(d => d.Errors.Select(e => $"{d.Name}: {e}").Concat(d.MissingSections.Select(s => $"{d.Name}: section '{s}' is missing"))).ToHashSet(StringComparer.Ordinal);

    /// <summary>The proposal carried by a request's arguments; anything malformed is refused (<c>learn.proposal_invalid</c>).</summary>
    public static Proposal Parse(ActionRequest request)
    {
        var args = request.Arguments;
        var project = ProjectName.Validate(Str(args, "project") ?? request.Project ?? throw Invalid("it names no project"));
        var document = SpecDocuments.Find(Str(args, "document") ?? throw Invalid("it names no document")).Name;
        if (!SpecDrafter.DraftedDocuments.Contains(document))
        {
            throw Invalid($"{document} is not a drafted document ({string.Join(", ", SpecDrafter.DraftedDocuments)})");
        }

        if (!args.TryGetValue("sections", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("it carries no sections");
        }

        if (list.GetArrayLength() is 0 or > MaxSections)
        {
            throw Invalid($"it carries {list.GetArrayLength()} sections (1 to {MaxSections})");
        }

        var sections = new List<ProposedSection>();
        var chars = 0;
        foreach (var s in list.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("a section is not an object");
            }

            var heading = Str(s, "heading") ?? throw Invalid("a section has no heading");
            var body = Str(s, "body") ?? throw Invalid($"section '{heading}' has no body");
            if (heading.Contains('\n', StringComparison.Ordinal) || heading.Length > 200)
            {
                throw Invalid("a section heading is one line of at most 200 characters");
            }

            // The body must stay inside its section: a heading of level 1 or 2 would start another.
            if (!StaysInItsSection(body))
            {
                throw Invalid($"the body of '{heading}' holds a heading of level 1 or 2");
            }

            chars += body.Length;
            sections.Add(new ProposedSection
            {
                Heading = heading.Trim(),
                Body = body,
                Confidence = s.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number ? Math.Clamp(c.GetDouble(), 0, 1) : null,
                Operations = Strings(s, "operations"),
                Evidence = Strings(s, "evidence"),
                Edited = s.TryGetProperty("edited", out var e) && e.ValueKind == JsonValueKind.True,
                Observed = !(s.TryGetProperty("observed", out var o) && o.ValueKind == JsonValueKind.False),
                Author = Str(s, "author") ?? "deterministic",
                OperationCommand = s.TryGetProperty("operationCommand", out var ocmd) && ocmd.ValueKind == JsonValueKind.Object
                    ? ocmd.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).Take(100).ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
                    : new Dictionary<string, string>(),
                OperationConfidence = s.TryGetProperty("operationConfidence", out var oc) && oc.ValueKind == JsonValueKind.Object
                    ? oc.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal)
                    : new Dictionary<string, double>(),
            });
        }

        if (chars > MaxProposalChars)
        {
            throw Invalid($"its sections hold {chars} characters (at most {MaxProposalChars})");
        }

        if (sections.Select(s => SpecDocuments.NormalizeHeading(s.Heading)).Distinct(StringComparer.Ordinal).Count() != sections.Count)
        {
            throw Invalid("a section is proposed twice");
        }

        var environment = Str(args, "environment") ?? request.Environment;
        if (environment is not null)
        {
            environment = PolicyNames.ParseEnvironment(environment).Name();
        }

        return new Proposal(project, document, environment, Str(args, "draftSha256"), sections);
    }

    /// <summary>Whether <paramref name="body"/> stays one section's text: no heading of level 1 or 2 ends it or starts another.</summary>
    public static bool StaysInItsSection(string body)
    {
        var probe = MarkdownSpec.Parse("## x\n\n" + body, "the section");
        return probe.Sections.Count == 1 && probe.Sections[0].Body.Trim() == MarkdownSpec.Normalize(body).Trim();
    }

    private static KseException Invalid(string why) => KseException.BadInput("learn.proposal_invalid", $"the proposal is not valid: {why}");

    private static string? Str(IReadOnlyDictionary<string, JsonElement> args, string key) =>
        args.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static string? Str(JsonElement o, string key) =>
        o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static IReadOnlyList<string> Strings(JsonElement o, string key) =>
        o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).Take(100).ToList()
            : [];

    /// <summary>A proposal: the draft's sections for one real document of one project.</summary>
    public sealed record Proposal(string Project, string Document, string? Environment, string? DraftSha256, IReadOnlyList<ProposedSection> Sections);

    /// <summary>The resolved merge: the proposal, the real document's path and hash before, the merged text and its hash.</summary>
    public sealed record MergePlan(Proposal Proposal, string Path, string? BeforeSha256, DraftMergeResult Merge, string AfterSha256);
}
