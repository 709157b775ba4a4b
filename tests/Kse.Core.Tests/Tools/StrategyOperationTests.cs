using Kse.Core.Audit;
using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.Core.Tools;
using Kse.TestKit;

namespace Kse.Core.Tests.Tools;

/// <summary>Operations that name a strategy: validation against tools.yaml, and planning that picks the tool for the instance.</summary>
public sealed class StrategyOperationTests
{
    // git is on every machine the tests run on; kse-missing-qz is on none.
    private const string Tools = """
        version: 1
        tools:
          - name: git
            purpose: Archive the repository
            command: git
            version: { command: [git, --version], pattern: 'git version (?<version>\d+(?:\.\d+)*)', requirement: ">={target.major}" }
            aiFriendliness: { cliOnly: true, clearExitCodes: true, nonInteractive: true, idempotent: true }
            performance: { dataSize: { max: 10GB }, throughput: 100MB/s }
          - name: bulk
            purpose: Archive large repositories
            command: kse-missing-qz
            version: { command: [kse-missing-qz, --version] }
            install: { apt: kse-missing-pkg, dnf: kse-missing-pkg, apk: kse-missing-pkg, brew: kse-missing-pkg }
            aiFriendliness: { cliOnly: true, clearExitCodes: true, nonInteractive: true, idempotent: true }
            performance: { dataSize: { min: 10GB }, throughput: 1GB/s }
        strategies:
          archive:
            candidates:
              - { tool: git, command: [git, archive, "--output=/tmp/{name}.tar", HEAD] }
              - { tool: bulk, command: [kse-missing-qz, "{name}"] }
          bulk-only:
            candidates:
              - { tool: bulk, command: [kse-missing-qz, "{name}"] }
        """;

    private const string Operations = """
        # Operations

        ```kse-operation
        name: archive
        risk: read
        strategy: archive
        context: { dataSize: "{size}" }
        parameters:
          name: { type: string, pattern: "^[a-z]{1,20}$" }
          size: { type: string, pattern: "^[0-9]{1,5}GB$", default: "5GB" }
        ```

        ```kse-operation
        name: bulk-archive
        risk: read
        strategy: bulk-only
        parameters:
          name: { type: string, pattern: "^[a-z]{1,20}$" }
        ```
        """;

