using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kse.Core.Policy;

namespace Kse.Core.Approvals;

/// <summary>pending → approved | rejected | expired; approved → executed (once) | stale (what would run changed) | expired.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ApprovalState>))]
public enum ApprovalState
{
    [JsonStringEnumMemberName("pending")]
    Pending,
    [JsonStringEnumMemberName("approved")]
    Approved,
    [JsonStringEnumMemberName("rejected")]
    Rejected,
    [JsonStringEnumMemberName("expired")]
    Expired,
    [JsonStringEnumMemberName("executed")]
    Executed,
    [JsonStringEnumMemberName("stale")]
    Stale,
}

/// <summary>
/// The resolved plan an approval approves: what runs where, exactly. Re-resolved at execution; any difference makes the
/// approval <c>stale</c> and nothing runs.
/// </summary>
public sealed record ApprovalPlan
{
    public required string Tool { get; init; }

    public required string Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public string? Host { get; init; }

    public string? Operation { get; init; }

    public required RiskClass Risk { get; init; }

    /// <summary>The instance's (spec) version, when it has one.</summary>
    public string? SpecVersion { get; init; }

    /// <summary>The exact argument vector of the process that runs (ssh with the command for remote hosts).</summary>
    public IReadOnlyList<string>? Argv { get; init; }

    /// <summary>The command on the host, as a human reads it.</summary>
    public string? Command { get; init; }

    /// <summary>The operations document that declares the operation.</summary>
    public string? Document { get; init; }

    /// <summary>Lower-case hex SHA-256 of that document as it was when the plan was made.</summary>
    public string? DocumentSha256 { get; init; }

    /// <summary>Why this command, when a choice was made (the tool a strategy picked for the instance). Shown to the approver; not compared.</summary>
    public string? Rationale { get; init; }

    /// <summary>What differs between this plan (as approved) and <paramref name="now"/> (as it would run now), in words; empty when identical.</summary>
    public IReadOnlyList<string> Differences(ApprovalPlan now)
    {
        var changes = new List<string>();
        void Check(string what, string? approved, string? current)
        {
            if (!string.Equals(approved, current, StringComparison.Ordinal))
            {
                changes.Add($"{what} was '{approved ?? "(none)"}', is now '{current ?? "(none)"}'");
            }
        }

        Check("tool", Tool, now.Tool);
        Check("project", Project, now.Project);
        Check("environment", Environment, now.Environment);
        Check("instance", Instance, now.Instance);
        Check("host", Host, now.Host);
        Check("operation", Operation, now.Operation);
        Check("risk", Risk.Name(), now.Risk.Name());
        Check("spec version", SpecVersion, now.SpecVersion);
        if (!(Argv ?? []).SequenceEqual(now.Argv ?? [], StringComparer.Ordinal))
        {
            changes.Add($"the command was '{Command}', is now '{now.Command}'");
        }

        if (!string.Equals(DocumentSha256, now.DocumentSha256, StringComparison.Ordinal))
        {
            changes.Add($"{now.Document ?? Document ?? "the operations document"} changed since the request (sha256 {Short(DocumentSha256)} → {Short(now.DocumentSha256)})");
        }

        return changes;
    }

    private static string Short(string? hash) => hash is null ? "none" : hash[..Math.Min(12, hash.Length)];
}

/// <summary>
/// The confidence an approver sees with a queued call: from the observed operation whose command matches (<c>observed</c>: the mined
/// template's confidence) or from the operation's own outcomes (<c>history</c>), by the learning capability's formula.
/// </summary>
public sealed record ApprovalConfidence
{
    public required double Score { get; init; }

    /// <summary><c>observed</c> (humans' runs of the same command) or <c>history</c> (this operation's outcomes in the audit trail).</summary>
    public required string Source { get; init; }

    /// <summary>The observed command it matched (secrets masked).</summary>
    public string? Command { get; init; }

    /// <summary>How many runs it rests on.</summary>
    public required int Support { get; init; }

    public string? Explanation { get; init; }

    /// <summary>The newest observation ids (or audit sequences) it rests on.</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];
}

/// <summary>The confidence of a queued call in words, for messages (empty when none matched).</summary>
public static class ApprovalConfidenceText
{
    public static string Sentence(ApprovalConfidence? c) => c is null
        ? ""
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $" Confidence of the matching {(c.Source == "observed" ? "observed operation" : "operation's history")}: {c.Score:0.00} ({c.Support} runs{(c.Command is null ? "" : $" of '{c.Command}'")}).");
}

/// <summary>What a caller asks to queue: one tool call with its arguments and scope.</summary>
public sealed record ApprovalDraft
{
    public required string Tool { get; init; }

