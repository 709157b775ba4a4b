using System.Globalization;
using System.Text.RegularExpressions;
using Kse.Core.Policy;
using Markdig;
using Markdig.Syntax;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kse.Core.Execution;

/// <summary>
/// Reads the fenced YAML blocks tagged <c>kse-operation</c> of an operations Markdown document into
/// <see cref="OperationDefinition"/>s. Every problem is reported with the document line it is on; a block with
/// problems yields no operation.
/// </summary>
public static partial class OperationBlockParser
{
    public const string FenceTag = "kse-operation";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(2);

    /// <summary>How long one pattern match may take; a pathological pattern fails instead of hanging a call.</summary>
    internal static readonly TimeSpan PatternMatchTimeout = TimeSpan.FromMilliseconds(200);

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().Build();

    private static readonly HashSet<string> KnownKeys =
        ["name", "description", "risk", "command", "strategy", "context", "parameters", "timeout", "idempotent", "verify", "rollback", "rollout"];

    /// <summary>The roles an operation may take in an orchestrated rollout (<c>rollout: deploy</c>).</summary>
    public static readonly IReadOnlyList<string> RolloutRoles = ["deploy", "migrate", "expand", "contract", "health-check"];

    /// <summary>The selection context a <c>strategy</c> operation may give (values may hold placeholders).</summary>
    public static readonly IReadOnlySet<string> ContextKeys = new HashSet<string>(StringComparer.Ordinal) { "dataSize", "network", "window", "cpu", "memory", "diskFree" };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex StrategyName();

    private static readonly HashSet<string> KnownParameterKeys =
        ["name", "type", "description", "pattern", "values", "min", "max", "default", "allowOptionLike"];

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex OperationName();

