using Kse.Core.Actions;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Specs;

namespace Kse.Core.Learning;

/// <summary>
/// Operators review drafts as approvals: <see cref="ProposeAsync"/> queues a draft document's observed sections (<c>learn_accept</c>)
/// on the one guarded path; accepting (here, <c>kse approvals approve</c>, the operator API or the page: the same approval) merges them
/// into the real document; rejecting keeps the real document as it is. Also the read side: the drafts with their confidences, and a
/// proposal's change to the real document.
/// </summary>
public sealed class DraftReviewService(KseWorkspace workspace, LearningService learning, ActionPipeline pipeline, ApprovalService approvals)
{
    /// <summary>Most evidence ids kept per proposed section.</summary>
    public const int EvidencePerSection = 20;

    /// <summary>
    /// Queues one approval per drafted document (or only <paramref name="document"/>, only <paramref name="section"/>) with its
    /// observed sections exactly as the draft file holds them now. A document already proposed unchanged and pending is not queued
    /// twice. A merge that would not validate is refused before anything is queued (<c>learn.merge_invalid</c>).
    /// </summary>
    public async Task<ProposeResult> ProposeAsync(string project, string? document, string? section, string? reason, Actor actor, CancellationToken cancellationToken = default)
    {
        workspace.EnsureInitialized();
        ProjectName.Validate(project);
        var names = document is null ? SpecDrafter.DraftedDocuments : [SpecDocuments.Find(document).Name];
        if (document is not null && !SpecDrafter.DraftedDocuments.Contains(names[0]))
        {
            throw KseException.BadInput("learn.document_not_drafted", $"{names[0]} is never drafted: use one of {string.Join(", ", SpecDrafter.DraftedDocuments)}");
        }

        var index = DraftIndex.Load(DraftIndex.PathFor(workspace, project));
        var pending = (await approvals.ListAsync(ApprovalState.Pending, project, 500, cancellationToken)).Approvals.Where(a => a.Tool == LearnAcceptActionHandler.Action).ToList();
        var proposals = new List<ProposalOutcome>();
        foreach (var name in names)
        {
            var text = learning.ReadDraft(project, name);
            var draftSha = LearningService.Sha256(text);
            var realExists = File.Exists(Path.Combine(workspace.OperationsDir(project), name));
            var sections = Sections(MarkdownSpec.Parse(text, "drafts/" + name), index, name, includeUnobserved: !realExists)
                .Where(s => section is null || SpecDocuments.NormalizeHeading(s.Heading) == SpecDocuments.NormalizeHeading(section))
                .ToList();
            if (sections.Count == 0)
            {
                proposals.Add(new ProposalOutcome { Document = name, Status = "nothing_observed", Message = section is null ? "no section of this draft rests on observations" : $"no observed section '{section}' in this draft" });
                continue;
            }

            var arguments = ActionRequest.ArgumentsOf(new
            {
                project,
                document = name,
                environment = index?.Environment,
                draftSha256 = draftSha,
                sections,
            });
            var canonical = ApprovalBinding.Canonical(arguments);
            if (pending.FirstOrDefault(a => a.ArgumentsJson == canonical) is { } already)
            {
                proposals.Add(new ProposalOutcome { Document = name, Status = "already_pending", ApprovalId = already.Id, Sections = sections.Select(Summary).ToList(), Message = $"already proposed unchanged: {already.Id}" });
                continue;
            }

            var outcome = await pipeline.ExecuteAsync(
                new ActionRequest
                {
                    Actor = actor,
                    Action = LearnAcceptActionHandler.Action,
                    Project = project,
                    Environment = index?.Environment,
                    Arguments = arguments,
                    Risk = RiskClass.Normal,
                    Reason = string.IsNullOrWhiteSpace(reason) ? $"accept the drafted {name} (learned from {index?.Observations.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "observed"} observations)" : reason,
                },
                cancellationToken: cancellationToken);
            if (outcome.Error is { } error)
            {
                if (document is not null || error.Code != "learn.nothing_to_merge")
                {
                    throw error;
                }

                proposals.Add(new ProposalOutcome { Document = name, Status = "unchanged", Message = error.Message });
                continue;
            }

            proposals.Add(new ProposalOutcome
            {
                Document = name,
                Status = outcome.Status,
                ApprovalId = outcome.Approval?.Id,
                ExpiresAt = outcome.Approval?.ExpiresAt,
                Sections = sections.Select(Summary).ToList(),
                Message = outcome.Status == "queued"
                    ? $"queued for review: an operator with the approver role accepts it (kse learn accept {outcome.Approval?.Id}) or rejects it"
                    : string.Join("; ", outcome.Decision.Explanation.Rules.Select(r => r.Text)),
                CorrelationId = outcome.CorrelationId,
            });
        }

        return new ProposeResult(project, proposals);
    }

