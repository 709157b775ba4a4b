using System.Text.Json;
using Kse.TestKit;

namespace Kse.Cli.Tests;

public sealed class FeedbackCommandTests
{
    private static async Task<TempWorkspace> WorkspaceAsync()
    {
        var ws = new TempWorkspace();
        Assert.Equal(0, (await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root)).ExitCode);
        ws.Write(".sce/appsettings.json", TestOperators.Settings("olga:approver"));
        Assert.Equal(0, (await CliRunner.RunAsync("instances", "add", "shop", "prod-1", "--env", "production", "--host", "local", "--version", "2.3.0", "--root", ws.Root)).ExitCode);
        return ws;
    }

    [Fact]
    public async Task Triage_PrintsTheShape_AndStoresNothing()
    {
        using var ws = await WorkspaceAsync();

        var r = await CliRunner.RunAsync("feedback", "triage", "--channel", "support-ticket", "--title", "Checkout is down for everyone", "--body", "HTTP 503, nobody can pay", "--json", "--root", ws.Root);

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("critical", doc.RootElement.GetProperty("severity").GetString());
        Assert.True(doc.RootElement.GetProperty("rules").GetArrayLength() > 0);
        Assert.False(File.Exists(ws.PathOf(".sce", "state", "kse.db")));
    }

    [Fact]
    public async Task SubmitTwice_TransitionsAndRefusals_HaveTheirExitCodes()
    {
        using var ws = await WorkspaceAsync();
        string[] submit = ["feedback", "submit", "--project", "shop", "--channel", "user-report", "--title", "Export button does nothing", "--instance", "prod-1", "--json", "--root", ws.Root];

        var first = await CliRunner.RunAsync([.. submit, "--reporter", "ann"]);
        var second = await CliRunner.RunAsync([.. submit, "--reporter", "ben"]);
        var id = JsonDocument.Parse(first.Out).RootElement.GetProperty("id").GetString()!;

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(2, JsonDocument.Parse(second.Out).RootElement.GetProperty("occurrences").GetInt32());
        Assert.Equal("2.3.0", JsonDocument.Parse(second.Out).RootElement.GetProperty("item").GetProperty("version").GetString());
        Assert.Equal(4, (await CliRunner.RunAsync(["feedback", "transition", id, "--to", "verified", .. ws.As("olga"), "--root", ws.Root])).ExitCode);
        Assert.Equal(4, (await CliRunner.RunAsync("feedback", "transition", id, "--to", "acknowledged", "--root", ws.Root)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(["feedback", "transition", id, "--to", "acknowledged", .. ws.As("olga"), "--root", ws.Root])).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(["feedback", "transition", id, "--to", "resolved", .. ws.As("olga"), "--root", ws.Root])).ExitCode);
        var unproven = await CliRunner.RunAsync(["feedback", "transition", id, "--to", "verified", .. ws.As("olga"), "--root", ws.Root]);
        Assert.Equal(4, unproven.ExitCode);
        Assert.StartsWith("error feedback.evidence_required:", unproven.Err, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRunner.RunAsync(["feedback", "transition", id, "--to", "verified", "--evidence", "reporter:ben", .. ws.As("olga"), "--root", ws.Root])).ExitCode);
        Assert.Equal(3, (await CliRunner.RunAsync("feedback", "show", "fb-0000000000", "--root", ws.Root)).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync("feedback", "submit", "--project", "shop", "--channel", "fax", "--title", "x", "--root", ws.Root)).ExitCode);

        var show = await CliRunner.RunAsync("feedback", "show", id, "--root", ws.Root);
        Assert.Contains("resolved → verified by operator:olga", show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ABadLine_ExitsTwoNamingTheLine_AndStoresNothing()
    {
        using var ws = await WorkspaceAsync();
        var file = ws.Write("in.jsonl", "{\"project\":\"shop\",\"channel\":\"api\",\"title\":\"ok\"}\n{\"project\":\"shop\",\"channel\":\"api\"}\n");

        var r = await CliRunner.RunAsync("feedback", "import", file, "--root", ws.Root);
        var list = await CliRunner.RunAsync("feedback", "list", "--json", "--root", ws.Root);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("line 2: 'title' is required", r.Err, StringComparison.Ordinal);
        Assert.Equal(0, JsonDocument.Parse(list.Out).RootElement.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task ControlCharactersInFeedback_AreShownNeutralised()
    {
        using var ws = await WorkspaceAsync();
        var r = await CliRunner.RunAsync("feedback", "submit", "--project", "shop", "--channel", "api", "--title", "Bad \u001b[2J title", "--root", ws.Root);
        var list = await CliRunner.RunAsync("feedback", "list", "--root", ws.Root);

        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain('\u001b', list.Out);
        Assert.Contains("\\u001b[2J", list.Out, StringComparison.Ordinal);
    }
}