    [GeneratedRegex(@"^(\d+)\s*(ms|s|m|h)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Duration();

    internal static bool IsIdentifier(string name) => Identifier().IsMatch(name);

    public static OperationParseResult Parse(string markdown, string documentName)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var operations = new List<OperationDefinition>();
        var errors = new List<OperationBlockError>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        MarkdownDocument doc;
        try
        {
            doc = InputLimits.ParseMarkdown(markdown, Pipeline, "ops", documentName);
        }
        catch (KseException ex)
        {
            return new OperationParseResult([], [new OperationBlockError(documentName, 1, ex.Code, ex.Message)]);
        }

        foreach (var block in doc.Descendants<FencedCodeBlock>())
        {
            if (!string.Equals(block.Info?.Trim(), FenceTag, StringComparison.Ordinal))
            {
                continue;
            }

            var fenceLine = block.Line + 1;
            var yaml = string.Join('\n', block.Lines.Lines.Take(block.Lines.Count).Select(l => l.Slice.ToString()));
            var blockErrors = new List<OperationBlockError>();
            var op = ParseBlock(yaml, documentName, fenceLine, blockErrors);
            if (op is not null && seen.TryGetValue(op.Name, out var firstLine))
            {
                blockErrors.Add(new(documentName, fenceLine, "ops.operation_duplicate", $"operation '{op.Name}' is already declared at line {firstLine}"));
            }

            errors.AddRange(blockErrors);
            if (op is not null && blockErrors.Count == 0)
            {
                seen[op.Name] = fenceLine;
                operations.Add(op);
            }
        }

        return new OperationParseResult(operations, errors);
    }

    private static OperationDefinition? ParseBlock(string yaml, string document, int fenceLine, List<OperationBlockError> errors)
    {
        // YAML line n sits on document line fenceLine + n.
        void Error(int yamlLine, string code, string message) => errors.Add(new(document, fenceLine + Math.Max(1, yamlLine), code, message));
        void ErrorAt(YamlNode node, string code, string message) => Error((int)node.Start.Line, code, message);

        YamlStream stream;
        try
        {
            stream = InputLimits.LoadYaml(yaml, "ops.operation", $"{document}:{fenceLine} (kse-operation block)");
        }
        catch (YamlException ex)
        {
            Error((int)ex.Start.Line, "ops.operation_yaml_invalid", $"malformed YAML: {ex.InnerException?.Message ?? ex.Message}");
            return null;
        }
        catch (KseException ex)
        {
            Error(1, ex.Code, ex.Message);
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            Error(1, "ops.operation_yaml_invalid", "a kse-operation block must be a YAML mapping with name, risk and command");
            return null;
        }

        foreach (var key in root.Children.Keys)
        {
            if (key is YamlScalarNode { Value: { } k } && !KnownKeys.Contains(k))
            {
                ErrorAt(key, "ops.operation_key_unknown", $"unknown key '{k}' (known: {string.Join(", ", KnownKeys)})");
            }
        }

        YamlNode? Node(YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;

        string? Scalar(YamlMappingNode map, string key)
        {
            var n = Node(map, key);
            if (n is null)
            {
                return null;
            }

            if (n is YamlScalarNode s)
            {
                return s.Value;
            }

            ErrorAt(n, "ops.operation_yaml_invalid", $"'{key}' must be a single value");
            return null;
        }

        var name = Scalar(root, "name");
        if (string.IsNullOrWhiteSpace(name))
        {
            Error(1, "ops.operation_name_missing", "operation has no 'name'");
        }
        else if (!OperationName().IsMatch(name))
        {
            ErrorAt(Node(root, "name")!, "ops.operation_name_invalid", $"operation name '{name}' must match [a-z0-9][a-z0-9-]{{0,62}}");
        }

        RiskClass? risk = null;
        var riskText = Scalar(root, "risk");
        if (string.IsNullOrWhiteSpace(riskText))
        {
            Error(1, "ops.operation_risk_missing", $"operation '{name}' has no 'risk' (read, normal or critical)");
        }
        else
        {
            try
            {
                risk = PolicyNames.ParseRisk(riskText);
            }
            catch (KseException ex)
            {
                ErrorAt(Node(root, "risk")!, "ops.operation_risk_unknown", ex.Message);
            }
        }

        var declared = new HashSet<string>(StringComparer.Ordinal);
        var parameters = ParseParameters(Node(root, "parameters"), declared, ErrorAt);

        var command = new List<string>();
        var commandNode = Node(root, "command");
        var strategy = Scalar(root, "strategy")?.Trim();
        var strategyContext = new Dictionary<string, string>(StringComparer.Ordinal);
        if (strategy is not null)
        {
            if (commandNode is not null)
            {
                ErrorAt(commandNode, "ops.operation_command_invalid", "give 'command' or 'strategy', not both: a strategy's tools bring their own commands");
            }

            if (!StrategyName().IsMatch(strategy))
            {
                ErrorAt(Node(root, "strategy")!, "ops.operation_strategy_invalid", $"strategy '{strategy}' is not a strategy name of tools.yaml");
            }

            if (Node(root, "context") is { } contextNode)
            {
                if (contextNode is not YamlMappingNode contextMap)
                {
                    ErrorAt(contextNode, "ops.operation_context_invalid", $"'context' must map {string.Join(", ", ContextKeys)} to values (placeholders allowed)");
                }
                else
                {
                    foreach (var (key, value) in contextMap.Children)
                    {
                        var k = (key as YamlScalarNode)?.Value ?? "";
                        if (!ContextKeys.Contains(k))
                        {
                            ErrorAt(key, "ops.operation_context_invalid", $"unknown context '{k}' (known: {string.Join(", ", ContextKeys)})");
                            continue;
                        }

                        if (value is not YamlScalarNode { Value: { Length: > 0 } text } || ArgumentTemplate.TryParse(text, out _) is not { } template)
                        {
                            ErrorAt(value, "ops.operation_context_invalid", $"context '{k}' must be one value like 50GB, 2h or \"{{size}}\"");
                            continue;
                        }

                        foreach (var p in template.Placeholders.Where(p => !declared.Contains(p)))
                        {
                            ErrorAt(value, "ops.operation_placeholder_unknown", $"placeholder '{{{p}}}' is not a declared parameter" + (declared.Count > 0 ? $" (declared: {string.Join(", ", declared)})" : ""));
                        }

                        strategyContext[k] = text;
                    }
                }
            }
        }
        else if (Node(root, "context") is { } strayContext)
        {
            ErrorAt(strayContext, "ops.operation_context_invalid", "'context' belongs to an operation that names a 'strategy'");
        }

        if (strategy is not null)
        {
            // A strategy's tools bring their own commands: validation checks their placeholders against tools.yaml.
        }
        else if (commandNode is null)
        {
            Error(1, "ops.operation_command_missing", $"operation '{name}' has no 'command' (a list of arguments) or 'strategy' (a strategy of tools.yaml)");
        }
        else if (commandNode is not YamlSequenceNode args || args.Children.Count == 0)
        {
            ErrorAt(commandNode, "ops.operation_command_invalid", "'command' must be a non-empty list of arguments, e.g. [systemctl, restart, \"{service}\"]; it never runs through a shell");
        }
        else
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var arg in args)
            {
                if (arg is not YamlScalarNode { Value: { } text })
                {
                    ErrorAt(arg, "ops.operation_command_invalid", "each command argument must be a single value");
                    continue;
                }

                var template = ArgumentTemplate.TryParse(text, out var err);
                if (template is null)
                {
                    ErrorAt(arg, "ops.operation_placeholder_invalid", err!);
                    continue;
                }

                foreach (var p in template.Placeholders)
                {
                    used.Add(p);
                    if (!declared.Contains(p))
                    {
                        ErrorAt(arg, "ops.operation_placeholder_unknown", $"placeholder '{{{p}}}' is not a declared parameter" + (declared.Count > 0 ? $" (declared: {string.Join(", ", declared)})" : ""));
                    }
                }

                command.Add(text);
            }

            if (command.Count > 0 && command[0].Contains('{', StringComparison.Ordinal))
            {
                ErrorAt(args.Children[0], "ops.operation_command_invalid", "the program (first argument) must be literal, not a placeholder");
            }

            foreach (var p in declared.Where(p => !used.Contains(p)))
            {
                Error(1, "ops.operation_parameter_unused", $"parameter '{p}' is declared but not used in 'command'");
            }
        }

        var timeout = DefaultTimeout;
        if (Scalar(root, "timeout") is { } timeoutText)
        {
            if (TryParseDuration(timeoutText, out var t) && t > TimeSpan.Zero && t <= MaxTimeout)
            {
                timeout = t;
            }
            else
            {
                ErrorAt(Node(root, "timeout")!, "ops.operation_timeout_invalid", $"timeout '{timeoutText}' must be a duration like 30s, 5m or 1h, at most {MaxTimeout.TotalHours:0}h");
            }
        }

        var idempotent = false;
        if (Scalar(root, "idempotent") is { } idemText && !TryParseBool(idemText, out idempotent))
        {
            ErrorAt(Node(root, "idempotent")!, "ops.operation_yaml_invalid", $"idempotent must be true or false, not '{idemText}'");
        }

        string? Reference(string key)
        {
            var value = Scalar(root, key);
            if (value is not null && !OperationName().IsMatch(value))
            {
                ErrorAt(Node(root, key)!, "ops.operation_reference_invalid", $"{key} '{value}' is not an operation name");
                return null;
            }

            if (value is not null && value == name)
            {
                ErrorAt(Node(root, key)!, "ops.operation_reference_invalid", $"operation '{name}' cannot be its own {key}");
                return null;
            }

            return value;
        }

        var verify = Reference("verify");
        var rollback = Reference("rollback");
        var rolloutRole = Scalar(root, "rollout")?.Trim();
        if (rolloutRole is not null && !RolloutRoles.Contains(rolloutRole, StringComparer.Ordinal))
        {
            ErrorAt(Node(root, "rollout")!, "ops.operation_rollout_invalid", $"rollout '{rolloutRole}' is not a rollout role ({string.Join(", ", RolloutRoles)})");
        }

        if (errors.Count > 0 || name is null || risk is null)
        {
            return null;
        }

        return new OperationDefinition
        {
            Name = name,
            Description = Scalar(root, "description")?.Trim(),
            Risk = risk.Value,
            Command = command,
            Strategy = strategy,
            StrategyContext = strategyContext,
            Parameters = parameters,
            Timeout = timeout,
            Idempotent = idempotent,
            Verify = verify,
            Rollback = rollback,
            RolloutRole = rolloutRole,
            Document = document,
            Line = fenceLine,
        };
    }

