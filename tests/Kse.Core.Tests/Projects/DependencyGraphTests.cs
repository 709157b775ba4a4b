using Kse.Core.Projects;
using Kse.TestKit;

namespace Kse.Core.Tests.Projects;

public sealed class DependencyGraphTests
{
    private static DependencyGraph Graph(string yaml)
    {
        var file = DependencyFile.Parse(yaml);
        Assert.Empty(file.Problems);
        return new DependencyGraph(file);
    }

    [Fact]
    public void Dependents_Direct_AreTheConsumers_AndTransitive_FollowsConsumersOfConsumers()
    {
        var graph = Graph(ChangeFixtures.Dependencies);
        Assert.Equal(["ledger", "reports"], graph.Dependents("billing", transitive: false).Select(d => d.Project));
        var all = graph.Dependents("billing", transitive: true);
        Assert.Equal(["ledger", "reports", "web"], all.Select(d => d.Project));
        var web = all.Single(d => d.Project == "web");
        Assert.False(web.Direct);
        Assert.Equal(["billing", "reports", "web"], web.Path);
        Assert.Contains("api:billing-api >=2.0 <3", all.Single(d => d.Project == "ledger").Consumes);
    }

    [Fact]
    public void Dependents_OfAnUndeclaredProject_IsNotFound()
    {
        var ex = Assert.Throws<KseException>(() => Graph(ChangeFixtures.Dependencies).Dependents("payments", false));
        Assert.Equal((KseErrorKind.NotFound, "graph.project_unknown"), (ex.Kind, ex.Code));
    }

    private const string Cyclic = """
        version: 1
        projects:
          - name: a
            provides: [{ api: a-api }]
            consumes: [{ project: c, api: c-api }]
          - name: b
            provides: [{ api: b-api }]
            consumes: [{ project: a, api: a-api }]
          - name: c
            provides: [{ api: c-api }]
            consumes: [{ project: b, api: b-api }]
          - name: d
            consumes: [{ project: a, api: a-api }]
        """;

    [Fact]
    public void Cycles_AreFound_AsAClosedPath()
    {
        var cycle = Assert.Single(Graph(Cyclic).Cycles());
        Assert.Equal(["a", "c", "b", "a"], cycle);
    }

    [Fact]
    public void Check_ReportsCycle_UnknownProject_UnknownResource_AndUnsatisfiedVersion()
    {
        const string yaml = """
            version: 1
            projects:
              - name: a
                provides: [{ api: a-api, version: 1.4.0 }]
                consumes: [{ project: b, api: b-api }]
              - name: b
                provides: [{ api: b-api }]
                consumes:
                  - { project: a, api: a-api, version: ^2.0 }
                  - { project: ghost, api: x }
                  - { project: a, queue: not-provided }
            """;
        var report = Graph(yaml).Check();
        Assert.False(report.Valid);
        var kinds = report.Problems.Select(p => p.Kind).ToList();
        Assert.Contains("cycle", kinds);
        Assert.Contains("unknown-project", kinds);
        Assert.Contains("unknown-resource", kinds);
        var version = report.Problems.Single(p => p.Kind == "version-unsatisfied");
        Assert.Contains("^2.0", version.Message);
        Assert.Contains("1.4.0", version.Message);
        Assert.Equal(9, version.Line);
    }

    [Fact]
    public void Check_OfTheFixture_IsValid()
    {
        Assert.True(Graph(ChangeFixtures.Dependencies).Check().Valid);
    }

