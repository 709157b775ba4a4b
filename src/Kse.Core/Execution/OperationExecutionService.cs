using System.Text.Json.Serialization;
using Kse.Core.Policy;

namespace Kse.Core.Execution;

/// <summary>One runnable operation as <c>ops_list_operations</c> shows it.</summary>
public sealed record OperationSummary
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    public required RiskClass Risk { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The strategy of tools.yaml whose tool runs (then <see cref="Command"/> is empty: the tool is picked per instance).</summary>
    public string? Strategy { get; init; }

    public required IReadOnlyList<OperationParameterSummary> Parameters { get; init; }

    public required string TimeoutText { get; init; }

    public bool Idempotent { get; init; }

    public string? Verify { get; init; }

    public string? Rollback { get; init; }

    /// <summary><c>document:line</c> where it is declared.</summary>
    public required string DeclaredAt { get; init; }
}

public sealed record OperationParameterSummary(string Name, ParameterType Type, bool Required, string Accepts, string? Default, string? Description);

/// <summary>A project's runnable operations, its instances, and the problems in its operation blocks.</summary>
public sealed record OperationListing(string Project, IReadOnlyList<OperationSummary> Operations, IReadOnlyList<InstanceSummary> Instances, IReadOnlyList<string> Errors)
{
    /// <summary>The spec version the operations come from (<c>main</c> unless an instance running another version was named).</summary>
    public string? SpecVersion { get; init; }

    /// <summary>The instance whose version picked the spec, when one was named.</summary>
    public string? Instance { get; init; }
}

public sealed record InstanceSummary(string Id, EnvironmentKind Environment, string Host, string? Version);

/// <summary>What is asked: run one operation on one instance with these values.</summary>
public sealed record OperationRunRequest
{
    public required string Project { get; init; }

    public required string Operation { get; init; }

    public required string Environment { get; init; }

    public string? Instance { get; init; }

    public IReadOnlyDictionary<string, string?> Parameters { get; init; } = new Dictionary<string, string?>();

    public bool DryRun { get; init; }

    /// <summary>Why (kept with a queued approval and in the audit trail).</summary>
    public string? Reason { get; init; }
}

/// <summary>
/// The answer to a run request: the policy decision, what runs where, and the result if it ran. Only <c>status</c> and
/// <c>decision</c> are always present: when the interception point does not run <c>ops_run</c> (queued, observed) it answers with
/// the same shape (<c>tool</c>, <c>approvalId</c>, <c>expiresAt</c>, <c>resource</c>, <c>message</c>), so clients that check the
/// output schema accept both.
/// </summary>
public sealed record OperationRunOutcome
{
    /// <summary><c>succeeded</c>, <c>failed</c>, <c>timed_out</c>, <c>dry_run</c>, <c>queued</c>, <c>observed</c>, <c>denied</c>, or from the interception point <c>pending_approval</c>.</summary>
    public required string Status { get; init; }

    public required DecisionKind Decision { get; init; }

    public IReadOnlyList<PolicyRule> Rules { get; init; } = [];

    public TakeoverLevel? EffectiveLevel { get; init; }

    public string? Tool { get; init; } = OperationExecutionService.ToolName;

    public string? Project { get; init; }

    public string? Operation { get; init; }

    public RiskClass? Risk { get; init; }

    /// <summary>The environment name (as given when the call was not planned).</summary>
    public string? Environment { get; init; }

    public string? Instance { get; init; }

    public string? Host { get; init; }

    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    public IReadOnlyList<string>? Command { get; init; }

    public string? CommandLine { get; init; }

    public IReadOnlyList<string>? Argv { get; init; }

    /// <summary>For an operation that names a strategy: the tool chosen for the instance, its score and version, and why.</summary>
    public StrategyChoice? Strategy { get; init; }

    /// <summary>The spec version the operation was planned from: the instance's version resolved (a version folder's name, or <c>main</c>).</summary>
    public string? SpecVersion { get; init; }

    /// <summary>The operations document that declares the operation, and its SHA-256 as planned.</summary>
    public string? Document { get; init; }

    public string? DocumentSha256 { get; init; }

    public string? ApprovalId { get; init; }

    /// <summary>When a queued approval expires.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The resource to read or subscribe to for a queued approval.</summary>
    public string? Resource { get; init; }

    public OperationRunResult? Result { get; init; }

    public string? Message { get; init; }

    public string? CorrelationId { get; init; }

    /// <summary>True when a human's run at L1 was recorded as an observation.</summary>
    public bool? Observed { get; init; }

    [JsonIgnore]
    public bool Ran => Result is { Status: not "dry_run" };
}

/// <summary>
/// A project's runnable operations and their plans. Running one is an action: it goes through the guarded path
/// (the action pipeline), never around it.
/// </summary>
public sealed class OperationExecutionService(ExecutionPlanner planner)
{
    public const string AuditOperationType = "ops.run";

    /// <summary>The MCP tool name, also the <c>tool</c> of queued run approvals.</summary>
    public const string ToolName = "ops_run";

    public ExecutionPlanner Planner => planner;

    /// <summary>The operations of the main spec, or with <paramref name="instance"/> of the spec that instance's version resolves to.</summary>
    public OperationListing List(string project, string? instance = null)
    {
        ProjectName.Validate(project);
        IReadOnlyList<Specs.ProjectInstance> all;
        try
        {
            all = planner.Manifest(project).Instances;
        }
        catch (KseException) when (instance is null)
        {
            all = [];
        }

        Specs.ProjectInstance? target = null;
        if (instance is not null)
        {
            target = all.FirstOrDefault(i => i.Id == instance)
                ?? throw KseException.NotFound("instances.not_found", $"project '{project}' has no instance '{instance}'" + (all.Count > 0 ? $" (instances: {string.Join(", ", all.Select(i => i.Id))})" : " (add one with 'kse instances add')"));
        }

        var spec = planner.CatalogFor(project, target);
        return new OperationListing(
            spec.Catalog.Project,
            spec.Catalog.Operations.Select(Summarize).ToList(),
            all.Select(i => new InstanceSummary(i.Id, i.Environment, i.IsLocal ? "local" : i.Host, i.Version)).ToList(),
            spec.Catalog.Errors.Select(e => e.ToString()).ToList())
        {
            SpecVersion = spec.SpecVersion,
            Instance = target?.Id,
        };
    }

    public static OperationSummary Summarize(OperationDefinition o) => new()
    {
        Name = o.Name,
        Description = o.Description,
        Risk = o.Risk,
        Command = o.Command,
        Strategy = o.Strategy,
        Parameters = o.Parameters.Select(p => new OperationParameterSummary(p.Name, p.Type, p.Required, ParameterValues.Describe(p), p.Default, p.Description)).ToList(),
        TimeoutText = o.Timeout.TotalSeconds >= 60 && o.Timeout.TotalSeconds % 60 == 0 ? $"{o.Timeout.TotalMinutes:0}m" : $"{o.Timeout.TotalSeconds:0.###}s",
        Idempotent = o.Idempotent,
        Verify = o.Verify,
        Rollback = o.Rollback,
        DeclaredAt = $"{o.Document}:{o.Line}",
    };

    /// <summary>The plan for a request; every name and value checked (bad input throws).</summary>
    public ExecutionPlan Plan(OperationRunRequest request) =>
        planner.Plan(ProjectName.Validate(request.Project), request.Operation, PolicyNames.ParseEnvironment(request.Environment), request.Instance, request.Parameters);
}
