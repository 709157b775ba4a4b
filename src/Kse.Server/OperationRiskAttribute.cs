using Kse.Core.Policy;

namespace Kse.Server;

/// <summary>
/// Declares a tool's risk class for the policy kernel. A tool without this attribute is denied at call time:
/// the kernel never guesses a risk.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class OperationRiskAttribute(RiskClass risk) : Attribute
{
    public RiskClass Risk { get; } = risk;
}