    [Fact]
    public void Parse_ReportsSchemaProblems_WithLineAndColumn()
    {
        const string yaml = """
            version: 1
            projects:
              - name: Billing
              - name: ledger
                provdes: []
                consumes:
                  - project: billing
                    api: billing-api
                    database: billing-db
                  - project: billing
                    api: billing-api
                    version: ">> 2"
            """;
        var problems = DependencyFile.Parse(yaml, "deps.yaml").Problems;
        Assert.Contains(problems, p => p.Line == 3 && p.Message.Contains("must match", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Line == 5 && p.Column == 5 && p.Message.Contains("unknown key 'provdes'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Line == 7 && p.Message.Contains("exactly one of api, database, queue", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Line == 12 && p.Message.Contains("version range", StringComparison.Ordinal));
        Assert.All(problems, p => Assert.Equal("deps.yaml", p.File));
    }

    [Fact]
    public void Parse_BrokenYaml_IsOneProblemWithItsPosition()
    {
        var problem = Assert.Single(DependencyFile.Parse("projects:\n  - name: [unclosed\n").Problems);
        Assert.Equal("schema", problem.Kind);
        Assert.NotNull(problem.Line);
    }

    [Fact]
    public void ProviderFirstLayers_OrderProvidersBeforeConsumers_AndPutACycleInOneLayerWithoutLooping()
    {
        var graph = Graph(ChangeFixtures.Dependencies);
        var (layers, cycles) = graph.ProviderFirstLayers(["web", "reports", "ledger", "billing"]);
        Assert.Equal([["billing"], ["ledger"], ["reports"], ["web"]], layers.Select(l => l.ToArray()).ToArray());
        Assert.Empty(cycles);

        var cyclic = Graph(Cyclic);
        var (cl, cc) = cyclic.ProviderFirstLayers(["a", "b", "c", "d"]);
        Assert.Equal([["a", "b", "c"], ["d"]], cl.Select(l => l.ToArray()).ToArray());
        Assert.Single(cc);
    }

    [Fact]
    public void ProjectOf_MapsFilesByLongestPath_AndSpecsFolders()
    {
        var graph = Graph(ChangeFixtures.Dependencies);
        Assert.Equal("billing", graph.ProjectOf("services/billing/db/migrations/V1__init.sql"));
        Assert.Equal("web", graph.ProjectOf(".sce/specs/web/operations/deployment.md"));
        Assert.Null(graph.ProjectOf("services/billing-old/x.cs"));
    }

    [Theory]
    [InlineData(">=2.0 <3", "2.3.0", true)]
    [InlineData(">=2.0 <3", "3.0.0", false)]
    [InlineData("^1.2", "1.9.4", true)]
    [InlineData("^1.2", "2.0.0", false)]
    [InlineData("^0.9", "0.9.5", true)]
    [InlineData("^0.9", "0.10.0", false)]
    [InlineData("~1.2", "1.2.9", true)]
    [InlineData("~1.2", "1.3.0", false)]
    [InlineData("1.x", "1.7.0", true)]
    [InlineData("1.4.0", "1.4.0", true)]
    [InlineData("<1.0 || >=2.1", "2.2.0", true)]
    [InlineData("<1.0 || >=2.1", "1.5.0", false)]
    [InlineData(">= 1.2.0-beta", "1.2.0", true)]
    public void VersionRange_Satisfies(string range, string version, bool expected)
    {
        Assert.True(VersionRange.TryParse(range, out var r, out var error), error);
        Assert.True(SemanticVersion.TryParse(version, out var v));
        Assert.Equal(expected, r!.IsSatisfiedBy(v));
    }

    [Fact]
    public void Parse_AcceptsTheMappingShape_ProjectsByName_AndGroupedProvides()
    {
        const string yaml = """
            projects:
              billing:
                provides:
                  apis:
                    - { name: billing-api, version: "2.3.0", protocol: http }
                  databases: [billing]
                  queues: [invoices.render]
              storefront:
                consumes:
                  - { project: billing, api: billing-api, version: "^2.0" }
              broken:
                provides:
                  caches: [x]
            """;
        var file = DependencyFile.Parse(yaml);
        var problem = Assert.Single(file.Problems);
        Assert.Equal((13, 7), (problem.Line, problem.Column));
        var graph = new DependencyGraph(file);
        Assert.Equal(["api billing-api 2.3.0", "database billing ", "queue invoices.render "], graph.Get("billing").Provides.Select(r => $"{DependencyFile.KindName(r.Kind)} {r.Name} {r.Version}"));
        Assert.Equal(["storefront"], graph.Dependents("billing", false).Select(d => d.Project));
        Assert.DoesNotContain(graph.Check().Problems, p => p.Kind != "schema");
    }
}
