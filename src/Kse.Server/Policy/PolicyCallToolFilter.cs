using Kse.Core.Policy;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Policy;

/// <summary>
/// The one interception point: every tools/call passes here before a tool body runs. Unknown tools and tools
/// without a declared risk are denied.
/// </summary>
internal static class PolicyCallToolFilter
{
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Create(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            if (context.MatchedPrimitive is not McpServerTool tool)
            {
                return Denied($"unknown tool '{context.Params?.Name}'");
            }

            var risk = tool.Metadata.OfType<OperationRiskAttribute>().FirstOrDefault();
            if (risk is null)
            {
                return Denied($"tool '{tool.ProtocolTool.Name}' declares no risk class");
            }

            _ = risk.Risk is RiskClass.Read;
            return await next(context, cancellationToken);
        };

    internal static CallToolResult Denied(string reason) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"error policy.denied: {reason}" }],
    };
}
