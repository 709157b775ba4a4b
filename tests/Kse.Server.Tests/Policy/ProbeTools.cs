using System.Collections.Concurrent;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Policy;
using ModelContextProtocol.Server;

namespace Kse.Server.Tests.Policy;

/// <summary>What the probe tools saw when their bodies ran.</summary>
public sealed class ProbeLog
{
    public ConcurrentQueue<(string Tool, long? AuditHeadAtRun)> Runs { get; } = new();
}

public sealed record ProbeResult(string Done);

/// <summary>Tools that exist only in tests: they record that their body ran and the audit head at that moment.</summary>
[McpServerToolType]
public sealed class ProbeTools
{
    [McpServerTool(Name = "probe_restart", UseStructuredContent = true)]
    [OperationRisk(RiskClass.Normal)]
    public static async Task<ProbeResult> Restart(ProbeLog log, IAuditReader audit, string project, string environment, string? instance = null, string? version = null)
    {
        log.Runs.Enqueue(("probe_restart", (await audit.HeadAsync())?.Sequence));
        return new ProbeResult($"restarted {project}/{environment}/{instance} {version}");
    }

    [McpServerTool(Name = "probe_drop", UseStructuredContent = true)]
    [OperationRisk(RiskClass.Critical)]
    public static async Task<ProbeResult> Drop(ProbeLog log, IAuditReader audit, string project, string environment)
    {
        log.Runs.Enqueue(("probe_drop", (await audit.HeadAsync())?.Sequence));
        return new ProbeResult($"dropped {project}/{environment}");
    }

    [McpServerTool(Name = "probe_read", UseStructuredContent = true)]
    [OperationRisk(RiskClass.Read)]
    public static async Task<ProbeResult> Read(ProbeLog log, IAuditReader audit)
    {
        log.Runs.Enqueue(("probe_read", (await audit.HeadAsync())?.Sequence));
        return new ProbeResult("read");
    }

    [McpServerTool(Name = "probe_failing", UseStructuredContent = true)]
    [OperationRisk(RiskClass.Normal)]
    public static ProbeResult Failing(string project, string environment) =>
        throw new KseException("probe.failed", $"probe failed on {project}/{environment}", KseErrorKind.Failure);

    [McpServerTool(Name = "probe_unclassified", UseStructuredContent = true)]
    public static ProbeResult Unclassified(ProbeLog log)
    {
        log.Runs.Enqueue(("probe_unclassified", null));
        return new ProbeResult("should never run");
    }
}

/// <summary>An audit trail whose every append fails, like a full disk.</summary>
public sealed class FailingAuditTrail : IAuditTrail
{
    public ValueTask<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken = default) =>
        throw new IOException("disk full");
}
