using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using Kse.TestKit;
using ModelContextProtocol.Client;

namespace Kse.Cli.Tests;

/// <summary>
/// <c>kse</c> ships as the .NET tool package Kse.Mcp: packed from the built project, installed with
/// <c>dotnet tool install --tool-path</c>, it runs, makes a workspace from its embedded templates and serves MCP.
/// </summary>
public sealed class PackageTests
{
    [Fact]
    public async Task ThePackedTool_Installs_InitsAWorkspace_AndListsToolsOverStdio()
    {
        using var temp = new TempWorkspace(initialize: false);
        var root = RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var packages = temp.PathOf("pkg");
        var tools = temp.PathOf("tools");

        // --no-build packs what the test run already built, leaving the build output the other tests use untouched.
        await RunOkAsync("dotnet", ["pack", Path.Combine(root, "src", "Kse.Cli", "Kse.Cli.csproj"), "-c", configuration, "--no-build", "-o", packages]);
        var package = Assert.Single(Directory.GetFiles(packages, "Kse.Mcp.*.nupkg"));
        AssertPackageShape(package);

        await RunOkAsync("dotnet", ["tool", "install", "--tool-path", tools, "--add-source", packages, "--ignore-failed-sources", "Kse.Mcp"]);
        var kse = Path.Combine(tools, OperatingSystem.IsWindows() ? "kse.exe" : "kse");
        Assert.Matches(@"^\d+\.\d+\.\d+", (await RunOkAsync(kse, ["--version"])).Trim());

        var workspace = temp.PathOf("w");
        Directory.CreateDirectory(workspace);
        await RunOkAsync(kse, ["init", "--root", workspace]);
        await RunOkAsync(kse, ["ops", "init", "demo", "--root", workspace]);
        Assert.True(File.Exists(Path.Combine(workspace, ".sce", "specs", "demo", "operations", "deployment.md")), "the embedded templates made the documents");

        var transport = new StdioClientTransport(new StdioClientTransportOptions { Name = "kse", Command = kse, Arguments = ["serve", "--root", workspace] });
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: cts.Token);
        var listed = await client.ListToolsAsync(cancellationToken: cts.Token);
        Assert.Contains(listed, t => t.Name == "ops_validate");
        var validated = await client.CallToolAsync("ops_validate", new Dictionary<string, object?> { ["project"] = "demo" }, cancellationToken: cts.Token);
        Assert.False(validated.StructuredContent!.Value.GetProperty("valid").GetBoolean(), "a fresh template is not a finished spec");
    }

    /// <summary>One tool package with its own assemblies (no package dependencies) and the MCP server listing.</summary>
    private static void AssertPackageShape(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        foreach (var assembly in new[] { "kse.dll", "Kse.Core.dll", "Kse.Storage.dll", "Kse.Server.dll" })
        {
            Assert.Contains(names, n => n.StartsWith("tools/", StringComparison.Ordinal) && n.EndsWith("/" + assembly, StringComparison.Ordinal));
        }

        XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
        using (var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open())
        {
            var doc = XDocument.Load(nuspec);
            var metadata = doc.Root!.Elements().First(e => e.Name.LocalName == "metadata");
            Assert.Equal("Kse.Mcp", metadata.Elements().First(e => e.Name.LocalName == "id").Value);
            Assert.DoesNotContain(metadata.Descendants(), e => e.Name.LocalName == "dependency");
            var types = metadata.Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => e.Attribute("name")?.Value).ToList();
            Assert.Contains("DotnetTool", types);
            Assert.Contains("McpServer", types);
        }

        using var serverJson = zip.GetEntry(".mcp/server.json")!.Open();
        var server = JsonDocument.Parse(serverJson).RootElement;
        var entry = server.GetProperty("packages")[0];
        Assert.Equal("nuget", entry.GetProperty("registryType").GetString());
        Assert.Equal("Kse.Mcp", entry.GetProperty("identifier").GetString());
        Assert.Equal("serve", entry.GetProperty("packageArguments")[0].GetProperty("value").GetString());
    }

    private static async Task<string> RunOkAsync(string program, string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(program)} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}{await stdout}");
        return await stdout;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kse.Mcp.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Kse.Mcp.sln not found above the test output folder");
    }
}
