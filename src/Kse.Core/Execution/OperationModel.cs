using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Kse.Core.Policy;

namespace Kse.Core.Execution;

/// <summary>The type of an operation parameter; values are checked against it before anything runs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ParameterType>))]
public enum ParameterType
{
    [JsonStringEnumMemberName("string")]
    String,
    [JsonStringEnumMemberName("int")]
    Int,
    [JsonStringEnumMemberName("bool")]
    Bool,
    [JsonStringEnumMemberName("enum")]
    Enum,
}

/// <summary>One typed parameter of a runnable operation.</summary>
public sealed record OperationParameter
{
    public required string Name { get; init; }

    public required ParameterType Type { get; init; }

    public string? Description { get; init; }

    /// <summary>For <c>string</c>: the whole value must match this regular expression.</summary>
    public string? Pattern { get; init; }

    /// <summary>For <c>enum</c>: the allowed values.</summary>
    public IReadOnlyList<string>? Values { get; init; }

    public long? Min { get; init; }

    public long? Max { get; init; }

    /// <summary>
    /// Accept a value starting with <c>-</c> where the placeholder begins an argument (<c>allowOptionLike: true</c>). Off by default:
    /// such a value would be read as an option by most programs (<c>ssh -oProxyCommand=...</c>, <c>sort --output=...</c>).
    /// </summary>
    public bool AllowOptionLike { get; init; }

    /// <summary>Used when the caller gives no value; a parameter without a default is required.</summary>
    public string? Default { get; init; }

    [JsonIgnore]
    public bool Required => Default is null;

    [JsonIgnore]
    internal Regex? CompiledPattern { get; init; }
}

/// <summary>A runnable operation declared in a <c>kse-operation</c> block of an operations document.</summary>
public sealed record OperationDefinition
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    public required RiskClass Risk { get; init; }

    /// <summary>The argument vector; <c>{name}</c> placeholders are replaced by validated parameter values, each argument staying one argument.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public IReadOnlyList<OperationParameter> Parameters { get; init; } = [];

    /// <summary>A strategy of tools.yaml: planning picks its tool for the instance and runs that tool's command (then <see cref="Command"/> is empty).</summary>
    public string? Strategy { get; init; }

    /// <summary>The selection context of a strategy operation (dataSize, network, window, cpu, memory, diskFree), placeholders allowed.</summary>
    public IReadOnlyDictionary<string, string> StrategyContext { get; init; } = new Dictionary<string, string>();

    public TimeSpan Timeout { get; init; } = OperationBlockParser.DefaultTimeout;

    /// <summary>Safe to repeat: only idempotent operations are retried.</summary>
    public bool Idempotent { get; init; }

    /// <summary>An operation run after success to check the result.</summary>
    public string? Verify { get; init; }

    /// <summary>An operation proposed or run (per policy) when this one fails.</summary>
    public string? Rollback { get; init; }

    /// <summary>Its role in an orchestrated rollout (<c>rollout: deploy</c>, <c>migrate</c>, <c>expand</c>, <c>contract</c>, <c>health-check</c>).</summary>
    public string? RolloutRole { get; init; }

    /// <summary>The document that declares it (e.g. <c>operations.md</c>).</summary>
    public required string Document { get; init; }

    /// <summary>1-based line of the block's opening fence.</summary>
    public required int Line { get; init; }
}

/// <summary>A problem in a <c>kse-operation</c> block, with the 1-based line it is on.</summary>
public sealed record OperationBlockError(string Document, int Line, string Code, string Message)
{
    public override string ToString() => $"{Document}:{Line}: {Message}";
}

/// <summary>What one document declares: its operations (only the valid ones) and the problems found.</summary>
public sealed record OperationParseResult(IReadOnlyList<OperationDefinition> Operations, IReadOnlyList<OperationBlockError> Errors);
