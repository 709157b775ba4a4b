using Kse.TestKit;

namespace Kse.Cli.Tests.Trust;

/// <summary>The state folder is its owner's alone, and a server will not run on one others can write.</summary>
public sealed class StateFolderTests
{
    private const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task Init_CreatesTheStateFolderOwnerOnly_AndTheStoresOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var ws = new TempWorkspace(initialize: false);
        Assert.Equal(0, (await CliRunner.RunAsync("init", "--root", ws.Root)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("ops", "init", "shop", "--root", ws.Root)).ExitCode);
        await CliRunner.RunAsync("approvals", "list", "--root", ws.Root);
        ws.Write(".sce/appsettings.json", TestOperators.Settings("olga"));
        Assert.Equal(0, (await CliRunner.RunAsync("takeover", "set", "shop", "--env", "test", "--level", "L2", "--reason", "r", "--token-file", ws.TokenFile("olga"), "--root", ws.Root)).ExitCode);

        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(ws.Workspace.StateDir) & Others);
        Assert.True(File.Exists(ws.Workspace.DatabasePath) && File.Exists(ws.Workspace.AuditDatabasePath));
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(ws.Workspace.DatabasePath) & Others);
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(ws.Workspace.AuditDatabasePath) & Others);
    }

    [Fact]
    public async Task Serve_RefusesAStateFolderOthersCanWrite()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var ws = new TempWorkspace(initialize: false);
        Assert.Equal(0, (await CliRunner.RunAsync("init", "--root", ws.Root)).ExitCode);
        File.SetUnixFileMode(ws.Workspace.StateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var r = await CliRunner.RunAsync("serve", "--root", ws.Root);

        Assert.Equal(4, r.ExitCode);
        Assert.StartsWith("error state.insecure:", r.Err.Trim());
        Assert.Contains("chmod", r.Err);
    }
}
