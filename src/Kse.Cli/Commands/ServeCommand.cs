using System.CommandLine;
using Kse.Server;
using Microsoft.Extensions.Hosting;

namespace Kse.Cli.Commands;

/// <summary><c>kse serve</c>: the MCP server over stdio (default) or Streamable HTTP.</summary>
internal static class ServeCommand
{
    private static readonly Option<bool> Http = new("--http") { Description = "Serve Streamable HTTP MCP at /mcp, the operator API at /api/ and the approval page at / instead of stdio" };

    private static readonly Option<string[]> Urls = new("--urls")
    {
        Description = "Where the HTTP host listens (loopback unless Kse:Http:AllowRemote is set)",
        DefaultValueFactory = _ => ["http://127.0.0.1:5177"],
        AllowMultipleArgumentsPerToken = true,
    };

    public static Command Create()
    {
        var command = CommandExtensions.Verb("serve", "Start the MCP server. stdout carries only the protocol; logs go to stderr and .sce/state/logs/.", "kse serve --http --urls http://127.0.0.1:5177 --root samples");
        command.Options.Add(Http);
        command.Options.Add(Urls);
        return command.WithAction(async (ctx, ct) =>
        {
            var ws = ctx.Workspace;

            // A mistyped --root must not quietly become a new, empty workspace that serves nothing.
            ws.EnsureInitialized();

            // A state folder others can write lets them rewrite levels and approvals under a running server.
            Kse.Core.StateFolder.RequireNotWritableByOthers(ws);
            var config = ctx.Configuration;
            if (!ctx.Parse.GetValue(Http))
            {
                await KseHost.RunStdioAsync(ws, config, s => s.AddKse(ws, config), ct);
                return 0;
            }

            var urls = ctx.Parse.GetValue(Urls) ?? [];
            await using var app = KseHost.BuildHttp(ws, config, urls, s => s.AddKse(ws, config));
            await app.StartAsync(ct);
            foreach (var url in app.Urls)
            {
                // stderr, like every log line: a human reads it, no protocol is on stdout here either.
                await ctx.Err.WriteLineAsync($"kse listening on {url} (MCP {url.TrimEnd('/')}/mcp, approval page {url.TrimEnd('/')}/) for workspace {ws.Root}");
            }

            await app.WaitForShutdownAsync(ct);
            return 0;
        });
    }
}