    private static List<OperationParameter> ParseParameters(YamlNode? node, HashSet<string> names, Action<YamlNode, string, string> errorAt)
    {
        var result = new List<OperationParameter>();
        if (node is null || node is YamlScalarNode { Value: null or "" })
        {
            return result;
        }

        // Either a mapping name -> spec, or a list of specs that each carry a name.
        IEnumerable<(string? Name, YamlNode At, YamlNode Spec)> items = node switch
        {
            YamlMappingNode map => map.Children.Select(kv => ((kv.Key as YamlScalarNode)?.Value, (YamlNode)kv.Key, kv.Value)),
            YamlSequenceNode seq => seq.Children.Select(s => (s is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode("name"), out var n) ? (n as YamlScalarNode)?.Value : null, s, s)),
            _ => [],
        };
        if (node is not YamlMappingNode and not YamlSequenceNode)
        {
            errorAt(node, "ops.operation_parameters_invalid", "'parameters' must map each parameter name to its type and pattern or values");
            return result;
        }

        foreach (var (name, at, spec) in items)
        {
            if (name is null || !IsIdentifier(name))
            {
                errorAt(at, "ops.operation_parameter_invalid", $"parameter name '{name}' must be an identifier (letters, digits, _ and -)");
                continue;
            }

            if (!names.Add(name))
            {
                errorAt(at, "ops.operation_parameter_invalid", $"parameter '{name}' is declared twice");
                continue;
            }

            if (spec is not YamlMappingNode m)
            {
                errorAt(spec, "ops.operation_parameter_invalid", $"parameter '{name}' needs a mapping with 'type' and 'pattern' or 'values'");
                continue;
            }

            var p = ParseParameter(name, m, errorAt);
            if (p is not null)
            {
                result.Add(p);
            }
        }

