using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Policy;

/// <summary>
/// The one interception point: every tools/call passes here before a tool body runs. The work is done by
/// <see cref="ToolCallGate"/>: unknown and unclassified tools are denied, the rest is decided by the policy kernel,
/// audited before and after, run, queued for approval or only observed.
/// </summary>
internal static class PolicyCallToolFilter
{
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Create(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            var gate = context.Services?.GetService<ToolCallGate>();
            if (gate is null)
            {
                // Fail closed: without the gate no tool runs.
                return ToolCallGate.Denied("the policy gate is not configured");
            }

            return await gate.HandleAsync(context, next, cancellationToken);
        };
}
