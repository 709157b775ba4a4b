using System.Reflection;
using System.Reflection.Emit;
using Kse.Core;

namespace Kse.Core.Tests;

/// <summary>
/// Capability folders of Kse.Core (one namespace each: <c>Kse.Core.Policy</c>, <c>Kse.Core.Approvals</c>, ...) may depend on each
/// other only one way, and on the shared vocabulary in <c>Kse.Core</c> itself, which depends on no capability. Read from the
/// compiled assembly: every type's signatures, attributes and method bodies (compiler-made closures and state machines count for
/// the type that holds them).
/// </summary>
public sealed class CapabilityDependencyTests
{
    private const string Root = "Kse.Core";

    [Fact]
    public void CapabilityNamespaces_HaveNoCycles()
    {
        var edges = Edges(typeof(KseException).Assembly);

        var cycles = StronglyConnected(edges).Where(c => c.Count > 1).ToList();

        Assert.True(cycles.Count == 0, "capability folders depend on each other in a circle:\n" + string.Join("\n", cycles.Select(c => Describe(c, edges))));
    }

    [Fact]
    public void SharedVocabulary_DependsOnNoCapability()
    {
        var edges = Edges(typeof(KseException).Assembly);

        var fromRoot = edges.Where(e => e.Key.From == "").ToList();

        Assert.True(fromRoot.Count == 0, "the shared vocabulary (namespace Kse.Core) uses capabilities:\n" + string.Join("\n", fromRoot.Select(e => $"  -> {e.Key.To}: {e.Value}")));
    }

    [Fact]
    public void TheCheck_FindsACycle_WhenThereIsOne()
    {
        var edges = new Dictionary<(string From, string To), string>
        {
            [("Approvals", "Policy")] = "a",
            [("Policy", "Approvals")] = "b",
            [("Specs", "Policy")] = "c",
        };

        var cycle = Assert.Single(StronglyConnected(edges), c => c.Count > 1);

        Assert.Equal(["Approvals", "Policy"], cycle.Order());
    }

    /// <summary>Capability → capability (the first example type pair found), "" standing for the shared vocabulary.</summary>
    private static Dictionary<(string From, string To), string> Edges(Assembly assembly)
    {
        var edges = new Dictionary<(string, string), string>();
        foreach (var type in assembly.GetTypes())
        {
            var from = CapabilityOf(type);
            if (from is null)
            {
                continue;
            }

            foreach (var used in Referenced(type))
            {
                if (used.Assembly == assembly && CapabilityOf(used) is { } to && to != from && to != "")
                {
                    edges.TryAdd((from, to), $"{Outer(type).FullName} uses {Outer(used).FullName}");
                }
            }
        }

        return edges;
    }

    private static Type Outer(Type t)
    {
        while (t.DeclaringType is { } d)
        {
            t = d;
        }

        return t;
    }

    /// <summary>The capability of a type's namespace: "" for Kse.Core itself, null outside Kse.Core.</summary>
    private static string? CapabilityOf(Type type)
    {
        var ns = Outer(type).Namespace ?? "";
        if (ns == Root)
        {
            return "";
        }

        return ns.StartsWith(Root + ".", StringComparison.Ordinal) ? ns[(Root.Length + 1)..].Split('.')[0] : null;
    }

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> Referenced(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || !found.Add(t))
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
            }

            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var a in t.GetGenericArguments())
                {
                    Add(a);
                }

                Add(t.GetGenericTypeDefinition());
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }

        foreach (var a in type.GetCustomAttributesData())
        {
            Add(a.AttributeType);
        }

        foreach (var f in type.GetFields(All))
        {
            Add(f.FieldType);
        }

        foreach (var p in type.GetProperties(All))
        {
            Add(p.PropertyType);
        }

        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo mi)
            {
                Add(mi.ReturnType);
            }

            foreach (var p in m.GetParameters())
            {
                Add(p.ParameterType);
            }

            foreach (var t in BodyReferences(m))
            {
                Add(t);
            }
        }

        return found;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types a method body names: every token of its IL resolved to a type, member or signature.</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var module = method.Module;
        var typeArgs = method.DeclaringType is { IsGenericType: true } dt ? dt.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[i + 1]));
                i += 2;
            }
            else
            {
                i++;
            }

            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    var n = BitConverter.ToInt32(il, i);
                    i += 4 + (4 * n);
                    break;
                case OperandType.InlineType or OperandType.InlineTok or OperandType.InlineMethod or OperandType.InlineField:
                    var token = BitConverter.ToInt32(il, i);
                    i += 4;
                    MemberInfo? member = null;
                    try
                    {
                        member = module.ResolveMember(token, typeArgs, methodArgs);
                    }
                    catch (ArgumentException)
                    {
                    }

                    switch (member)
                    {
                        case Type t:
                            yield return t;
                            break;
                        case FieldInfo f:
                            yield return f.DeclaringType!;
                            yield return f.FieldType;
                            break;
                        case MethodBase m:
                            yield return m.DeclaringType!;
                            if (m is MethodInfo mi)
                            {
                                yield return mi.ReturnType;
                                foreach (var g in mi.IsGenericMethod ? mi.GetGenericArguments() : [])
                                {
                                    yield return g;
                                }
                            }

                            break;
                    }

                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }

    /// <summary>Tarjan's strongly connected components of the capability graph.</summary>
    private static List<List<string>> StronglyConnected(IReadOnlyDictionary<(string From, string To), string> edges)
    {
        var nodes = edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct().Order(StringComparer.Ordinal).ToList();
        var next = nodes.ToDictionary(n => n, n => edges.Keys.Where(e => e.From == n).Select(e => e.To).Order(StringComparer.Ordinal).ToList());
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<List<string>>();

        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in next[v])
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                result.Add(component);
            }
        }

        foreach (var n in nodes.Where(n => !index.ContainsKey(n)))
        {
            Visit(n);
        }

        return result;
    }

    private static string Describe(List<string> cycle, IReadOnlyDictionary<(string From, string To), string> edges) =>
        $"  {string.Join(", ", cycle.Order(StringComparer.Ordinal))}:\n" + string.Join("\n", edges.Where(e => cycle.Contains(e.Key.From) && cycle.Contains(e.Key.To)).Select(e => $"    {e.Key.From} -> {e.Key.To} ({e.Value})"));
}
