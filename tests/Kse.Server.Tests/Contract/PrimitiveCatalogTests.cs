using System.Text.Json;
using Kse.Core;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Kse.Server.Tests.Contract;

/// <summary>
/// Tools and resources are built off the start path (<see cref="PrimitiveCatalog"/>): what a client is told must be exactly
/// what the built primitives say, whether it comes from this build's stored catalog or from the tools themselves.
/// </summary>
public sealed class PrimitiveCatalogTests
{
    [Fact]
    public async Task ASecondStart_ListsTheStoredCatalog_WithoutBuildingTheTools_AndItEqualsTheBuiltTools()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        string built;
        await using (var first = await McpTestServer.StartAsync(ws))
        {
            built = Wire(await first.Client.ListToolsAsync());
            var catalog = first.Get<PrimitiveCatalog>();
            Assert.True(catalog.IsBuilt, "without a stored catalog the tools are built to be listed");
            catalog.BuildAndStore();
            Assert.True(File.Exists(catalog.CachePath), "the catalog is stored for the next start");
        }

        await using var second = await McpTestServer.StartAsync(ws);
        var listed = Wire(await second.Client.ListToolsAsync());
        var secondCatalog = second.Get<PrimitiveCatalog>();

        Assert.False(secondCatalog.IsBuilt, "listing from the stored catalog builds no tool");
        Assert.Equal(built, listed);
        var validated = await second.Client.CallToolAsync("ops_validate", new Dictionary<string, object?> { ["project"] = "billing" });
        Assert.True(secondCatalog.IsBuilt, "a call builds the tools");
        Assert.NotEqual(true, validated.IsError);
    }

    [Fact]
    public async Task AForeignOrCorruptCatalog_IsNotServed_AndIsRewritten()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        string path;
        string built;
        await using (var first = await McpTestServer.StartAsync(ws))
        {
            built = Wire(await first.Client.ListToolsAsync());
            path = first.Get<PrimitiveCatalog>().CachePath!;
        }

        foreach (var bad in new[] { "{ not json", "[]", "[{\"name\":\"ops_validate\",\"inputSchema\":{\"type\":\"object\"}}]" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, bad);
            await using var mcp = await McpTestServer.StartAsync(ws);

            Assert.Equal(built, Wire(await mcp.Client.ListToolsAsync()));
            mcp.Get<PrimitiveCatalog>().BuildAndStore();
            Assert.NotEqual(bad, File.ReadAllText(path));
        }
    }

    [Fact]
    public async Task CatalogsOfOtherBuilds_AreRemovedWhenThisBuildStoresItsOwn()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        var stale = ws.Write(".sce/state/cache/tools-0000000000000000.json", "[]");
        await using var mcp = await McpTestServer.StartAsync(ws);

        mcp.Get<PrimitiveCatalog>().BuildAndStore();

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(mcp.Get<PrimitiveCatalog>().CachePath));
    }

    [Fact]
    public async Task ResourceTemplates_AreAdvertisedAsTheSdkDerivesThemFromTheAttributes()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        var advertised = (await mcp.Client.ListResourceTemplatesAsync()).Select(t => t.ProtocolResourceTemplate)
            .Concat((await mcp.Client.ListResourcesAsync())
                .Where(r => PrimitiveCatalog.ResourceMethods.Any(m => m.Template.UriTemplate == r.Uri)) // besides the documents on disk
                .Select(r => new ModelContextProtocol.Protocol.ResourceTemplate
            {
                UriTemplate = r.Uri, Name = r.Name, Title = r.ProtocolResource.Title, Description = r.Description, MimeType = r.MimeType,
            }))
            .ToDictionary(t => t.UriTemplate);

        Assert.Equal(PrimitiveCatalog.ResourceMethods.Count, advertised.Count);
        foreach (var (template, method) in PrimitiveCatalog.ResourceMethods)
        {
            var derived = McpServerResource.Create(method, options: new McpServerResourceCreateOptions { Services = mcp.Services }).ProtocolResourceTemplate;
            Assert.Equal(JsonSerializer.Serialize(derived, McpJsonUtilities.DefaultOptions), JsonSerializer.Serialize(template, McpJsonUtilities.DefaultOptions));
            Assert.Equal(derived.Name, advertised[derived.UriTemplate].Name);
            Assert.Equal(derived.Description, advertised[derived.UriTemplate].Description);
            Assert.Equal(derived.MimeType, advertised[derived.UriTemplate].MimeType);
        }
    }

    private static string Wire(IEnumerable<ModelContextProtocol.Client.McpClientTool> tools) =>
        JsonSerializer.Serialize(tools.Select(t => t.ProtocolTool).OrderBy(t => t.Name, StringComparer.Ordinal).ToList(), McpJsonUtilities.DefaultOptions);
}
