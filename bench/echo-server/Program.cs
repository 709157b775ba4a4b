using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.Services.AddMcpServer().WithStdioServerTransport().WithTools<EchoTools>();
await builder.Build().RunAsync();

/// <summary>The one tool of the baseline server.</summary>
[McpServerToolType]
public sealed class EchoTools
{
    [McpServerTool(Name = "echo", ReadOnly = true, UseStructuredContent = true)]
    [Description("Returns its text.")]
    public static EchoResult Echo([Description("Any text")] string text) => new(text);
}

public sealed record EchoResult(string Text);
