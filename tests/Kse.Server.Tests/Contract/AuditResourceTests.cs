using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Contract;

/// <summary>The audit trail read as resources: the same answers as the audit_query and audit_summary tools.</summary>
public sealed class AuditResourceTests
{
    [Fact]
    public async Task EntriesTemplate_FiltersLikeAuditQuery_AndSummaryNamesTheDay()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);
        await mcp.Client.CallToolAsync("ops_validate", new Dictionary<string, object?> { ["project"] = "billing" });
        await mcp.Client.CallToolAsync("ops_validate", new Dictionary<string, object?> { ["project"] = "storefront" });

        var templates = (await mcp.Client.ListResourceTemplatesAsync()).Select(t => t.UriTemplate).ToList();
        var entries = await ReadJsonAsync(mcp, "kse://audit/entries?project=billing&limit=10");
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd");
        var summary = await ReadJsonAsync(mcp, $"kse://audit/summary/{today}");

        Assert.Contains("kse://audit/entries{?project,environment,type,outcome,correlation,from,to,limit}", templates);
        Assert.Contains("kse://audit/summary/{date}", templates);
        Assert.True(entries.GetProperty("count").GetInt32() >= 2);
        Assert.All(entries.GetProperty("entries").EnumerateArray(), e => Assert.Equal("billing", e.GetProperty("project").GetString()));
        Assert.Equal(today, summary.GetProperty("date").GetString());
        Assert.True(summary.GetProperty("byProject").GetProperty("storefront").GetInt32() >= 2);
    }

    [Theory]
    [InlineData("kse://audit/entries?limit=lots", "audit.limit_invalid")]
    [InlineData("kse://audit/entries?from=yesterday", "audit.time_invalid")]
    [InlineData("kse://audit/entries?project=..%2Fetc", "project")]
    [InlineData("kse://audit/summary/25-11-2026", "audit.date_invalid")]
    public async Task BadFilters_AreRefusedWithTheirCode(string uri, string expected)
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => mcp.Client.ReadResourceAsync(uri).AsTask());

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task ToolsYaml_IsServedAsYaml_AndDocumentsAsMarkdown()
    {
        using var ws = OutputSchemaContractTests.SampleWorkspace();
        await using var mcp = await McpTestServer.StartAsync(ws);

        var yaml = Assert.IsType<TextResourceContents>(Assert.Single((await mcp.Client.ReadResourceAsync("kse://specs/billing/operations/tools.yaml")).Contents));
        var markdown = Assert.IsType<TextResourceContents>(Assert.Single((await mcp.Client.ReadResourceAsync("kse://specs/billing/operations/deployment")).Contents));

        Assert.Equal("application/yaml", yaml.MimeType);
        Assert.Contains("strategies:", yaml.Text);
        Assert.Equal("text/markdown", markdown.MimeType);
        Assert.Equal("kse://specs/billing/operations/deployment", markdown.Uri);
    }

    private static async Task<JsonElement> ReadJsonAsync(McpTestServer mcp, string uri)
    {
        var result = await mcp.Client.ReadResourceAsync(uri);
        var text = Assert.IsType<TextResourceContents>(Assert.Single(result.Contents));
        Assert.Equal("application/json", text.MimeType);
        return JsonDocument.Parse(text.Text).RootElement;
    }
}
