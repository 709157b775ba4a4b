using System.Security.Cryptography;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Core.Feedback;

/// <summary>
/// The feedback capability: intake on every channel, triage, dedup by fingerprint, the audited lifecycle, responses to critical
/// items, recurring-issue proposals, correlation and analytics. Feedback text is data: nothing in a title or body chooses an
/// operation, its arguments or its scope.
/// </summary>
public sealed class FeedbackService
{
    public const string SubmitAuditType = "feedback.submit";
    public const string TransitionAuditType = "feedback.transition";
    public const string ProposalAuditType = "feedback.proposal";

    /// <summary>Who acts for feedback itself (responses, reopening on a repeat, resolving on a resolved alert).</summary>
    public static readonly Actor SystemActor = new(Actor.System, "feedback");

    private const int MaxReports = 200;

    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["new"] = ["acknowledged"],
        ["acknowledged"] = ["investigating", "resolved"],
        ["investigating"] = ["resolved"],
        ["resolved"] = ["verified", "reopened"],
        ["verified"] = ["reopened"],
        ["reopened"] = ["acknowledged", "investigating", "resolved"],
    };

    private readonly IFeedbackStore _store;
    private readonly FeedbackClassifier _classifier;
    private readonly IAuditTrail _audit;
    private readonly IAuditReader? _auditReader;
    private readonly KseWorkspace _workspace;
    private readonly TimeProvider _clock;
    private readonly FeedbackNotifier? _notifier;
    private readonly FeedbackResponder? _responder;

    public FeedbackService(IFeedbackStore store, FeedbackClassifier classifier, IAuditTrail audit, KseWorkspace workspace, TimeProvider clock, FeedbackOptions options, IAuditReader? auditReader = null, FeedbackNotifier? notifier = null, FeedbackResponder? responder = null)
    {
        _store = store;
        _classifier = classifier;
        _audit = audit;
        _auditReader = auditReader;
        _workspace = workspace;
        _clock = clock;
        Options = options;
        _notifier = notifier;
        _responder = responder;
    }

    public FeedbackOptions Options { get; }

    /// <summary>Classifies only; stores nothing.</summary>
    public Task<TriageResult> TriageAsync(string channel, string title, string body, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default)
    {
        var ch = FeedbackNames.Channel(channel);
        RequireText(title, body);
        return _classifier.ClassifyAsync(ch, title, body ?? "", labels, cancellationToken);
    }

    /// <summary>Stores a report: a new item, or one more occurrence of the same report within the dedup window.</summary>
    public async Task<FeedbackSubmitResult> SubmitAsync(FeedbackSubmission submission, Actor submitter, CancellationToken cancellationToken = default)
    {
        var s = await ValidateAsync(submission, cancellationToken);
        var triage = await _classifier.ClassifyAsync(s.Channel, s.Title, s.Body, s.Labels, cancellationToken);
        return await StoreAsync(s, triage, submitter, cancellationToken);
    }

    /// <summary>
    /// Imports JSON Lines (one submission per line). Every line is checked first: a bad line is reported with its number and then
    /// nothing of the file is stored.
    /// </summary>
    public async Task<FeedbackImportResult> ImportAsync(string path, Actor submitter, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw KseException.NotFound("feedback.import_not_found", $"no file '{path}'");
        }

        var parsed = new List<(FeedbackSubmission Submission, TriageResult Triage)>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (lineNo > Options.MaxImportLines)
            {
                throw KseException.BadInput("feedback.import_too_large", $"{Path.GetFileName(path)} has more than {Options.MaxImportLines} lines; split it; nothing was stored");
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                var submission = FeedbackImport.ParseLine(line);
                var valid = await ValidateAsync(submission, cancellationToken);
                parsed.Add((valid, await _classifier.ClassifyAsync(valid.Channel, valid.Title, valid.Body, valid.Labels, cancellationToken)));
            }
            catch (KseException ex) when (ex.Kind is KseErrorKind.BadInput or KseErrorKind.NotFound)
            {
                throw KseException.BadInput("feedback.import_line_invalid", $"{Path.GetFileName(path)} line {lineNo}: {ex.Message}; nothing was stored");
            }
        }

        var results = new List<FeedbackSubmitResult>();
        foreach (var (submission, triage) in parsed)
        {
            results.Add(await StoreAsync(submission, triage, submitter, cancellationToken));
        }

        return new FeedbackImportResult(results.Count, results.Count(r => r.Outcome == "created"), results.Count(r => r.Outcome != "created"), results.Select(r => r.Id).Distinct().ToList());
    }

    /// <summary>
    /// An Alertmanager webhook: every alert is checked first (nothing is stored when one is wrong); firing alerts are submitted
    /// (repeats fold by the alert's id), resolved ones resolve their item as <c>system:feedback</c>.
    /// </summary>
    public async Task<AlertmanagerResult> ReceiveAlertsAsync(IReadOnlyList<AlertmanagerAlert> alerts, Actor sender, CancellationToken cancellationToken = default)
    {
        var checkedAlerts = new List<(AlertmanagerAlert Alert, FeedbackSubmission Submission)>();
        for (var i = 0; i < alerts.Count; i++)
        {
            try
            {
                checkedAlerts.Add((alerts[i], await ValidateAsync(alerts[i].Submission, cancellationToken)));
            }
            catch (KseException ex) when (ex.Kind is KseErrorKind.BadInput or KseErrorKind.NotFound)
            {
                throw KseException.BadInput("feedback.alertmanager_invalid", $"'alerts[{i}].labels': {ex.Message}; nothing was stored");
            }
        }

        var outcomes = new List<AlertmanagerOutcome>();
        foreach (var (alert, submission) in checkedAlerts)
        {
            if (alert.Status == "firing")
            {
                var triage = await _classifier.ClassifyAsync(submission.Channel, submission.Title, submission.Body, submission.Labels, cancellationToken);
                var r = await StoreAsync(submission, triage, sender, cancellationToken);
                outcomes.Add(new AlertmanagerOutcome(alert.AlertId, "firing", r.Id, r.Outcome, r.Item.State));
            }
            else
            {
                var item = await ResolveAlertAsync(submission.Project, alert.AlertId, SystemActor, cancellationToken);
                outcomes.Add(new AlertmanagerOutcome(alert.AlertId, "resolved", item?.Id, item is null ? "no_item" : "resolved", item?.State));
            }
        }

        return new AlertmanagerResult(outcomes);
    }

    public async Task<FeedbackItem> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        RequireId(id);
        return await _store.GetAsync(id, cancellationToken) ?? throw KseException.NotFound("feedback.not_found", $"no feedback item '{id}' (see 'kse feedback list')");
    }

    /// <summary>An item of a project; another project's id is not found (resources are scoped by project).</summary>
    public async Task<FeedbackItem> GetAsync(string project, string id, CancellationToken cancellationToken = default)
    {
        ProjectName.Validate(project);
        var item = await GetAsync(id, cancellationToken);
        return item.Project == project ? item : throw KseException.NotFound("feedback.not_found", $"no feedback item '{id}' in project '{project}'");
    }

    public async Task<FeedbackList> ListAsync(FeedbackQuery query, CancellationToken cancellationToken = default)
    {
        var q = query with
        {
            Project = query.Project is null ? null : ProjectName.Validate(query.Project),
            State = query.State is null ? null : FeedbackNames.State(query.State),
            Severity = query.Severity is null ? null : FeedbackNames.Severity(query.Severity),
            Type = query.Type is null ? null : FeedbackNames.Type(query.Type),
            Limit = Math.Clamp(query.Limit, 1, 5000),
        };
        var items = await _store.ListAsync(q, cancellationToken);
        return new FeedbackList(items, items.Count);
    }

    /// <summary>
    /// Moves an item along its lifecycle (new → acknowledged → investigating → resolved → verified, with reopen). Illegal steps and
    /// <c>verified</c> without evidence are refused. Audited before it is stored.
    /// </summary>
    public async Task<FeedbackItem> TransitionAsync(string id, string to, Actor actor, string? reason, string? evidence, CancellationToken cancellationToken = default)
    {
        var target = NormaliseTarget(to);
        for (var attempt = 0; ; attempt++)
        {
            var item = await GetAsync(id, cancellationToken);
            if (!Allowed.TryGetValue(item.State, out var next) || !next.Contains(target))
            {
                throw KseException.Refused("feedback.transition_illegal", $"{item.Id} is {item.State}; it can move to {string.Join(", ", Allowed.GetValueOrDefault(item.State) ?? [])}, not {target}");
            }

            string? checkedEvidence = null;
            if (target == "verified")
            {
                checkedEvidence = await CheckEvidenceAsync(item, evidence, cancellationToken);
            }

            var updated = await TryTransitionAsync(item, target, actor, reason, checkedEvidence, cancellationToken);
            if (updated is not null)
            {
                return updated;
            }

            if (attempt >= 4)
            {
                throw KseException.Refused("feedback.conflict", $"{id} kept changing while it was being moved; try again");
            }
        }
    }

    /// <summary>A resolved alert resolves its item (by the sender's alert id); null when there is no such open item.</summary>
    public async Task<FeedbackItem?> ResolveAlertAsync(string project, string externalId, Actor actor, CancellationToken cancellationToken = default)
    {
        ProjectName.Validate(project);
        var fingerprint = FeedbackText.AlertFingerprint(project, externalId);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var item = await _store.FindByFingerprintAsync(project, fingerprint, _clock.GetUtcNow() - Options.DedupWindow, cancellationToken);
            if (item is null || item.State is "resolved" or "verified")
            {
                return item;
            }

            var updated = await TryTransitionAsync(item, "resolved", actor, "the alert resolved", null, cancellationToken);
            if (updated is not null)
            {
                return updated;
            }
        }

        throw KseException.Refused("feedback.conflict", "the alert's item kept changing while it was being resolved; send again");
    }

    public async Task<TroubleshootingProposalList> ProposalsAsync(string? project, CancellationToken cancellationToken = default) =>
        new(await _store.ListProposalsAsync(project is null ? null : ProjectName.Validate(project), cancellationToken));

    /// <summary>What happened around an item: audit entries of its project and the projects it depends on, ranked with evidence.</summary>
    public async Task<FeedbackCorrelationReport> CorrelateAsync(string id, TimeSpan? before = null, TimeSpan? after = null, CancellationToken cancellationToken = default)
    {
        var item = await GetAsync(id, cancellationToken);
        var reader = _auditReader ?? throw new KseException("feedback.audit_unavailable", "the audit trail cannot be read here", KseErrorKind.Failure);
        return await FeedbackCorrelation.CorrelateAsync(item, reader, new Projects.ProjectGraphService(_workspace).Neighbours(item.Project), before ?? TimeSpan.FromHours(24), after ?? TimeSpan.FromHours(1), cancellationToken);
    }

    /// <summary>Counts, recurring issues, time to acknowledge/resolve and survey satisfaction of a project.</summary>
    public async Task<FeedbackAnalyticsReport> AnalyticsAsync(string project, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken = default)
    {
        ProjectName.Validate(project);
        if (from is { } f && to is { } t && f >= t)
        {
            throw KseException.BadInput("feedback.range_invalid", $"from {f:u} is not before to {t:u}");
        }

        var items = await _store.ListAsync(new FeedbackQuery { Project = project, From = from, To = to, Limit = 100_000 }, cancellationToken);
        return FeedbackAnalytics.Compute(project, items, from, to);
    }

    private async Task<FeedbackItem?> TryTransitionAsync(FeedbackItem item, string target, Actor actor, string? reason, string? evidence, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var entry = await _audit.AppendAsync(
            new AuditDraft
            {
                Actor = actor,
                OperationType = TransitionAuditType,
                Project = item.Project,
                Version = item.Version,
                Environment = item.Environment,
                Target = item.Id,
                Parameters = new Dictionary<string, string?>
                {
                    ["feedbackId"] = item.Id,
                    ["from"] = item.State,
                    ["to"] = target,
                    ["reason"] = reason is null ? null : FeedbackText.Neutralise(Clip(reason, 500)),
                    ["evidence"] = evidence,
                },
                Decision = "run",
                Outcome = target,
                CorrelationId = item.Id,
            },
            cancellationToken);
        var step = new FeedbackTransition { From = item.State, To = target, By = actor.ToString(), At = now, Reason = reason is null ? null : Clip(reason, 500), Evidence = evidence, AuditSequence = entry.Sequence };
        var updated = item with
        {
            State = target,
            History = [.. item.History, step],
            AcknowledgedAt = item.AcknowledgedAt ?? (target is "acknowledged" or "investigating" ? now : null),
            TimeToAcknowledgeSeconds = item.TimeToAcknowledgeSeconds ?? (target is "acknowledged" or "investigating" ? Seconds(now - item.CreatedAt) : null),
            ResolvedAt = target == "resolved" ? item.ResolvedAt ?? now : item.ResolvedAt,
            TimeToResolveSeconds = target == "resolved" ? item.TimeToResolveSeconds ?? Seconds(now - item.CreatedAt) : item.TimeToResolveSeconds,
            VerifiedAt = target == "verified" ? now : item.VerifiedAt,
            Reopened = target == "reopened" ? item.Reopened + 1 : item.Reopened,
            Revision = item.Revision + 1,
        };
        return await _store.TryUpdateAsync(updated, item.Revision, cancellationToken) ? updated : null;
    }

    private async Task<string> CheckEvidenceAsync(FeedbackItem item, string? evidence, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(evidence))
        {
            throw KseException.Refused("feedback.evidence_required", $"{item.Id} can be verified only with evidence: audit:<sequence> (a passing read operation) or reporter:<name> (the reporter confirmed)");
        }

        var e = evidence.Trim();
        if (e.StartsWith("reporter:", StringComparison.OrdinalIgnoreCase))
        {
            var who = e["reporter:".Length..].Trim();
            return item.Reporters.Contains(who, StringComparer.OrdinalIgnoreCase)
                ? $"reporter:{who}"
                : throw KseException.Refused("feedback.evidence_invalid", $"'{who}' did not report {item.Id} (its reporters: {string.Join(", ", item.Reporters)})");
        }

        if (e.StartsWith("audit:", StringComparison.OrdinalIgnoreCase) && long.TryParse(e["audit:".Length..].Trim().TrimStart('#'), out var sequence))
        {
            var reader = _auditReader ?? throw new KseException("feedback.audit_unavailable", "the audit trail cannot be read here", KseErrorKind.Failure);
            var found = await reader.ScanAsync(new AuditQuery { Project = item.Project, OperationType = "ops.run" }, cancellationToken).FirstOrDefaultAsync(a => a.Sequence == sequence, cancellationToken);
            if (found is null)
            {
                throw KseException.Refused("feedback.evidence_invalid", $"audit entry #{sequence} is not an operation run of {item.Project}");
            }

            if (found.Outcome != "succeeded" || found.Parameters?.GetValueOrDefault("risk") != "read")
            {
                throw KseException.Refused("feedback.evidence_invalid", $"audit entry #{sequence} is not a passing read operation (risk {found.Parameters?.GetValueOrDefault("risk") ?? "?"}, outcome {found.Outcome})");
            }

            return $"audit:{sequence} {found.Target}";
        }

        throw KseException.BadInput("feedback.evidence_invalid", $"evidence '{Clip(e, 80)}' is neither audit:<sequence> nor reporter:<name>");
    }

    private async Task<FeedbackSubmitResult> StoreAsync(FeedbackSubmission s, TriageResult triage, Actor submitter, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var at = s.At is { } given && given <= now ? given : now;
        var fingerprint = s.ExternalId is { } ext ? FeedbackText.AlertFingerprint(s.Project, ext) : FeedbackText.Fingerprint(s.Project, triage.Type, s.Title, s.Body);
        var reporter = s.Reporter ?? submitter.ToString();
        var report = new FeedbackReport(at, reporter, s.Channel);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await _store.FindByFingerprintAsync(s.Project, fingerprint, now - Options.DedupWindow, cancellationToken);
            if (existing is null)
            {
                var item = new FeedbackItem
                {
                    Id = "fb-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)),
                    Project = s.Project,
                    Title = s.Title,
                    Body = s.Body,
                    Channel = s.Channel,
                    Type = triage.Type,
                    Severity = triage.Severity,
                    Confidence = triage.Confidence,
                    Rules = triage.Rules,
                    DecidedBy = triage.DecidedBy,
                    State = "new",
                    Environment = s.Environment,
                    Instance = s.Instance,
                    Version = s.Version,
                    Fingerprint = fingerprint,
                    ExternalId = s.ExternalId,
                    Occurrences = 1,
                    Reporters = [reporter],
                    Channels = [s.Channel],
                    Reports = [report],
                    Labels = s.Labels,
                    Score = s.Score,
                    CreatedAt = now,
                    LastSeenAt = now,
                    History = [],
                    ChangeAssessment = s.Diff is null ? null : _responder?.AssessChange(s.Project, s.Diff),
                    Revision = 1,
                };
                await AuditSubmitAsync(item, submitter, "created", cancellationToken);
                await _store.InsertAsync(item, cancellationToken);
                item = await AfterStoredAsync(item, isNew: true, escalated: false, cancellationToken);
                return new FeedbackSubmitResult { Id = item.Id, Outcome = "created", Occurrences = 1, Item = item };
            }

            var reopen = existing.State is "resolved" or "verified";
            var escalated = FeedbackNames.Rank(triage.Severity) < FeedbackNames.Rank(existing.Severity);
            var folded = existing with
            {
                Occurrences = existing.Occurrences + 1,
                Reporters = existing.Reporters.Contains(reporter) ? existing.Reporters : [.. existing.Reporters, reporter],
                Channels = existing.Channels.Contains(s.Channel) ? existing.Channels : [.. existing.Channels, s.Channel],
                Reports = [.. existing.Reports.Skip(Math.Max(0, existing.Reports.Count - MaxReports + 1)), report],
                LastSeenAt = now,
                Severity = escalated ? triage.Severity : existing.Severity,
                Version = existing.Version ?? s.Version,
                Revision = existing.Revision + 1,
            };
            await AuditSubmitAsync(folded, submitter, reopen ? "reopened" : "folded", cancellationToken);
            if (!await _store.TryUpdateAsync(folded, existing.Revision, cancellationToken))
            {
                continue;
            }

            if (reopen)
            {
                folded = await TryTransitionAsync(folded, "reopened", SystemActor, $"reported again by {reporter} after it was {existing.State}", null, cancellationToken) ?? folded;
            }

            folded = await AfterStoredAsync(folded, isNew: reopen, escalated, cancellationToken);
            return new FeedbackSubmitResult { Id = folded.Id, Outcome = reopen ? "reopened" : "folded", Occurrences = folded.Occurrences, Item = folded };
        }

        throw KseException.Refused("feedback.conflict", "the same report kept changing while it was being stored; submit again");
    }

    /// <summary>Notifications, the response to a critical item and the recurring-issue check; their failures never undo the stored report.</summary>
    private async Task<FeedbackItem> AfterStoredAsync(FeedbackItem item, bool isNew, bool escalated, CancellationToken cancellationToken)
    {
        var notified = new List<string>();
        if ((isNew || escalated) && _notifier is not null)
        {
            notified.AddRange(await _notifier.NotifyAsync(item, CancellationToken.None));
        }

        if ((isNew || escalated) && item.Severity == "critical")
        {
            FeedbackResponse response;
            if (_responder is not null && Options.Responses)
            {
                response = await _responder.RespondAsync(item, CancellationToken.None);
            }
            else
            {
                response = new FeedbackResponse { At = _clock.GetUtcNow() };
            }

            if (notified.Count == 0)
            {
                // A human must hear of every critical item: with no webhook it is flagged on the page and in the trail.
                notified.Add("no webhook configured: flagged for humans on the approval page's Feedback view and in the audit trail");
                await _audit.AppendAsync(
                    new AuditDraft
                    {
                        Actor = SystemActor,
                        OperationType = FeedbackNotifier.AuditType,
                        Project = item.Project,
                        Environment = item.Environment,
                        Target = item.Id,
                        Parameters = new Dictionary<string, string?> { ["feedbackId"] = item.Id, ["severity"] = item.Severity, ["channel"] = "page" },
                        Decision = "notify",
                        Outcome = "flagged",
                        ErrorContext = "no webhook is configured for this project and severity",
                        CorrelationId = item.Id,
                    },
                    CancellationToken.None);
            }

            var withResponse = item with { Response = response with { Notified = notified }, Revision = item.Revision + 1 };
            if (await _store.TryUpdateAsync(withResponse, item.Revision, CancellationToken.None))
            {
                item = withResponse;
            }
        }

        await ProposeIfRecurringAsync(item, cancellationToken);
        return item;
    }

    private async Task ProposeIfRecurringAsync(FeedbackItem item, CancellationToken cancellationToken)
    {
        var since = _clock.GetUtcNow() - Options.RecurringWindow;
        var recent = item.Reports.Count(r => r.At >= since);
        if (recent < Options.RecurringThreshold || _responder is null)
        {
            return;
        }

        if (await _store.FindProposalAsync(item.Project, item.Fingerprint, cancellationToken) is not null)
        {
            return;
        }

        var (document, patch) = _responder.ProposeEntry(item);
        var proposal = new TroubleshootingProposal
        {
            Id = "tsp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)),
            Project = item.Project,
            ItemId = item.Id,
            Fingerprint = item.Fingerprint,
            Occurrences = recent,
            Document = document,
            Patch = patch,
            State = "pending",
            CreatedAt = _clock.GetUtcNow(),
        };
        await _audit.AppendAsync(
            new AuditDraft
            {
                Actor = SystemActor,
                OperationType = ProposalAuditType,
                Project = item.Project,
                Target = document,
                Parameters = new Dictionary<string, string?> { ["proposalId"] = proposal.Id, ["feedbackId"] = item.Id, ["occurrences"] = recent.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                Decision = "queue",
                Outcome = "pending",
                CorrelationId = item.Id,
            },
            cancellationToken);
        await _store.InsertProposalAsync(proposal, cancellationToken);
    }

    private Task AuditSubmitAsync(FeedbackItem item, Actor submitter, string outcome, CancellationToken cancellationToken) =>
        _audit.AppendAsync(
            new AuditDraft
            {
                Actor = submitter,
                OperationType = SubmitAuditType,
                Project = item.Project,
                Version = item.Version,
                Environment = item.Environment,
                Target = item.Id,
                Parameters = new Dictionary<string, string?>
                {
                    ["feedbackId"] = item.Id,
                    ["channel"] = item.Channels[^1],
                    ["type"] = item.Type,
                    ["severity"] = item.Severity,
                    ["decidedBy"] = item.DecidedBy,
                    ["occurrences"] = item.Occurrences.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["instance"] = item.Instance,
                    ["fingerprint"] = item.Fingerprint,
                },
                Decision = "run",
                Outcome = outcome,
                CorrelationId = item.Id,
            },
            cancellationToken).AsTask();

    private Task<FeedbackSubmission> ValidateAsync(FeedbackSubmission s, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        var project = ProjectName.Validate(s.Project);
        if (!Directory.Exists(_workspace.ProjectDir(project)))
        {
            throw KseException.NotFound("feedback.project_unknown", $"no project '{project}' in this workspace (see 'kse ops list')");
        }

        var channel = FeedbackNames.Channel(s.Channel);
        RequireText(s.Title, s.Body);
        if (s.Reporter is { Length: > 200 })
        {
            throw KseException.BadInput("feedback.reporter_invalid", "the reporter name is longer than 200 characters");
        }

        if (s.Score is { } score && score is < 1 or > 5)
        {
            throw KseException.BadInput("feedback.score_invalid", $"score must be 1 to 5, not {score}");
        }

        if (s.Labels is { Count: > 64 })
        {
            throw KseException.BadInput("feedback.labels_invalid", "at most 64 labels");
        }

        if (s.Diff is { Length: > 1_000_000 })
        {
            throw KseException.BadInput("feedback.diff_too_large", "the attached diff is larger than 1 MB");
        }

        string? environment = null;
        if (!string.IsNullOrWhiteSpace(s.Environment))
        {
            try
            {
                environment = PolicyNames.ParseEnvironment(s.Environment).Name();
            }
            catch (KseException ex)
            {
                throw KseException.BadInput("feedback.environment_invalid", ex.Message);
            }
        }

        var version = string.IsNullOrWhiteSpace(s.Version) ? null : s.Version.Trim();
        if (version is { Length: > 64 })
        {
            throw KseException.BadInput("feedback.version_invalid", "the version is longer than 64 characters");
        }

        string? instance = null;
        if (!string.IsNullOrWhiteSpace(s.Instance))
        {
            instance = s.Instance.Trim();
            var manifest = ProjectManifest.Load(_workspace, project);
            var declared = manifest.Instances.FirstOrDefault(i => i.Id == instance);
            if (declared is not null)
            {
                version ??= declared.Version ?? manifest.Version;
                environment ??= declared.Environment.Name();
            }
            else if (channel != FeedbackNames.MonitoringAlert)
            {
                throw KseException.NotFound("feedback.instance_unknown", $"{project} declares no instance '{instance}' (see 'kse instances list {project}')");
            }
            else if (instance.Length > 200)
            {
                throw KseException.BadInput("feedback.instance_invalid", "the instance name is longer than 200 characters");
            }
        }

        return Task.FromResult(s with
        {
            Project = project,
            Channel = channel,
            Title = s.Title.Trim(),
            Body = (s.Body ?? "").Trim(),
            Environment = environment,
            Instance = instance,
            Version = version,
            Reporter = string.IsNullOrWhiteSpace(s.Reporter) ? null : s.Reporter.Trim(),
        });
    }

    private static void RequireText(string? title, string? body)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            throw KseException.BadInput("feedback.title_missing", "feedback needs a title");
        }

        if (title.Length > FeedbackText.MaxTitleLength)
        {
            throw KseException.BadInput("feedback.title_too_long", $"the title is longer than {FeedbackText.MaxTitleLength} characters");
        }

        if (body is { Length: > FeedbackText.MaxBodyLength })
        {
            throw KseException.BadInput("feedback.body_too_long", $"the body is longer than {FeedbackText.MaxBodyLength} characters");
        }
    }

    private static void RequireId(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw KseException.BadInput("feedback.id_invalid", $"'{Clip(id ?? "", 80)}' is not a feedback id (fb-...)");
        }
    }

    private static string NormaliseTarget(string? to)
    {
        var t = to?.Trim().ToLowerInvariant();
        t = t switch
        {
            "acknowledge" or "ack" => "acknowledged",
            "investigate" => "investigating",
            "resolve" => "resolved",
            "verify" => "verified",
            "reopen" => "reopened",
            _ => t,
        };
        if (t == "new")
        {
            throw KseException.Refused("feedback.transition_illegal", "no item moves back to new; reopen it instead");
        }

        return FeedbackNames.State(t);
    }

    private static double Seconds(TimeSpan span) => Math.Round(Math.Max(0, span.TotalSeconds), 3);

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}

/// <summary>What became of one alert of a webhook.</summary>
public sealed record AlertmanagerOutcome(string AlertId, string Status, string? Id, string Outcome, string? State);

public sealed record AlertmanagerResult(IReadOnlyList<AlertmanagerOutcome> Alerts);

/// <summary>What an import stored.</summary>
public sealed record FeedbackImportResult(int Lines, int Created, int Folded, IReadOnlyList<string> Ids);
