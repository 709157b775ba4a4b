using Kse.Core.Execution;
using Kse.Core.Specs;

namespace Kse.Core.Tools;

/// <summary>
/// For <c>kse ops validate</c>: a <c>kse-operation</c> that names a <c>strategy</c> must name one tools.yaml declares, whose
/// candidates carry commands whose placeholders are the operation's parameters; every parameter must be used by a command or the context.
/// </summary>
public sealed class StrategyOperationCheck : ISpecDocumentCheck
{
    public IEnumerable<SpecCheckError> Check(IReadOnlyList<(string Name, string Text)> documents)
    {
        var tools = documents.FirstOrDefault(d => d.Name == SpecDocuments.ToolsYaml);
        ToolsManifest? manifest = tools.Text is null ? null : ToolsManifest.Parse(tools.Text);
        foreach (var (name, text) in documents.Where(d => d.Name.EndsWith(".md", StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var op in OperationBlockParser.Parse(text, name).Operations.Where(o => o.Strategy is not null))
            {
                foreach (var problem in Problems(op, manifest))
                {
                    yield return new SpecCheckError(name, new OperationBlockError(name, op.Line, "ops.operation_strategy_invalid", problem).ToString());
                }
            }
        }
    }

    private static IEnumerable<string> Problems(OperationDefinition op, ToolsManifest? manifest)
    {
        if (manifest is null)
        {
            yield return $"operation '{op.Name}' names strategy '{op.Strategy}', but the project has no tools.yaml";
            yield break;
        }

        if (!manifest.IsValid)
        {
            // tools.yaml reports its own errors; its strategies cannot be trusted until it parses.
            yield break;
        }

        if (manifest.FindStrategy(op.Strategy!) is not { } strategy)
        {
            yield return $"operation '{op.Name}' names strategy '{op.Strategy}', which tools.yaml does not declare" + (manifest.Strategies.Count > 0 ? $" (strategies: {string.Join(", ", manifest.Strategies.Select(s => s.Operation))})" : "");
            yield break;
        }

        var declared = op.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in op.StrategyContext.Values)
        {
            used.UnionWith(ArgumentTemplate.TryParse(value, out _)?.Placeholders ?? []);
        }

        if (strategy.Candidates.All(c => c.Command.Count == 0))
        {
            yield return $"operation '{op.Name}': no candidate of strategy '{strategy.Operation}' has a 'command' in tools.yaml, so there is nothing to run";
        }

        foreach (var candidate in strategy.Candidates.Where(c => c.Command.Count > 0))
        {
            foreach (var arg in candidate.Command)
            {
                if (ArgumentTemplate.TryParse(arg, out var error) is not { } template)
                {
                    yield return $"operation '{op.Name}': the command of {candidate.Tool} in strategy '{strategy.Operation}' has a bad argument '{arg}': {error}";
                    continue;
                }

                foreach (var p in template.Placeholders)
                {
                    used.Add(p);
                    if (!declared.Contains(p))
                    {
                        yield return $"operation '{op.Name}': placeholder '{{{p}}}' of {candidate.Tool}'s command in strategy '{strategy.Operation}' is not a declared parameter" + (declared.Count > 0 ? $" (declared: {string.Join(", ", declared)})" : "");
                    }
                }
            }
        }

        foreach (var p in declared.Where(p => !used.Contains(p)))
        {
            yield return $"operation '{op.Name}': parameter '{p}' is used by no command of strategy '{strategy.Operation}' nor by its context";
        }
    }
}