        return result;
    }

    private static OperationParameter? ParseParameter(string name, YamlMappingNode m, Action<YamlNode, string, string> errorAt)
    {
        var ok = true;
        void Fail(YamlNode at, string code, string message)
        {
            ok = false;
            errorAt(at, code, message);
        }

        foreach (var key in m.Children.Keys)
        {
            if (key is YamlScalarNode { Value: { } k } && !KnownParameterKeys.Contains(k))
            {
                Fail(key, "ops.operation_parameter_invalid", $"parameter '{name}': unknown key '{k}' (known: {string.Join(", ", KnownParameterKeys)})");
            }
        }

        YamlNode? Node(string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;
        string? Scalar(string key) => Node(key) as YamlScalarNode is { } s ? s.Value : null;

        ParameterType? type = Scalar("type")?.Trim().ToLowerInvariant() switch
        {
            "string" => ParameterType.String,
            "int" or "integer" => ParameterType.Int,
            "bool" or "boolean" => ParameterType.Bool,
            "enum" => ParameterType.Enum,
            _ => null,
        };
        if (type is null)
        {
            Fail(Node("type") ?? m, "ops.operation_parameter_type_unknown", $"parameter '{name}': type '{Scalar("type")}' must be string, int, bool or enum");
            return null;
        }

        string? pattern = Scalar("pattern");
        Regex? compiled = null;
        if (pattern is not null)
        {
            if (type is not ParameterType.String and not ParameterType.Int)
            {
                Fail(Node("pattern")!, "ops.operation_parameter_invalid", $"parameter '{name}': 'pattern' applies to string and int parameters only");
            }
            else
            {
                try
                {
                    compiled = new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant, PatternMatchTimeout);
                }
                catch (ArgumentException ex)
                {
                    Fail(Node("pattern")!, "ops.operation_pattern_invalid", $"parameter '{name}': bad pattern '{pattern}': {ex.Message}");
                }
            }
        }
        else if (type == ParameterType.String)
        {
            Fail(Node("type")!, "ops.operation_pattern_missing", $"parameter '{name}': a string parameter needs a 'pattern' (or use type enum with 'values')");
        }

        List<string>? values = null;
        if (Node("values") is { } valuesNode)
        {
            if (type != ParameterType.Enum)
            {
                Fail(valuesNode, "ops.operation_parameter_invalid", $"parameter '{name}': 'values' applies to enum parameters only");
            }
            else if (valuesNode is not YamlSequenceNode seq || seq.Children.Count == 0 || seq.Children.Any(c => c is not YamlScalarNode { Value: not null }))
            {
                Fail(valuesNode, "ops.operation_parameter_invalid", $"parameter '{name}': 'values' must be a non-empty list of values");
            }
            else
            {
                values = seq.Children.Select(c => ((YamlScalarNode)c).Value!).ToList();
            }
        }
        else if (type == ParameterType.Enum)
        {
            Fail(Node("type")!, "ops.operation_values_missing", $"parameter '{name}': an enum parameter needs 'values'");
        }

        long? Bound(string key)
        {
            var text = Scalar(key);
            if (text is null)
            {
                return null;
            }

            if (type != ParameterType.Int || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            {
                Fail(Node(key)!, "ops.operation_parameter_invalid", $"parameter '{name}': '{key}' applies to int parameters and must be a whole number");
                return null;
            }

            return v;
        }

        var min = Bound("min");
        var max = Bound("max");
        var allowOptionLike = false;
        if (Scalar("allowOptionLike") is { } allowText && !TryParseBool(allowText, out allowOptionLike))
        {
            Fail(Node("allowOptionLike")!, "ops.operation_parameter_invalid", $"parameter '{name}': allowOptionLike must be true or false, not '{allowText}'");
        }

        var parameter = new OperationParameter
        {
            Name = name,
            Type = type.Value,
            Description = Scalar("description"),
            Pattern = pattern,
            Values = values,
            Min = min,
            Max = max,
            AllowOptionLike = allowOptionLike,
            CompiledPattern = compiled,
        };

        if (Scalar("default") is { } def && ok)
        {
            var problem = ParameterValues.Check(parameter, def);
            if (problem is not null)
            {
                Fail(Node("default")!, "ops.operation_parameter_invalid", $"parameter '{name}': default {problem}");
            }

            parameter = parameter with { Default = ParameterValues.Normalize(parameter, def) };
        }

        return ok ? parameter : null;
    }

    internal static bool TryParseDuration(string text, out TimeSpan value)
    {
        var m = Duration().Match(text.Trim());
        if (!m.Success || !long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 1_000_000_000)
        {
            value = default;
            return false;
        }

        value = m.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromSeconds(n),
        };
        return true;
    }

    internal static bool TryParseBool(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "yes":
                value = true;
                return true;
            case "false" or "no":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}