    private sealed class NoTrail : IAuditTrail
    {
        public ValueTask<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new AuditEntry { Sequence = 1, Timestamp = DateTimeOffset.UnixEpoch, ActorKind = draft.Actor.Kind, ActorName = draft.Actor.Name, OperationType = draft.OperationType, PreviousHash = "", Hash = "" });
    }

    private static (TempWorkspace Ws, ExecutionPlanner Planner) Setup(string? instanceVersion = null, string operations = Operations)
    {
        var ws = new TempWorkspace();
        ws.Write(".sce/specs/repo/operations/tools.yaml", Tools);
        ws.Write(".sce/specs/repo/operations/operations.md", operations);
        new ProjectManifest
        {
            Name = "repo",
            Instances = [new ProjectInstance { Id = "dev-1", Environment = EnvironmentKind.Development, Host = "local", Version = instanceVersion }],
        }.Save(ws.Workspace);
        var options = new ExecutionOptions();
        var service = new ToolsService(ws.Workspace, new ToolProbe(new ProcessRunner(TimeProvider.System), new ExecutionPlanner(ws.Workspace, options)), new NoTrail());
        return (ws, new ExecutionPlanner(ws.Workspace, options, new StrategyResolver(ws.Workspace, () => service)));
    }

    private static ExecutionPlan Plan(ExecutionPlanner planner, string operation, params (string Key, string Value)[] values) =>
        planner.Plan("repo", operation, EnvironmentKind.Development, "dev-1", values.ToDictionary(v => v.Key, v => (string?)v.Value));

    [Fact]
    public void Plan_PicksTheToolForTheContext_AndRunsItsCommand()
    {
        var (ws, planner) = Setup();
        using var _ = ws;
        var plan = Plan(planner, "archive", ("name", "shop"));
        Assert.Equal(["git", "archive", "--output=/tmp/shop.tar", "HEAD"], plan.Command);
        Assert.Equal(plan.Command, plan.Argv);
        Assert.Equal("git", plan.Tool!.Tool);
        Assert.Equal("archive", plan.Tool.Strategy);
        Assert.StartsWith("git for 'archive' for dataSize 5 GB", plan.Tool.Rationale);
        Assert.Matches(@"^\d+\.\d+", plan.Tool.Version);
        Assert.Contains("bulk", plan.Tool.Ranking);
    }

    [Fact]
    public void Plan_WhenTheBestFitIsMissingOnTheInstance_TakesTheNextTool()
    {
        var (ws, planner) = Setup();
        using var _ = ws;
        var plan = Plan(planner, "archive", ("name", "shop"), ("size", "500GB"));
        Assert.Equal("git", plan.Tool!.Tool);
        Assert.Matches(@"bulk [0-9.]+ \(out\)", plan.Tool.Ranking);
        Assert.Contains("bulk is out: not installed on dev-1", plan.Tool.Rationale);
    }

    [Fact]
    public void Plan_RefusesAToolThatFailsItsVersionCheck_NamingBothVersions()
    {
        var (ws, planner) = Setup(instanceVersion: "99.1");
        using var _ = ws;
        var ex = Assert.Throws<KseException>(() => Plan(planner, "archive", ("name", "shop")));
        Assert.Equal("tools.incompatible", ex.Code);
        Assert.Equal(KseErrorKind.Refused, ex.Kind);
        Assert.Matches(@"git \d+\.\d+(\.\d+)? does not satisfy >=99 \(>=\{target\.major\} with the target at 99\.1\.0\)", ex.Message);
        Assert.Contains("target 99.1.0, instance", ex.Message);
    }

    [Fact]
    public void Plan_RefusesWhenEveryToolIsMissing_WithTheInstallCommand()
    {
        var (ws, planner) = Setup();
        using var _ = ws;
        var ex = Assert.Throws<KseException>(() => Plan(planner, "bulk-archive", ("name", "shop")));
        Assert.Equal("tools.missing", ex.Code);
        Assert.Contains("bulk: not installed on dev-1", ex.Message);
        if (File.Exists("/usr/bin/apt-get"))
        {
            Assert.Contains("apt-get install -y kse-missing-pkg", ex.Message);
        }
    }

    [Fact]
    public void Plan_WithoutToolSelection_SaysSo()
    {
        using var ws = new TempWorkspace();
        ws.Write(".sce/specs/repo/operations/operations.md", Operations);
        new ProjectManifest { Name = "repo", Instances = [new ProjectInstance { Id = "dev-1", Environment = EnvironmentKind.Development, Host = "local" }] }.Save(ws.Workspace);
        var ex = Assert.Throws<KseException>(() => new ExecutionPlanner(ws.Workspace, new ExecutionOptions()).Plan("repo", "archive", EnvironmentKind.Development, "dev-1", new Dictionary<string, string?> { ["name"] = "x" }));
        Assert.Equal("tools.strategy_unsupported", ex.Code);
    }

    [Theory]
    [InlineData("strategy: archive\ncommand: [git, status]\n", "give 'command' or 'strategy', not both")]
    [InlineData("command: [git, status]\ncontext: { dataSize: 5GB }\n", "'context' belongs to an operation that names a 'strategy'")]
    [InlineData("strategy: archive\ncontext: { colour: red }\n", "unknown context 'colour'")]
    [InlineData("strategy: archive\ncontext: { dataSize: \"{size}\" }\n", "placeholder '{size}' is not a declared parameter")]
    [InlineData("strategy: \"../x\"\n", "is not a strategy name")]
    public void Block_StrategyMistakes_AreNamedWithTheirLine(string body, string message)
    {
        var parsed = OperationBlockParser.Parse($"# Ops\n\n```kse-operation\nname: x\nrisk: read\n{body}```\n", "operations.md");
        Assert.Empty(parsed.Operations);
        Assert.Contains(parsed.Errors, e => e.Message.Contains(message, StringComparison.Ordinal) && e.Line > 3);
    }

    [Theory]
    [InlineData("strategy: nope\nparameters:\n  name: { type: string, pattern: \"^[a-z]+$\" }\n", "names strategy 'nope', which tools.yaml does not declare (strategies: archive, bulk-only)")]
    [InlineData("strategy: bulk-only\n", "placeholder '{name}' of bulk's command in strategy 'bulk-only' is not a declared parameter")]
    [InlineData("strategy: bulk-only\nparameters:\n  name: { type: string, pattern: \"^[a-z]+$\" }\n  extra: { type: string, pattern: \"^[a-z]+$\" }\n", "parameter 'extra' is used by no command of strategy 'bulk-only' nor by its context")]
    public void Validate_ChecksStrategyOperationsAgainstToolsYaml(string body, string message)
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "repo");
        var ops = ws.PathOf(".sce", "specs", "repo", "operations");
        File.WriteAllText(Path.Combine(ops, "tools.yaml"), Tools);
        File.AppendAllText(Path.Combine(ops, "operations.md"), $"\n```kse-operation\nname: x\nrisk: read\n{body}```\n");
        var report = new SpecService(ws.Workspace, new TemplateLibrary(), [new OperationBlockCheck(), new StrategyOperationCheck()]).Validate("repo");
        Assert.False(report.Valid);
        var error = Assert.Single(report.Documents.Single(d => d.Name == "operations.md").Errors);
        Assert.Matches(@"^operations\.md:\d+: ", error);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Validate_AcceptsTheTemplatesStrategiesUsedAsOperations()
    {
        using var ws = new TempWorkspace();
        SpecFixtures.CreateFilled(ws.Workspace, "shopdb");
        var ops = ws.PathOf(".sce", "specs", "shopdb", "operations");
        File.WriteAllText(Path.Combine(ops, "tools.yaml"), new TemplateLibrary().Render("tools.yaml", "shopdb").Replace("# kse:fill", "#", StringComparison.Ordinal));
        File.AppendAllText(Path.Combine(ops, "operations.md"), """

            ```kse-operation
            name: backup-db
            risk: normal
            strategy: postgres-backup
            context: { dataSize: "{size}", window: 2h }
            parameters:
              database: { type: string, pattern: "^[a-z][a-z0-9_]{0,62}$" }
              size: { type: string, pattern: "^[0-9]{1,5}(MB|GB|TB)$", default: "5GB" }
            ```
            """);
        var report = new SpecService(ws.Workspace, new TemplateLibrary(), [new OperationBlockCheck(), new StrategyOperationCheck()]).Validate("shopdb");
        Assert.True(report.Valid, string.Join("; ", report.Documents.SelectMany(d => d.Errors)));
    }
}
