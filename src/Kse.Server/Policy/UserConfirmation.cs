using System.Text.Json;
using Kse.Core.Actions;
using Kse.Core.Policy;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Policy;

/// <summary>
/// <c>Kse:Policy:Elicitation</c>: whether a <c>normal</c> call that would be queued may instead be confirmed by the MCP client's user
/// (elicitation), and in which environments. Off unless enabled; development and test by default; production never.
/// </summary>
public sealed record ElicitationOptions
{
    public bool Enabled { get; init; }

    public IReadOnlyList<EnvironmentKind> Environments { get; init; } = [EnvironmentKind.Development, EnvironmentKind.Test];

    public bool AppliesTo(RiskClass risk, EnvironmentKind environment) =>
        Enabled && risk == RiskClass.Normal && environment != EnvironmentKind.Production && Environments.Contains(environment);
}

/// <summary>The user's answer: accepted (the call runs) or refused, with the rule the audit trail records.</summary>
public sealed record ConfirmationOutcome(bool Accepted, PolicyRule Rule);

/// <summary>
/// Asks the MCP client's user to confirm a queued <c>normal</c> call where configuration allows it. A client that cannot elicit,
/// a decline, a cancel or anything but an explicit "yes" is a refusal; it never turns into a run.
/// </summary>
public sealed class UserConfirmation(ElicitationOptions options)
{
    public ElicitationOptions Options => options;

    /// <summary>Null when confirmation does not apply (the call is queued as usual); otherwise the user's answer.</summary>
    public async ValueTask<ConfirmationOutcome?> TryConfirmAsync(RequestContext<CallToolRequestParams> context, ActionPlan plan, PolicyExplanation decision, CancellationToken cancellationToken)
    {
        if (decision.Decision != DecisionKind.QueueForApproval || !PolicyKernel.IsKnownEnvironmentName(decision.Environment, out var env) || !options.AppliesTo(plan.Risk, env))
        {
            return null;
        }

        var server = context.Server;
        if (server.ClientCapabilities?.Elicitation is null)
        {
            return Refused("elicitation.unsupported", $"{env.Name()} accepts the user's confirmation instead of the queue, but this client cannot ask its user (no elicitation capability): not run");
        }

        var message = Describe(plan, decision);
        ElicitResult answer;
        try
        {
            answer = await server.ElicitAsync(
                new ElicitRequestParams
                {
                    Message = message,
                    RequestedSchema = new ElicitRequestParams.RequestSchema
                    {
                        Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                        {
                            ["confirm"] = new ElicitRequestParams.BooleanSchema { Title = "Run it now", Description = "Yes runs this exact call once; anything else refuses it" },
                        },
                        Required = ["confirm"],
                    },
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or McpException or NotSupportedException)
        {
            return Refused("elicitation.failed", $"the user's confirmation could not be obtained ({ex.Message}): not run");
        }

        if (answer.Action != "accept")
        {
            return Refused("elicitation." + (answer.Action is "decline" ? "declined" : "cancelled"), $"the user {(answer.Action is "decline" ? "declined" : "cancelled")} the confirmation: not run");
        }

        var confirmed = answer.Content is { } content && content.TryGetValue("confirm", out var c) && c.ValueKind == JsonValueKind.True;
        return confirmed
            ? new ConfirmationOutcome(true, new PolicyRule("elicitation.accepted", $"{env.Name()} accepts the user's confirmation for normal operations; the user of {server.ClientInfo?.Name ?? "the client"} confirmed this exact call"))
            : Refused("elicitation.not_confirmed", "the user answered but did not confirm: not run");
    }

    private static ConfirmationOutcome Refused(string id, string text) => new(false, new PolicyRule(id, text));

    private static string Describe(ActionPlan plan, PolicyExplanation decision)
    {
        if (plan.Command is not null)
        {
            return $"The assistant wants to run '{plan.Operation}' ({plan.Risk.Name()}) on {plan.Instance} [{plan.Environment}, {plan.Host}]:\n\n    {plan.Command}\n\nRun it now?";
        }

        var scope = $"{decision.Project}/{decision.Environment}" + (decision.Instance is { } i ? $"/{i}" : "");
        return $"The assistant wants to call {plan.Action} ({decision.Risk}) on {scope} with {JsonSerializer.Serialize(plan.Arguments)}. Run it now?";
    }
}
