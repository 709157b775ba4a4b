using System.Text.Json;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;

namespace Kse.Server.Tests.Execution;

/// <summary>An AI client runs an operation on an SSH instance (a real sshd on loopback) through the MCP server.</summary>
public sealed class SshOpsRunTests
{
    [Fact]
    public async Task OpsRun_OnSshInstance_RunsRemotely_WithParameterAsOneWord()
    {
        await using var ssh = await SshServer.StartAsync();
        using var ws = new TempWorkspace();
        ExecutionToolsTests.Seed(ws, ws.PathOf("marker.txt"));
        var manifest = ProjectManifest.Load(ws.Workspace, "shop");
        (manifest with { Instances = [.. manifest.Instances, new ProjectInstance { Id = "dev-ssh", Environment = EnvironmentKind.Development, Host = ssh.Destination }] }).Save(ws.Workspace);
        var settings = new Dictionary<string, string?>(ExecutionToolsTests.Operators)
        {
            ["Kse:Execution:Ssh:KnownHostsFile"] = ssh.KnownHostsFile,
            ["Kse:Execution:Ssh:IdentityFile"] = ssh.IdentityFile,
            ["Kse:Execution:Ssh:ConfigFile"] = "none",
        };
        await using var mcp = await McpTestServer.StartAsync(ws, settings);

        var result = await mcp.Client.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "greet", ["environment"] = "development", ["instance"] = "dev-ssh",
            ["parameters"] = new Dictionary<string, string> { ["who"] = "x; rm -rf /" },
        });

        Assert.NotEqual(true, result.IsError);
        var s = JsonSerializer.SerializeToElement(result.StructuredContent);
        Assert.True(s.GetProperty("status").GetString() == "succeeded", s.ToString());
        Assert.Equal("hello x; rm -rf /", s.GetProperty("result").GetProperty("stdout").GetString());
        Assert.Equal("ssh", s.GetProperty("argv")[0].GetString());
        Assert.Contains("BatchMode=yes", s.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
    }
}
