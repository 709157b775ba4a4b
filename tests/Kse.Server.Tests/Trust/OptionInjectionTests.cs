using System.Text.Json;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Trust;

/// <summary>A value that looks like an option never reaches a program as one: through MCP, locally and over a real sshd.</summary>
public sealed class OptionInjectionTests
{
    // The pattern blocks shell metacharacters, as an author guarding against injection would write it; it still lets a leading '-' through.
    private static string Ops(string marker) => $$"""
        # Operations

        ```kse-operation
        name: reach
        risk: read
        command: [ssh, -F, none, -o, BatchMode=yes, "{host}", "true"]
        parameters:
          host: { type: string, pattern: "[^;|&$`]+" }
        ```

        ```kse-operation
        name: sorted
        risk: read
        command: [sort, "{file}"]
        parameters:
          file: { type: string, pattern: "[^;|&$`]+" }
        ```

        ```kse-operation
        name: sorted-operand
        risk: read
        command: [sort, --, "{file}"]
        parameters:
          file: { type: string, pattern: "[^;|&$`]+" }
        ```

        ```kse-operation
        name: echo-flag
        risk: read
        command: [echo, "{flag}"]
        parameters:
          flag: { type: string, pattern: "-[a-z]", allowOptionLike: true }
        ```
        """;

    private static TempWorkspace Seed(string? sshDestination = null)
    {
        var ws = new TempWorkspace();
        ws.Write(".sce/specs/shop/operations/operations.md", Ops(ws.PathOf("marker")));
        new ProjectManifest
        {
            Name = "shop",
            Instances =
            [
                new ProjectInstance { Id = "dev-1", Environment = EnvironmentKind.Development, Host = "local" },
                .. sshDestination is null ? Array.Empty<ProjectInstance>() : [new ProjectInstance { Id = "prod-ssh", Environment = EnvironmentKind.Production, Host = sshDestination }],
            ],
        }.Save(ws.Workspace);
        return ws;
    }

    private static Dictionary<string, object?> Run(string operation, string environment, string instance, string name, string value) => new()
    {
        ["project"] = "shop", ["operation"] = operation, ["environment"] = environment, ["instance"] = instance,
        ["parameters"] = new Dictionary<string, string> { [name] = value },
    };

    [Fact]
    public async Task ProxyCommandValue_ThroughMcp_IsRefused_Audited_AndRunsNothing()
    {
        using var ws = Seed();
        var marker = ws.PathOf("marker");
        await using var mcp = await McpTestServer.StartAsync(ws);

        var result = await mcp.Client.CallToolAsync("ops_run", Run("reach", "development", "dev-1", "host", $"-oProxyCommand=touch {marker}"));

        Assert.True(result.IsError);
        Assert.Contains("ops.parameter_option_like", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        Assert.False(File.Exists(marker));
        var denied = (await mcp.Get<IAuditReader>().QueryAsync(new AuditQuery { OperationType = "ops.run" })).Last();
        Assert.Equal("deny", denied.Decision);
        Assert.Contains(denied.Rules!, r => r.StartsWith("ops.parameter_option_like", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OutputOptionValue_ThroughMcp_WritesNoFile()
    {
        using var ws = Seed();
        var marker = ws.PathOf("marker");
        await using var mcp = await McpTestServer.StartAsync(ws);

        var result = await mcp.Client.CallToolAsync("ops_run", Run("sorted", "development", "dev-1", "file", $"--output={marker}"));

        Assert.True(result.IsError);
        Assert.Contains("ops.parameter_option_like", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task OptionLikeValue_IsAnOperand_AfterALiteralDoubleDash_AndAllowedWhenDeclared()
    {
        using var ws = Seed();
        var marker = ws.PathOf("marker");
        await using var mcp = await McpTestServer.StartAsync(ws);

        var operand = await mcp.Client.CallToolAsync("ops_run", Run("sorted-operand", "development", "dev-1", "file", $"--output={marker}"));
        var s = JsonSerializer.SerializeToElement(operand.StructuredContent);
        Assert.Equal("failed", s.GetProperty("status").GetString()); // sort looked for a file named '--output=...'
        Assert.False(File.Exists(marker));

        var declared = await mcp.Client.CallToolAsync("ops_run", Run("echo-flag", "development", "dev-1", "flag", "-n"));
        Assert.NotEqual(true, declared.IsError);
        Assert.Equal("succeeded", JsonSerializer.SerializeToElement(declared.StructuredContent).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ProxyCommandValue_ForAnSshInstance_IsRefused_BeforeSshStarts()
    {
        await using var ssh = await SshServer.StartAsync();
        using var ws = Seed(ssh.Destination);
        var marker = ws.PathOf("marker");
        var settings = new Dictionary<string, string?>
        {
            ["Kse:Execution:Ssh:KnownHostsFile"] = ssh.KnownHostsFile,
            ["Kse:Execution:Ssh:IdentityFile"] = ssh.IdentityFile,
            ["Kse:Execution:Ssh:ConfigFile"] = "none",
        };
        await using var mcp = await McpTestServer.StartAsync(ws, settings);

        var injected = await mcp.Client.CallToolAsync("ops_run", Run("sorted", "production", "prod-ssh", "file", $"--output={marker}"));
        Assert.True(injected.IsError);
        Assert.Contains("ops.parameter_option_like", Assert.IsType<TextContentBlock>(injected.Content[0]).Text);

        // The same value after '--' reaches the remote sort as a file name: it runs over ssh and writes nothing.
        var operand = await mcp.Client.CallToolAsync("ops_run", Run("sorted-operand", "production", "prod-ssh", "file", $"--output={marker}"));
        var s = JsonSerializer.SerializeToElement(operand.StructuredContent);
        Assert.Equal("ssh", s.GetProperty("argv")[0].GetString());
        Assert.Equal("failed", s.GetProperty("status").GetString());
        Assert.Contains("--output=", s.GetProperty("result").GetProperty("stderr").GetString());
        Assert.False(File.Exists(marker));
    }
}
