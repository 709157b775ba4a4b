using System.Text.Json;

namespace Kse.Core.Policy;

/// <summary>
/// Supplies a tool call's risk class from its arguments when the tool's own attribute cannot know it
/// (e.g. <c>ops_run</c>: the risk is in the operation's spec). Returning null keeps the attribute's risk;
/// throwing denies the call (fail closed).
/// </summary>
public interface IToolRiskResolver
{
    bool Handles(string tool);

    ValueTask<RiskClass?> ResolveAsync(string tool, IReadOnlyDictionary<string, JsonElement> arguments, CancellationToken cancellationToken = default);
}