    /// <summary>Accepts a proposal (the approval of a <c>learn_accept</c>): approved, then merged at once through the guarded path.</summary>
    public async Task<ApprovalRequest> AcceptAsync(string id, string operatorName, string? reason, CancellationToken cancellationToken = default)
    {
        await RequireProposalAsync(id, cancellationToken);
        return await approvals.ApproveAsync(id, operatorName, reason, cancellationToken);
    }

    /// <summary>Rejects a proposal with a reason; the real document is not touched.</summary>
    public async Task<ApprovalRequest> RejectAsync(string id, string operatorName, string? reason, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw KseException.BadInput("learn.reason_required", "say why the proposal is rejected (a reason)");
        }

        await RequireProposalAsync(id, cancellationToken);
        return await approvals.RejectAsync(id, operatorName, reason.Trim(), cancellationToken);
    }

    /// <summary>The drafts of a project (documents, sections with confidence and evidence) and its proposals still waiting for review.</summary>
    public async Task<DraftList> ListAsync(string project, CancellationToken cancellationToken = default)
    {
        workspace.EnsureInitialized();
        ProjectName.Validate(project);
        var dir = learning.DraftsDirectory(project);
        var index = DraftIndex.Load(DraftIndex.PathFor(workspace, project));
        var documents = new List<DraftView>();
        foreach (var name in SpecDrafter.DraftedDocuments)
        {
            if (File.Exists(Path.Combine(dir, name)))
            {
                documents.Add(Show(project, name, index, withMarkdown: false));
            }
        }

        var pending = (await approvals.ListAsync(ApprovalState.Pending, project, 500, cancellationToken)).Approvals
            .Where(a => a.Tool == LearnAcceptActionHandler.Action)
            .Select(a => new PendingProposal(a.Id, Document(a), a.Requester, a.CreatedAt, a.ExpiresAt))
            .ToList();
        return new DraftList(project, index?.DraftedAt, index?.Environment, index?.Planner, documents, pending);
    }

    /// <summary>One draft document: its Markdown and its sections with what the drafter knew of each.</summary>
    public DraftView Show(string project, string document)
    {
        ProjectName.Validate(project);
        return Show(project, SpecDocuments.Find(document).Name, DraftIndex.Load(DraftIndex.PathFor(workspace, project)), withMarkdown: true);
    }

    /// <summary>
    /// A proposal as a reviewer sees it: each section with its confidence, operations and evidence, the change to each section of the
    /// real document and the merged text. When the real document changed since, it says so (accepting would be refused as stale).
    /// </summary>
    public async Task<ProposalView> ProposalAsync(string id, CancellationToken cancellationToken = default)
    {
        var a = await RequireProposalAsync(id, cancellationToken);
        var request = ActionPipeline.RequestOf(a);
        var proposal = LearnAcceptActionHandler.Parse(request);
        var path = Path.Combine(workspace.OperationsDir(proposal.Project), proposal.Document);
        var current = File.Exists(path) ? InputLimits.ReadText(path, "spec.document", proposal.Document) : null;
        var currentSha = current is null ? null : LearningService.Sha256(current);
        var merge = DraftMerge.Merge(current, proposal.Document, proposal.Sections);
        var changed = a.Plan is { } plan && plan.DocumentSha256 != currentSha;
        return new ProposalView
        {
            ApprovalId = a.Id,
            State = a.State,
            Project = proposal.Project,
            Document = proposal.Document,
            Environment = proposal.Environment,
            Requester = DisplayText.Field(a.Requester),
            Reason = DisplayText.Field(a.Reason),
            DraftSha256 = proposal.DraftSha256,
            DocumentSha256AtProposal = a.Plan?.DocumentSha256,
            DocumentSha256Now = currentSha,
            Stale = changed && a.IsOpen ? $"{proposal.Document} changed since it was proposed: accepting it would be refused as stale" : null,
            Confidence = proposal.Sections.Max(s => s.Confidence),
            Sections = proposal.Sections.Select(Summary).ToList(),
            Changes = merge.Changes,
            Merged = merge.Text,
        };
    }

    private async Task<ApprovalRequest> RequireProposalAsync(string id, CancellationToken cancellationToken)
    {
        var a = await approvals.GetAsync(id, cancellationToken);
        if (a.Tool != LearnAcceptActionHandler.Action)
        {
            throw KseException.BadInput("learn.not_a_proposal", $"{id} is a {a.Tool} approval, not a learned draft: decide it with 'kse approvals'");
        }

        return a;
    }

    private DraftView Show(string project, string name, DraftIndex? index, bool withMarkdown)
    {
        var text = learning.ReadDraft(project, name);
        var spec = MarkdownSpec.Parse(text, "drafts/" + name);
        var observed = Sections(spec, index, name, includeUnobserved: false).ToDictionary(s => s.Heading, StringComparer.Ordinal);
        var sections = spec.Sections.Select(s => observed.TryGetValue(s.Heading.Trim(), out var p)
            ? Summary(p)
            : new ProposedSectionSummary { Heading = s.Heading.Trim(), Observed = false }).ToList();
        return new DraftView
        {
            Project = project,
            Name = name,
            Path = Path.GetRelativePath(workspace.Root, Path.Combine(learning.DraftsDirectory(project), name)),
            Sha256 = LearningService.Sha256(text),
            DraftedAt = index?.DraftedAt,
            Sections = sections,
            Markdown = withMarkdown ? text : null,
        };
    }

    /// <summary>The draft's sections to propose: those the drafter marked observed, with its confidence, operations and evidence.</summary>
    private static IEnumerable<ProposedSection> Sections(MarkdownSpec spec, DraftIndex? index, string document, bool includeUnobserved)
    {
        foreach (var s in spec.Sections)
        {
            var known = index?.Find(document, s.Heading);
            var body = s.Body.Trim();
            var observed = known?.Observed ?? !body.StartsWith("Nothing observed for this yet", StringComparison.Ordinal);
            if (!observed && !includeUnobserved)
            {
                continue;
            }

            yield return new ProposedSection
            {
                Heading = s.Heading.Trim(),
                Body = body,
                Confidence = known?.Confidence,
                Operations = known?.Operations ?? [],
                OperationConfidence = known?.OperationConfidence ?? new Dictionary<string, double>(),
                OperationCommand = known?.OperationCommand ?? new Dictionary<string, string>(),
                Evidence = (known?.Evidence ?? []).Take(EvidencePerSection).ToList(),
                Edited = known is null || known.BodySha256 != LearningService.Sha256(body),
                Observed = observed,
                Author = known?.Author ?? "unknown",
            };
        }
    }

    private static ProposedSectionSummary Summary(ProposedSection s) => new()
    {
        Heading = s.Heading,
        Observed = s.Observed,
        Confidence = s.Confidence,
        Operations = s.Operations.Select(o => new OperationConfidence(o, s.OperationConfidence.TryGetValue(o, out var c) ? c : null, s.OperationCommand.GetValueOrDefault(o))).ToList(),
        Evidence = s.Evidence,
        Edited = s.Edited,
        Author = s.Author,
    };

    private static string? Document(ApprovalRequest a)
    {
        try
        {
            return LearnAcceptActionHandler.Parse(ActionPipeline.RequestOf(a)).Document;
        }
        catch (KseException)
        {
            return null;
        }
    }
}

