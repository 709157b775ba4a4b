using Kse.Core;
using Kse.Core.Execution;
using Kse.Core.Policy;

namespace Kse.Core.Tests.Execution;

public sealed class OperationBlockParserTests
{
    private const string Restart = """
        # Operations

        Some prose.

        ```kse-operation
        name: restart-service
        description: Restart one service and wait for it.
        risk: normal
        command: [systemctl, restart, "{service}.service"]
        parameters:
          service:
            type: enum
            values: [web, worker]
        timeout: 30s
        idempotent: true
        verify: health-check
        rollback: restore-backup
        ```

        ```yaml
        name: not-an-operation
        ```

        ```kse-operation
        name: health-check
        risk: read
        command: [curl, -fsS, "http://localhost:{port}/health"]
        parameters:
          port: { type: int, min: 1, max: 65535, default: "8080" }
        ```
        """;

    [Fact]
    public void Parse_ReadsOperations_FromTaggedBlocksOnly()
    {
        var result = OperationBlockParser.Parse(Restart, "operations.md");

        Assert.Empty(result.Errors);
        Assert.Equal(["restart-service", "health-check"], result.Operations.Select(o => o.Name));
        var restart = result.Operations[0];
        Assert.Equal(RiskClass.Normal, restart.Risk);
        Assert.Equal(["systemctl", "restart", "{service}.service"], restart.Command);
        Assert.Equal(TimeSpan.FromSeconds(30), restart.Timeout);
        Assert.True(restart.Idempotent);
        Assert.Equal("health-check", restart.Verify);
        Assert.Equal("restore-backup", restart.Rollback);
        Assert.Equal(5, restart.Line);
        Assert.Equal(["web", "worker"], restart.Parameters.Single().Values);
        var health = result.Operations[1];
        Assert.Equal("8080", health.Parameters.Single().Default);
        Assert.False(health.Idempotent);
        Assert.Equal(OperationBlockParser.DefaultTimeout, health.Timeout);
    }

    [Fact]
    public void Parse_ReportsUnknownPlaceholder_WithItsLine()
    {
        var md = "intro\n\n```kse-operation\nname: backup\nrisk: normal\ncommand:\n  - pg_dump\n  - \"{databse}\"\nparameters:\n  database: { type: string, pattern: \"[a-z]+\" }\n```\n";

        var result = OperationBlockParser.Parse(md, "operations.md");

        Assert.Empty(result.Operations);
        var error = Assert.Single(result.Errors, e => e.Code == "ops.operation_placeholder_unknown");
        Assert.Equal(8, error.Line);
        Assert.Contains("{databse}", error.Message);
        Assert.Contains(result.Errors, e => e.Code == "ops.operation_parameter_unused");
    }

    [Fact]
    public void Parse_ReportsMissingRisk()
    {
        var md = "```kse-operation\nname: backup\ncommand: [true]\n```\n";

        var result = OperationBlockParser.Parse(md, "operations.md");

        var error = Assert.Single(result.Errors);
        Assert.Equal("ops.operation_risk_missing", error.Code);
        Assert.Equal(2, error.Line);
        Assert.StartsWith("operations.md:2:", error.ToString());
    }

    [Fact]
    public void Parse_ReportsBadPattern_WithItsLine()
    {
        var md = "```kse-operation\nname: tail-log\nrisk: read\ncommand: [tail, \"{file}\"]\nparameters:\n  file:\n    type: string\n    pattern: \"[a-z(+\"\n```\n";

        var result = OperationBlockParser.Parse(md, "monitoring.md");

        var error = Assert.Single(result.Errors);
        Assert.Equal("ops.operation_pattern_invalid", error.Code);
        Assert.Equal(8, error.Line);
    }

    [Fact]
    public void Parse_ReportsMalformedYaml_WithItsLine()
    {
        var md = "# x\n```kse-operation\nname: a\nrisk: read\ncommand: [echo, \"unclosed\n```\n";

        var result = OperationBlockParser.Parse(md, "operations.md");

        var error = Assert.Single(result.Errors);
        Assert.Equal("ops.operation_yaml_invalid", error.Code);
        Assert.InRange(error.Line, 3, 6);
    }

    [Fact]
    public void Parse_RejectsStringParameterWithoutPattern_AndUnknownRisk()
    {
        var md = "```kse-operation\nname: a\nrisk: dangerous\ncommand: [echo, \"{x}\"]\nparameters:\n  x: { type: string }\n```\n";

        var result = OperationBlockParser.Parse(md, "operations.md");

        Assert.Contains(result.Errors, e => e.Code == "ops.operation_risk_unknown" && e.Line == 3);
        Assert.Contains(result.Errors, e => e.Code == "ops.operation_pattern_missing" && e.Line == 6);
    }

    [Fact]
    public void Parse_ReportsDuplicateNames_AndPlaceholderAsProgram()
    {
        var md = "```kse-operation\nname: a\nrisk: read\ncommand: [\"true\"]\n```\n\n```kse-operation\nname: b\nrisk: read\ncommand: [\"{p}\"]\nparameters:\n  p: { type: enum, values: [ls] }\n```\n```kse-operation\nname: a\nrisk: read\ncommand: [\"false\"]\n```\n";

        var result = OperationBlockParser.Parse(md, "operations.md");

        Assert.Single(result.Operations);
        Assert.Contains(result.Errors, e => e.Code == "ops.operation_command_invalid" && e.Line == 10);
        Assert.Contains(result.Errors, e => e.Code == "ops.operation_duplicate" && e.Line == 14);
    }

    [Fact]
    public void Resolve_RejectsInjectionAttempt_ByPattern()
    {
        var op = OperationBlockParser.Parse("```kse-operation\nname: a\nrisk: read\ncommand: [echo, \"{x}\"]\nparameters:\n  x: { type: string, pattern: \"[a-z0-9-]+\" }\n```\n", "o.md").Operations.Single();

        var ex = Assert.Throws<KseException>(() => ParameterValues.Resolve(op, new Dictionary<string, string?> { ["x"] = "x; rm -rf /" }));

        Assert.Equal("ops.parameter_invalid", ex.Code);
    }

    [Fact]
    public void Resolve_ChecksTypes_FillsDefaults_AndRejectsUnknownNames()
    {
        var op = OperationBlockParser.Parse(Restart, "operations.md").Operations[1];

        Assert.Equal("8080", ParameterValues.Resolve(op, null)["port"]);
        Assert.Equal("9", ParameterValues.Resolve(op, new Dictionary<string, string?> { ["port"] = "+9" })["port"]);
        Assert.Throws<KseException>(() => ParameterValues.Resolve(op, new Dictionary<string, string?> { ["port"] = "70000" }));
        Assert.Throws<KseException>(() => ParameterValues.Resolve(op, new Dictionary<string, string?> { ["port"] = "80; id" }));
        Assert.Throws<KseException>(() => ParameterValues.Resolve(op, new Dictionary<string, string?> { ["other"] = "1" }));
    }
}
