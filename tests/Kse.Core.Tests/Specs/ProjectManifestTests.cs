using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Core.Tests.Specs;

public sealed class ProjectManifestTests
{
    [Fact]
    public void ToYaml_RoundTrips_WithInstances()
    {
        var m = new ProjectManifest
        {
            Name = "billing",
            SystemType = SystemType.Existing,
            Environments = [EnvironmentKind.Test, EnvironmentKind.Production],
            Instances = [new ProjectInstance { Id = "prod-1", Environment = EnvironmentKind.Production, Host = "deploy@prod-1", Version = "2.3.1" }],
        };
        var back = ProjectManifest.Parse("billing", m.ToYaml());
        Assert.Equal(SystemType.Existing, back.SystemType);
        Assert.Equal(m.Environments, back.Environments);
        Assert.Equal(m.Instances, back.Instances);
    }

    [Theory]
    [InlineData("systemType: alien\n", "unknown system type")]
    [InlineData("environments: [prod-eu]\n", "unknown environment")]
    [InlineData("instances:\n  - id: ../x\n    environment: test\n    host: local\n", "instance id")]
    [InlineData("instances:\n  - id: a\n    environment: test\n", "has no host")]
    [InlineData("name: [unclosed\n", "project.yaml:")]
    public void Parse_BadInput_NamesTheProblemAndPosition(string yaml, string expected)
    {
        var ex = Assert.Throws<KseException>(() => ProjectManifest.Parse("billing", yaml));
        Assert.Equal("spec.project_yaml_invalid", ex.Code);
        Assert.Contains(expected, ex.Message);
        Assert.Matches(@"project\.yaml:\d+:\d+", ex.Message);
    }
}
