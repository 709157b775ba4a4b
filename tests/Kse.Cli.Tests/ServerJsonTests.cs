using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Kse.Cli.Tests;

/// <summary>
/// <c>src/Kse.Cli/.mcp/server.json</c> is what the MCP registry reads from the NuGet package: it follows the fields and
/// limits the registry validates, and names the package and version that are actually built.
/// </summary>
public sealed partial class ServerJsonTests
{
    private static readonly string[] RegistryTypes = ["npm", "pypi", "oci", "nuget", "mcpb"];

    [Fact]
    public void ServerJson_NamesTheBuiltPackageAndVersion_WithinTheRegistrysRules()
    {
        var root = RepositoryRoot();
        var server = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "src", "Kse.Cli", ".mcp", "server.json"))).RootElement;
        var version = Version(root);
        var packageId = Property(root, "PackageId");

        Assert.Equal("https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json", server.GetProperty("$schema").GetString());
        var name = server.GetProperty("name").GetString()!;
        Assert.Matches(NamePattern(), name);
        Assert.InRange(name.Length, 3, 200);
        Assert.DoesNotContain("example", name, StringComparison.OrdinalIgnoreCase);
        var description = server.GetProperty("description").GetString()!;
        Assert.InRange(description.Length, 1, 100);
        Assert.Equal(version, server.GetProperty("version").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", version);

        var package = Assert.Single(server.GetProperty("packages").EnumerateArray());
        Assert.Contains(package.GetProperty("registryType").GetString(), RegistryTypes);
        Assert.Equal("nuget", package.GetProperty("registryType").GetString());
        Assert.Equal(packageId, package.GetProperty("identifier").GetString());
        Assert.Equal(version, package.GetProperty("version").GetString());
        // Left out, the registry uses NuGet's own address (older and newer registry versions spell it differently).
        Assert.False(package.TryGetProperty("registryBaseUrl", out _));
        Assert.Equal("stdio", package.GetProperty("transport").GetProperty("type").GetString());
        foreach (var argument in package.GetProperty("packageArguments").EnumerateArray())
        {
            var type = argument.GetProperty("type").GetString();
            Assert.True(type is "positional" or "named", $"argument type {type}");
            if (type == "positional")
            {
                Assert.False(string.IsNullOrEmpty(argument.GetProperty("value").GetString()));
            }
            else
            {
                Assert.StartsWith("--", argument.GetProperty("name").GetString());
            }
        }

        Assert.Equal("serve", package.GetProperty("packageArguments")[0].GetProperty("value").GetString());

        // The registry proves ownership of a NuGet package by finding "mcp-name: <name>" in the package's README.
        Assert.Equal("README.md", Property(root, "PackageReadmeFile"));
        Assert.Contains("mcp-name: " + name, File.ReadAllText(Path.Combine(root, "README.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheBuiltServer_ReportsThePackageVersion()
    {
        var version = Version(RepositoryRoot());

        Assert.Equal(version, Kse.Server.KseMcpServer.ServerInfo.Version);
        Assert.StartsWith(version, typeof(KseCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion, StringComparison.Ordinal);
    }

    private static string Version(string root) =>
        XDocument.Load(Path.Combine(root, "Directory.Build.props")).Descendants("Version").Single().Value;

    private static string Property(string root, string name) =>
        XDocument.Load(Path.Combine(root, "src", "Kse.Cli", "Kse.Cli.csproj")).Descendants(name).Single().Value;

    [GeneratedRegex(@"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$")]
    private static partial Regex NamePattern();

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
