using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kse.Core.Policy;

namespace Kse.Core.Approvals;

/// <summary>pending → approved | rejected | expired; approved → executed (once) | expired.</summary>
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
    public static string Compute(string tool, string canonicalArguments, string project, string? environment, string? instance, string requester, string reason, RiskClass risk)
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
        Compute(a.Tool, a.ArgumentsJson, a.Project, a.Environment, a.Instance, a.Requester, a.Reason, a.Risk);

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
    void Insert(ApprovalRequest approval);

    ApprovalRequest? Get(string id);

    /// <summary>Newest first.</summary>
    IReadOnlyList<ApprovalRequest> List(ApprovalState? state = null, string? project = null, int limit = 200);

    /// <summary>Open approvals (pending or approved) whose expiry is at or before <paramref name="now"/>.</summary>
    IReadOnlyList<ApprovalRequest> ListDue(DateTimeOffset now);

    /// <summary>An approved, unexpired approval with this binding, if any.</summary>
    ApprovalRequest? FindApproved(string binding, DateTimeOffset now);

    /// <summary>
    /// Moves <paramref name="id"/> from <paramref name="from"/> to <paramref name="to"/> if it is still in <paramref name="from"/>,
    /// (when given) its binding equals <paramref name="binding"/> and it has not expired at <paramref name="notExpiredAt"/>.
    /// Sets the decision fields for approve/reject, the execution time for executed, the expiry time for expired; back to pending
    /// clears the decision (undoing a decision whose audit failed). True when this call won.
    /// </summary>
    bool TryTransition(string id, ApprovalState from, ApprovalState to, DateTimeOffset at, string? by = null, string? reason = null, string? binding = null, DateTimeOffset? notExpiredAt = null);

    /// <summary>Records how an executed approval's action ended.</summary>
    void RecordOutcome(string id, string outcome, string? detail);
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

    ValueTask<ApprovedActionResult> ExecuteAsync(ApprovalRequest approval, string approvedBy, CancellationToken cancellationToken = default);
}

/// <summary><c>Kse:Approvals:TtlHours</c> (default 24).</summary>
public sealed record ApprovalOptions
{
    public double TtlHours { get; init; } = 24;

    public TimeSpan Ttl => TimeSpan.FromHours(TtlHours);
}