    /// <summary>The call's arguments as a JSON object; stored in canonical form (sorted keys, no whitespace).</summary>
    public required string ArgumentsJson { get; init; }

    public required string Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    /// <summary>Who asked, as <c>kind:name</c> (e.g. <c>ai:claude-code</c>).</summary>
    public required string Requester { get; init; }

    public required string Reason { get; init; }

    public required RiskClass Risk { get; init; }

    /// <summary>The decision entry's correlation id, so the approval's history joins the call's.</summary>
    public string? CorrelationId { get; init; }

    public TakeoverLevel? EffectiveLevel { get; init; }

    /// <summary>The resolved plan (exact command, host, document hash) when the action has one; bound into the approval.</summary>
    public ApprovalPlan? Plan { get; init; }

    /// <summary>How sure the evidence is about this operation (its observations and outcomes), when any matches; shown, not bound.</summary>
    public ApprovalConfidence? Confidence { get; init; }
}

/// <summary>A queued action awaiting (or past) a human decision.</summary>
public sealed record ApprovalRequest
{
    public required string Id { get; init; }

    public required string Tool { get; init; }

    public required string ArgumentsJson { get; init; }

    public required string Project { get; init; }

    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public required string Requester { get; init; }

    public required string Reason { get; init; }

    public required RiskClass Risk { get; init; }

    /// <summary>Lower-case hex SHA-256 over tool, canonical arguments, project, environment, instance, requester, reason and risk.</summary>
    public required string Binding { get; init; }

    public required ApprovalState State { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public TakeoverLevel? EffectiveLevel { get; init; }

    public string? CorrelationId { get; init; }

    public string? DecidedBy { get; init; }

    public DateTimeOffset? DecidedAt { get; init; }

    public string? DecisionReason { get; init; }

    public DateTimeOffset? ExecutedAt { get; init; }

    /// <summary><c>succeeded</c> or <c>failed</c> once the execution finished.</summary>
    public string? Outcome { get; init; }

    public string? OutcomeDetail { get; init; }

    public DateTimeOffset? ExpiredAt { get; init; }

    /// <summary>The resolved plan it approves, when the action has one (bound into <see cref="Binding"/>).</summary>
    public ApprovalPlan? Plan { get; init; }

    /// <summary>The confidence of the matching learned or observed operation when it was queued (not bound: evidence changes with time).</summary>
    public ApprovalConfidence? Confidence { get; init; }

    public bool IsOpen => State is ApprovalState.Pending or ApprovalState.Approved;
}

/// <summary>The SHA-256 binding of an approval and the canonical form of its arguments.</summary>
public static class ApprovalBinding
{
    /// <summary>Canonical JSON: object keys sorted ordinally at every depth, no whitespace, numbers and strings as given.</summary>
    public static string CanonicalArguments(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return "{}";
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            return Canonical(doc.RootElement);
        }
        catch (JsonException ex)
        {
            throw KseException.BadInput("approval.arguments_invalid", $"arguments are not valid JSON: {ex.Message}");
        }
    }

    public static string Canonical(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(w, element);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Canonical(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            foreach (var (key, value) in (arguments ?? new Dictionary<string, JsonElement>()).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WritePropertyName(key);
                Write(w, value);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The binding of everything an approver approves; any change to any part gives another hash.</summary>
    public static string Compute(string tool, string canonicalArguments, string project, string? environment, string? instance, string requester, string reason, RiskClass risk, ApprovalPlan? plan = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            // Keys in ordinal order; arguments are embedded as canonical JSON, not re-serialized.
            w.WriteStartObject();
            w.WritePropertyName("arguments");
            w.WriteRawValue(canonicalArguments, skipInputValidation: false);
            w.WriteString("environment", environment);
            w.WriteString("instance", instance);
            if (plan is not null)
            {
                // Only approvals that carry a plan bind it, so older records keep their hash.
                w.WritePropertyName("plan");
                w.WriteRawValue(PlanJson(plan), skipInputValidation: false);
            }

            w.WriteString("project", project);
            w.WriteString("reason", reason);
            w.WriteString("requester", requester);
            w.WriteString("risk", risk.Name());
            w.WriteString("tool", tool);
            w.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>The JSON with values under secret-looking keys (at any depth) and secret-looking string parts masked: for display and audit, never for the binding.</summary>
    public static string RedactSecrets(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                WriteRedacted(w, doc.RootElement, secret: false);
            }

            return Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            return Audit.SecretRedactor.RedactValue(json) ?? "";
        }
    }

    public static string Compute(ApprovalRequest a) =>
        Compute(a.Tool, a.ArgumentsJson, a.Project, a.Environment, a.Instance, a.Requester, a.Reason, a.Risk, a.Plan);

    /// <summary>The plan as canonical JSON (how it is stored and bound).</summary>
    public static string PlanJson(ApprovalPlan plan) => CanonicalArguments(JsonSerializer.Serialize(plan, KseJson.Options));

    public static ApprovalPlan? ParsePlan(string? json) => string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<ApprovalPlan>(json, KseJson.Options);

    private static void WriteRedacted(Utf8JsonWriter w, JsonElement e, bool secret)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in e.EnumerateObject())
                {
                    w.WritePropertyName(p.Name);
                    WriteRedacted(w, p.Value, secret || Audit.SecretRedactor.IsSecretKey(p.Name));
                }

                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in e.EnumerateArray())
                {
                    WriteRedacted(w, item, secret);
                }

