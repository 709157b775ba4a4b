using System.Text.Json;
using Kse.Core.Audit;
using Kse.Server.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Policy;

/// <summary>
/// An agent limited to some projects (<c>Kse:Agents[].Projects</c>) cannot touch others: a tool call naming another project
/// is denied before the policy gate sees it, and audited like every denied call (<c>tool.call</c>, rule <c>agent.project_denied</c>).
/// </summary>
internal static class AgentScopeFilter
{
    public const string Rule = "agent.project_denied";

    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Create(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            var allowed = AgentAccess.Projects(context.User);
            if (allowed.Count == 0 || context.Params?.Arguments is not { } args || !args.TryGetValue("project", out var p))
            {
                return await next(context, cancellationToken);
            }

            var project = p.ValueKind == JsonValueKind.String ? p.GetString() : p.GetRawText();
            if (project is not null && allowed.Contains(project, StringComparer.Ordinal))
            {
                return await next(context, cancellationToken);
            }

            var agent = AgentAccess.AgentName(context.User)!;
            var message = $"agent '{agent}' may act on {string.Join(", ", allowed)} only, not on '{project}'";
            if (context.Services?.GetService<IAuditTrail>() is { } audit)
            {
                await audit.AppendAsync(
                    new AuditDraft
                    {
                        Actor = Actor.Ai(agent),
                        OperationType = ToolCallGate.OperationType,
                        Project = Kse.Core.ProjectName.IsValid(project) ? project : null,
                        Target = context.Params.Name,
                        Parameters = args.ToDictionary(a => a.Key, a => (string?)(a.Value.ValueKind == JsonValueKind.String ? a.Value.GetString() : a.Value.GetRawText()), StringComparer.Ordinal),
                        Decision = "deny",
                        Rules = [$"{Rule}: {message}"],
                        Outcome = "denied",
                    },
                    cancellationToken);
            }

            return ToolCallGate.Denied(message);
        };
}
