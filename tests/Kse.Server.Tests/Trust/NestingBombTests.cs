using Kse.Core.Specs;
using Kse.TestKit;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Trust;

/// <summary>A YAML nesting bomb in every kind of file kse reads: a running <c>kse serve</c> names the file and keeps answering.</summary>
public sealed class NestingBombTests
{
    private static readonly string Bomb = new('[', 200_000);

    [Fact]
    public async Task KseServe_KeepsAnswering_WithANestingBombInEveryYamlKind()
    {
        using var ws = new TempWorkspace();
        foreach (var p in new[] { "yamlproj", "toolsproj", "opsproj", "fine" })
        {
            SpecFixtures.CreateFilled(ws.Workspace, p);
        }

        ws.Write(".sce/specs/yamlproj/project.yaml", "name: yamlproj\nenvironments: " + Bomb);
        ws.Write(".sce/specs/toolsproj/operations/tools.yaml", "tools: " + Bomb);
        File.AppendAllText(ws.PathOf(".sce", "specs", "opsproj", "operations", "operations.md"), "\n```kse-operation\nname: boom\nrisk: read\ncommand: " + Bomb + "\n```\n");
        ws.Write(".sce/dependencies.yaml", "version: 1\nprojects: " + Bomb);

        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "kse",
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "kse.dll"), "serve", "--root", ws.Root],
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: cts.Token);

        async Task<string> Call(string tool, Dictionary<string, object?> args)
        {
            var r = await client.CallToolAsync(tool, args, cancellationToken: cts.Token);
            return string.Join(' ', r.Content.OfType<TextContentBlock>().Select(c => c.Text));
        }

        Assert.Contains("fine", await Call("ops_list_projects", []));
        Assert.Matches(@"project\.yaml:2:\d+: too deep", await Call("ops_validate", new() { ["project"] = "yamlproj" }));
        Assert.Contains("too deep", await Call("ops_validate", new() { ["project"] = "toolsproj" }));
        Assert.Contains("too deep", await Call("ops_validate", new() { ["project"] = "opsproj" }));
        Assert.Contains("too deep", await Call("ops_list_operations", new() { ["project"] = "opsproj" }));
        Assert.Contains("too deep", await Call("takeover_show", new() { ["project"] = "yamlproj" }));
        Assert.Contains("too deep", await Call("graph_show", []));
        await Call("ops_run", new() { ["project"] = "opsproj", ["operation"] = "boom", ["environment"] = "development" });

        // Still the same process, still answering.
        Assert.Contains("fine", await Call("ops_list_projects", []));
        Assert.Contains("\"valid\":true", (await Call("ops_validate", new() { ["project"] = "fine" })).Replace(" ", ""));
    }
}
