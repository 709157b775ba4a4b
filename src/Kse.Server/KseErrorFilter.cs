using Kse.Core;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server;

/// <summary>Turns a <see cref="KseException"/> thrown by a tool body into an error result that carries its stable code and message.</summary>
internal static class KseErrorFilter
{
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Create(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            try
            {
                return await next(context, cancellationToken);
            }
            catch (KseException ex)
            {
                return ErrorResult(ex);
            }
        };

    public static CallToolResult ErrorResult(KseException ex) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"error {ex.Code}: {ex.Message}" }],
    };
}