/// <summary>The result of <c>kse learn propose</c>: one entry per draft document.</summary>
public sealed record ProposeResult(string Project, IReadOnlyList<ProposalOutcome> Proposals);

public sealed record ProposalOutcome
{
    public required string Document { get; init; }

    /// <summary><c>queued</c>, <c>already_pending</c>, <c>nothing_observed</c>, <c>unchanged</c> (already in the real document) or <c>denied</c>.</summary>
    public required string Status { get; init; }

    public string? ApprovalId { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public IReadOnlyList<ProposedSectionSummary> Sections { get; init; } = [];

    public string? Message { get; init; }

    public string? CorrelationId { get; init; }
}

/// <summary>A drafted section as reviewers see it: confidence, operations (each with its confidence), evidence, and whether it was edited after drafting.</summary>
public sealed record ProposedSectionSummary
{
    public required string Heading { get; init; }

    public required bool Observed { get; init; }

    public double? Confidence { get; init; }

    public IReadOnlyList<OperationConfidence> Operations { get; init; } = [];

    public IReadOnlyList<string> Evidence { get; init; } = [];

    public bool Edited { get; init; }

    public string? Author { get; init; }
}

/// <summary>A drafted operation: its name, its own confidence and the command observed (secrets masked).</summary>
public sealed record OperationConfidence(string Name, double? Confidence, string? Command = null);

/// <summary>A draft document (<c>GET /api/drafts/{project}/{doc}</c>).</summary>
public sealed record DraftView
{
    public required string Project { get; init; }

