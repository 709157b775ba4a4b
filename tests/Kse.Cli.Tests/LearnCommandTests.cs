using System.Diagnostics;
using System.Text.Json;
using Kse.TestKit;

namespace Kse.Cli.Tests;

/// <summary><c>kse observe</c> as a real process (the terminal passes through), and <c>kse learn draft</c> on what it recorded.</summary>
public sealed class LearnCommandTests : IDisposable
{
    private readonly TempWorkspace _ws = new(initialize: false);

    public void Dispose() => _ws.Dispose();

    private async Task<(int Code, string Out, string Err)> KseAsync(string stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _ws.Root };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kse.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Observe_PassesTheTerminalThrough_AndLearnDraftSuggestsTheRecurringCommand()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("init", "--root", _ws.Root)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("ops", "init", "shop", "--root", _ws.Root)).ExitCode);

        var echoed = await KseAsync("from-stdin\n", "observe", "--project", "shop", "--env", "development", "--root", _ws.Root, "--", "sh", "-c", "cat; echo out; echo err >&2; exit 7");
        Assert.Equal(7, echoed.Code);
        Assert.Equal("from-stdin\nout\n", echoed.Out);
        Assert.Equal("err\n", echoed.Err);
        for (var i = 0; i < 3; i++)
        {
            var run = await KseAsync("", "observe", "--project", "shop", "--env", "development", "--root", _ws.Root, "--", "true", "marker", "--password=NotStored42");
            Assert.Equal(0, run.Code);
        }

        var missing = await KseAsync("", "observe", "--project", "shop", "--env", "development", "--root", _ws.Root, "--", "no-such-program-kse");
        Assert.Equal(127, missing.Code);
        Assert.StartsWith("error observe.command_not_found", missing.Err, StringComparison.Ordinal);
        var unknown = await CliRunner.RunAsync("observe", "--project", "ghost", "--env", "development", "--root", _ws.Root, "--", "true");
        Assert.Equal(3, unknown.ExitCode);

        var draft = await CliRunner.RunAsync("learn", "draft", "shop", "--json", "--root", _ws.Root);
        Assert.Equal(0, draft.ExitCode);
        using var json = JsonDocument.Parse(draft.Out);
        var op = json.RootElement.GetProperty("operations").EnumerateArray().Single();
        Assert.Equal($"true marker '--password={Kse.Core.Learning.CommandMasker.Mask}'", op.GetProperty("command").GetString());
        Assert.Equal(3, op.GetProperty("count").GetInt32());
        Assert.True(op.GetProperty("confidence").GetDouble() > 0.5);
        Assert.True(File.Exists(_ws.PathOf(".sce", "specs", "shop", "operations", "drafts", "operations.md")));
        Assert.DoesNotContain(Directory.GetFiles(_ws.Root, "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains("NotStored42", StringComparison.Ordinal));

        var audit = await CliRunner.RunAsync("audit", "query", "--project", "shop", "--json", "--root", _ws.Root);
        Assert.Contains("observe.command", audit.Out, StringComparison.Ordinal);
        Assert.Contains("learn.draft", audit.Out, StringComparison.Ordinal);
    }
}
