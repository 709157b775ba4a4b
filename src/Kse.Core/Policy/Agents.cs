namespace Kse.Core.Policy;

/// <summary>
/// An AI agent that connects over HTTP (<c>Kse:Agents</c>): authenticated by its own bearer token, audited as
/// <c>ai:&lt;name&gt;</c>, optionally limited to some projects. Agent tokens are never operator tokens.
/// </summary>
public sealed record KseAgent
{
    public required string Name { get; init; }

    /// <summary>Lower-case hex SHA-256 of the agent's bearer token.</summary>
    public string? TokenSha256 { get; init; }

    /// <summary>The projects it may act on; null or empty: every project.</summary>
    public IReadOnlyList<string>? Projects { get; init; }

    /// <summary>Whether this agent may touch <paramref name="project"/>.</summary>
    public bool MayUse(string project) => Projects is not { Count: > 0 } list || list.Contains(project, StringComparer.Ordinal);
}

/// <summary>The configured agents, matched by token in constant time like operators (<see cref="OperatorDirectory"/>).</summary>
public sealed class AgentDirectory
{
    private readonly IReadOnlyList<KseAgent> _agents;
    private readonly OperatorDirectory _byToken;

    public AgentDirectory(IEnumerable<KseAgent> agents, OperatorDirectory? operators = null)
    {
        _agents = agents.Where(a => !string.IsNullOrWhiteSpace(a.Name)).ToList();
        foreach (var a in _agents)
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(a.Name, "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"))
            {
                throw KseException.BadInput("config.invalid", $"Kse:Agents: agent name '{a.Name}' must be letters, digits, '.', '_' or '-' (at most 63)");
            }

            if (a.TokenSha256 is not { Length: 64 })
            {
                throw KseException.BadInput("config.invalid", $"Kse:Agents: agent '{a.Name}' needs TokenSha256, the lower-case hex SHA-256 of its token");
            }

            foreach (var p in a.Projects ?? [])
            {
                ProjectName.Validate(p);
            }
        }

        var duplicate = _agents.GroupBy(a => a.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw KseException.BadInput("config.invalid", $"Kse:Agents: agent '{duplicate.Key}' is configured twice");
        }

        // One token, one kind of principal: a token that is both an operator's and an agent's would blur the boundary.
        if (operators is not null && _agents.FirstOrDefault(a => operators.All.Any(o => string.Equals(o.TokenSha256, a.TokenSha256, StringComparison.OrdinalIgnoreCase))) is { } shared)
        {
            throw KseException.BadInput("config.invalid", $"Kse:Agents: agent '{shared.Name}' has the token of an operator; agents and operators need different tokens");
        }

        // Token matching is the operators' (constant time over every entry); agents are looked up by the matched name.
        _byToken = new OperatorDirectory(_agents.Select(a => new KseOperator { Name = a.Name, TokenSha256 = a.TokenSha256 }));
    }

    public IReadOnlyList<KseAgent> All => _agents;

    public bool Any => _agents.Count > 0;

    /// <summary>The agent whose token hashes to its <c>TokenSha256</c>; null when none matches.</summary>
    public KseAgent? FindByToken(string? token) =>
        _byToken.FindByToken(token) is { } match ? _agents.First(a => a.Name == match.Name) : null;
}
