using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kse.Core.Approvals;
using Kse.Core.Policy;

namespace Kse.Core.Tests.Approvals;

public sealed record BindingCase(string Tool, Dictionary<string, string> Args, string Project, string? Environment, string? Instance, string Requester, string Reason, RiskClass Risk)
{
    public string ArgsJson(bool reversed)
    {
        var o = new JsonObject();
        foreach (var (k, v) in reversed ? Args.Reverse() : Args)
        {
            o[k] = v;
        }

        return o.ToJsonString();
    }

    public string Binding(bool reversed = false) =>
        ApprovalBinding.Compute(Tool, ApprovalBinding.CanonicalArguments(ArgsJson(reversed)), Project, Environment, Instance, Requester, Reason, Risk);
}

public static class BindingArbitraries
{
    private static readonly Gen<string> Word = Gen.Elements("a", "b", "web-1", "prod", "2.3", "x y", "ü", "\"q\"", "", "restart", "Ä∂");

    public static Arbitrary<BindingCase> Case() =>
        (from tool in Gen.Elements("ops_run", "probe", "deploy")
         from keys in Gen.SubListOf("version", "instance", "force", "z", "A", "a")
         from values in Gen.ArrayOf(Word, keys.Count)
         from project in Gen.Elements("shop", "web")
         from env in Gen.Elements<string?>("production", "test", null)
         from instance in Gen.Elements<string?>("web-1", null)
         from requester in Gen.Elements("ai:claude", "ai:other", "user:bob")
         from reason in Word
         from risk in Gen.Elements(RiskClass.Normal, RiskClass.Critical)
         select new BindingCase(tool, keys.Select((k, i) => (k, values[i])).ToDictionary(p => p.k, p => p.Item2), project, env, instance, requester, reason, risk))
        .ToArbitrary();
}

[Properties(Arbitrary = [typeof(BindingArbitraries)], MaxTest = 300)]
public sealed class ApprovalBindingPropertyTests
{
    [Property]
    public bool KeyOrder_DoesNotChangeTheBinding(BindingCase c) => c.Binding() == c.Binding(reversed: true);

    [Property]
    public bool AnyChangedField_ChangesTheBinding(BindingCase c)
    {
        var b = c.Binding();
        var changedArgs = new Dictionary<string, string>(c.Args) { ["version"] = (c.Args.GetValueOrDefault("version") ?? "") + "1" };
        return b != (c with { Tool = c.Tool + "x" }).Binding()
            && b != (c with { Args = changedArgs }).Binding()
            && b != (c with { Project = c.Project + "x" }).Binding()
            && b != (c with { Environment = c.Environment is null ? "test" : null }).Binding()
            && b != (c with { Instance = c.Instance is null ? "web-2" : null }).Binding()
            && b != (c with { Requester = c.Requester + "x" }).Binding()
            && b != (c with { Reason = c.Reason + "x" }).Binding()
            && b != (c with { Risk = c.Risk == RiskClass.Normal ? RiskClass.Critical : RiskClass.Normal }).Binding();
    }

    [Property]
    public bool CanonicalArguments_AreAFixedPoint(BindingCase c)
    {
        var once = ApprovalBinding.CanonicalArguments(c.ArgsJson(reversed: true));
        return ApprovalBinding.CanonicalArguments(once) == once && JsonDocument.Parse(once).RootElement.EnumerateObject().Select(p => p.Name).SequenceEqual(c.Args.Keys.Order(StringComparer.Ordinal));
    }
}