                w.WriteEndArray();
                break;
            case JsonValueKind.Null:
                w.WriteNullValue();
                break;
            default:
                if (secret)
                {
                    w.WriteStringValue(Audit.SecretRedactor.Mask);
                }
                else if (e.ValueKind == JsonValueKind.String)
                {
                    w.WriteStringValue(Audit.SecretRedactor.RedactValue(e.GetString()));
                }
                else
                {
                    e.WriteTo(w);
                }

                break;
        }
    }

    private static void Write(Utf8JsonWriter w, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    w.WritePropertyName(p.Name);
                    Write(w, p.Value);
                }

                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in e.EnumerateArray())
                {
                    Write(w, item);
                }

                w.WriteEndArray();
                break;
            default:
                e.WriteTo(w);
                break;
        }
    }
}

/// <summary>Where approvals live. Transitions are conditional single updates, so two processes cannot both win one.</summary>
public interface IApprovalStore
{
    ValueTask InsertAsync(ApprovalRequest approval, CancellationToken cancellationToken = default);

    ValueTask<ApprovalRequest?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Newest first.</summary>
    ValueTask<IReadOnlyList<ApprovalRequest>> ListAsync(ApprovalState? state = null, string? project = null, int limit = 200, CancellationToken cancellationToken = default);

    /// <summary>Open approvals (pending or approved) whose expiry is at or before <paramref name="now"/>.</summary>
    ValueTask<IReadOnlyList<ApprovalRequest>> ListDueAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>An approved, unexpired approval with this binding, if any.</summary>
    ValueTask<ApprovalRequest?> FindApprovedAsync(string binding, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves <paramref name="id"/> from <paramref name="from"/> to <paramref name="to"/> if it is still in <paramref name="from"/>,
    /// (when given) its binding equals <paramref name="binding"/> and it has not expired at <paramref name="notExpiredAt"/>.
    /// Sets the decision fields for approve/reject, the execution time for executed, the expiry time for expired; back to pending
    /// clears the decision (undoing a decision whose audit failed). True when this call won.
    /// </summary>
    ValueTask<bool> TryTransitionAsync(string id, ApprovalState from, ApprovalState to, DateTimeOffset at, string? by = null, string? reason = null, string? binding = null, DateTimeOffset? notExpiredAt = null, CancellationToken cancellationToken = default);

    /// <summary>Records how an executed approval's action ended.</summary>
    ValueTask RecordOutcomeAsync(string id, string outcome, string? detail, CancellationToken cancellationToken = default);
}

/// <summary>The result of running an approved action.</summary>
public sealed record ApprovedActionResult(bool Succeeded, string? Summary = null, string? Error = null);

/// <summary>
/// What runs an approved tool call out of band (the server registers one that invokes the tool; Core registers one for
/// <c>emergency_request</c>). Executors that handle a tool run right after a human approves it.
/// </summary>
public interface IApprovedActionExecutor
{
    bool Handles(string tool);

    /// <summary>
    /// What changed since the approval in what would run (re-planned now), in words; empty when it still runs exactly what was
    /// approved. Any change makes the approval <c>stale</c> and nothing runs.
    /// </summary>
    ValueTask<IReadOnlyList<string>> ChangesSinceApprovalAsync(ApprovalRequest approval, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<string>>([]);

    ValueTask<ApprovedActionResult> ExecuteAsync(ApprovalRequest approval, string approvedBy, CancellationToken cancellationToken = default);
}

/// <summary><c>Kse:Approvals:TtlHours</c> (default 24).</summary>
public sealed record ApprovalOptions
{
    public double TtlHours { get; init; } = 24;

    public TimeSpan Ttl => TimeSpan.FromHours(TtlHours);
}
