using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Policy;

namespace Kse.Core.Actions;

/// <summary>
/// Grants the elevation an AI asked for with <c>emergency_request</c>, once an emergency-approver operator approves the request.
/// The AI only ever queues the request; the grant is the operator's.
/// </summary>
public sealed class EmergencyRequestExecutor : IApprovedActionExecutor
{
    private readonly EmergencyService _emergency;

    public EmergencyRequestExecutor(EmergencyService emergency)
    {
        _emergency = emergency;
    }

    public bool Handles(string tool) => tool == ApprovalService.EmergencyRequestTool;

    public async ValueTask<ApprovedActionResult> ExecuteAsync(ApprovalRequest approval, string approvedBy, CancellationToken cancellationToken = default)
    {
        using var doc = JsonDocument.Parse(approval.ArgumentsJson);
        var root = doc.RootElement;
        string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        int? minutes = root.TryGetProperty("minutes", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : null;
        var e = await _emergency.GrantAsync(approval.Project, Str("environment") ?? approval.Environment, Str("level"), minutes, Str("reason") ?? approval.Reason, approvedBy, approval.Id, cancellationToken);
        return new ApprovedActionResult(true, $"elevation {e.Id}: {e.Project}/{e.Environment.Name()} at {e.Level} until {e.ExpiresAt:O}");
    }
}
