using System.Text.Json;
using Kse.Core.Policy;

namespace Kse.Core.Execution;

/// <summary>
/// Gives <c>ops_run</c> calls the risk their operation's spec declares. A dry run runs nothing and is read; an operation that cannot be
/// found has no risk, which denies the call (fail closed).
/// </summary>
public sealed class OpsRunRiskResolver(OperationExecutionService execution) : IToolRiskResolver
{
    public bool Handles(string tool) => tool == OperationExecutionService.ToolName;

    public ValueTask<RiskClass?> ResolveAsync(string tool, IReadOnlyDictionary<string, JsonElement> arguments, CancellationToken cancellationToken = default)
    {
        if (arguments.TryGetValue("dryRun", out var dry) && dry.ValueKind == JsonValueKind.True)
        {
            return ValueTask.FromResult<RiskClass?>(RiskClass.Read);
        }

        string? Str(string key) => arguments.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var project = Str("project");
        var operation = Str("operation");
        if (project is not null)
        {
            ProjectName.Validate(project);
        }

        var risk = execution.RiskOf(project, operation)
            ?? throw KseException.NotFound("ops.operation_not_found", $"project '{project}' declares no runnable operation '{operation}' (see ops_list_operations)");

        // A call that cannot run as given (an unknown or ambiguous instance, a parameter outside its pattern) is refused
        // now, rather than queued for a human whose approval could only end in a failed run.
        if (arguments.ContainsKey("environment"))
        {
            execution.Plan(OperationExecutionService.RequestFromArguments(JsonSerializer.Serialize(arguments), out _));
        }

        return ValueTask.FromResult<RiskClass?>(risk);
    }
}