    public required string Name { get; init; }

    public required string Path { get; init; }

    public required string Sha256 { get; init; }

    public DateTimeOffset? DraftedAt { get; init; }

    public required IReadOnlyList<ProposedSectionSummary> Sections { get; init; }

    public string? Markdown { get; init; }
}

public sealed record PendingProposal(string ApprovalId, string? Document, string Requester, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>A project's drafts and the proposals waiting for review (<c>GET /api/drafts?project=</c>).</summary>
public sealed record DraftList(string Project, DateTimeOffset? DraftedAt, string? Environment, string? Planner, IReadOnlyList<DraftView> Documents, IReadOnlyList<PendingProposal> Pending);

/// <summary>A proposal with its change to the real document (<c>GET /api/drafts/proposals/{id}</c>, <c>kse learn show</c>).</summary>
public sealed record ProposalView
{
    public required string ApprovalId { get; init; }

    public required ApprovalState State { get; init; }

    public required string Project { get; init; }

    public required string Document { get; init; }

    public string? Environment { get; init; }

    public required string Requester { get; init; }

    public required string Reason { get; init; }

    public string? DraftSha256 { get; init; }

    /// <summary>The real document's SHA-256 when proposed (null: it did not exist).</summary>
    public string? DocumentSha256AtProposal { get; init; }

    public string? DocumentSha256Now { get; init; }

    /// <summary>Set while the proposal is open and the real document changed since it was proposed.</summary>
    public string? Stale { get; init; }

    /// <summary>The highest confidence of its sections.</summary>
    public double? Confidence { get; init; }

    public required IReadOnlyList<ProposedSectionSummary> Sections { get; init; }

    public required IReadOnlyList<SectionChange> Changes { get; init; }

    /// <summary>The real document as it would be once accepted (against its current text).</summary>
    public required string Merged { get; init; }
}
