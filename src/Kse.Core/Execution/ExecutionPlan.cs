using Kse.Core.Policy;

namespace Kse.Core.Execution;

/// <summary>Exactly what will run where: the operation's command with validated values, and the process Kse starts for it.</summary>
public sealed record ExecutionPlan
{
    public required string Project { get; init; }

    public required string Operation { get; init; }

    public required RiskClass Risk { get; init; }

    public required EnvironmentKind Environment { get; init; }

    public required string Instance { get; init; }

    /// <summary><c>local</c> or the SSH destination.</summary>
    public required string Host { get; init; }

    /// <summary>The instance's version, from project.yaml.</summary>
    public string? Version { get; init; }

    /// <summary>The spec version the operation was read from (a version folder's name, or <c>main</c>).</summary>
    public string? SpecVersion { get; init; }

    /// <summary>Validated, normalized parameter values (sorted by name).</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>The operation's argument vector after substitution: what runs on the host.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The argument vector of the local process Kse starts (the command itself, or ssh with the command as its last argument).</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    public required TimeSpan Timeout { get; init; }

    public bool Idempotent { get; init; }

    public string? Verify { get; init; }

    public string? Rollback { get; init; }

    /// <summary>For an operation that names a strategy: the tool chosen for this instance, and why.</summary>
    public StrategyChoice? Tool { get; init; }

    /// <summary>The command as a human reads it (shell-quoted for display only; nothing is run through a shell locally).</summary>
    public string CommandLine => ShellWords.Join(Command);

    /// <summary>The started process as a human reads it.</summary>
    public string ProcessLine => ShellWords.Join(Argv);

    /// <summary>The arguments an approval is bound to: operation, instance and parameter values.</summary>
    public IReadOnlyDictionary<string, string?> BindingArguments()
    {
        var args = new SortedDictionary<string, string?>(StringComparer.Ordinal)
        {
            ["project"] = Project,
            ["operation"] = Operation,
            ["environment"] = Environment.Name(),
            ["instance"] = Instance,
        };
        foreach (var (k, v) in Parameters)
        {
            args["param." + k] = v;
        }

        return args;
    }
}
