namespace Kse.Core.Execution;

/// <summary>
/// Keeps caller-given values from being read as options. A value substituted at the start of an argument that begins with
/// <c>-</c> would reach the program as an option (<c>ssh -oProxyCommand=...</c> runs a command, <c>sort --output=FILE</c>
/// writes a file), whatever the parameter's pattern meant to allow. Such a value is refused (<c>ops.parameter_option_like</c>)
/// unless a literal <c>--</c> argument comes before it or the parameter declares <c>allowOptionLike: true</c>.
/// </summary>
public static class OptionInjection
{
    /// <summary>Values a pattern is probed with to tell whether it lets an option through (for the validate warning).</summary>
    private static readonly string[] Probes = ["-", "-a", "-v", "-1", "--a", "--version", "-x1", "-oProxyCommand=touch", "--output=x", "-o", "-rf"];

    /// <summary>Throws <c>ops.parameter_option_like</c> when a resolved value would start an argument with <c>-</c> where options are still read.</summary>
    public static void Check(OperationDefinition operation, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (index, parameter) in OptionPositions(operation))
        {
            if (values.TryGetValue(parameter.Name, out var value) && value.StartsWith('-'))
            {
                throw KseException.BadInput(
                    "ops.parameter_option_like",
                    $"operation '{operation.Name}': the value '{value}' of '{parameter.Name}' starts with '-' and would be read by {operation.Command[0]} as an option (argument {index}); refused. " +
                    "If the operation really takes such values, its author declares 'allowOptionLike: true' on the parameter or puts a literal \"--\" before it in 'command'.");
            }
        }
    }

    /// <summary>
    /// The parameters of <paramref name="operation"/> that begin an argument where options are read (no <c>--</c> before it) and do not
    /// allow option-like values, with the argument's index.
    /// </summary>
    public static IEnumerable<(int Index, OperationParameter Parameter)> OptionPositions(OperationDefinition operation)
    {
        var declared = operation.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        for (var i = 1; i < operation.Command.Count; i++)
        {
            var arg = operation.Command[i];
            if (arg == "--")
            {
                // Every program following the convention reads what comes after '--' as operands.
                yield break;
            }

            if (ArgumentTemplate.TryParse(arg, out _) is { Segments: [{ IsPlaceholder: true } first, ..] }
                && declared.TryGetValue(first.Text, out var parameter)
                && parameter.Type is ParameterType.String or ParameterType.Int
                && !parameter.AllowOptionLike)
            {
                yield return (i, parameter);
            }
        }
    }

    /// <summary>
    /// The <c>ops.operation_option_injectable</c> warnings of one operation: parameters in an option position whose declaration
    /// accepts a leading <c>-</c> (a string pattern that does, an int without a non-negative minimum). Those values are refused at run time. Enum and bool
    /// values are the author's own words and are not checked.
    /// </summary>
    public static IEnumerable<string> Warnings(OperationDefinition operation)
    {
        foreach (var (index, p) in OptionPositions(operation).DistinctBy(x => x.Parameter.Name))
        {
            var accepts = p.Type switch
            {
                ParameterType.String => Probes.FirstOrDefault(probe => ParameterValues.Check(p, probe) is null),
                ParameterType.Int => p.Min is null or < 0 ? "-1" : null,
                _ => null,
            };
            if (accepts is not null)
            {
                yield return $"{operation.Document}:{operation.Line}: ops.operation_option_injectable: operation '{operation.Name}': parameter '{p.Name}' accepts values starting with '-' (e.g. '{accepts}') at the start of argument {index}, where {operation.Command[0]} reads options; such values are refused at run time. Tighten its pattern, put \"--\" before it in 'command', or declare 'allowOptionLike: true' if the program must receive them.";
            }
        }
    }
}
