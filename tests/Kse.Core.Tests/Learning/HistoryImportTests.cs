using Kse.Core.Learning;

namespace Kse.Core.Tests.Learning;

public sealed class HistoryImportTests
{
    [Fact]
    public void Bash_ReadsEpochLines_AndCommandsWithoutThem()
    {
        var (commands, problems) = HistoryImport.Parse("#1764554400\nuptime\nls\n#99\ndf -h\n", "bash", TimeProvider.System);

        Assert.Equal(["uptime", "ls", "df -h"], commands.Select(c => c.Command));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1764554400), commands[0].At);
        Assert.Null(commands[1].At);
        Assert.Null(commands[2].At);
        Assert.Contains("out of range", Assert.Single(problems));
    }

    [Fact]
    public void Zsh_ReadsExtendedLines_DurationsAndContinuations()
    {
        var text = ": 1764554400:12;pg_dump -Fc shop\n: 1764554500:0;echo one \\\ntwo\nplain\n";

        var (commands, _) = HistoryImport.Parse(text, "zsh", TimeProvider.System);

        Assert.Equal(["pg_dump -Fc shop", "echo one \ntwo", "plain"], commands.Select(c => c.Command));
        Assert.Equal(12_000, commands[0].DurationMs);
        Assert.Equal("zsh", HistoryImport.DetectShellFormat(text));
    }

    [Fact]
    public void Fish_ReadsCmdAndWhen()
    {
        var text = "- cmd: systemctl restart nginx\n  when: 1764554400\n- cmd: ls\n  when: 1764554460\n  paths:\n    - /tmp\n";

        var (commands, _) = HistoryImport.Parse(text, "fish", TimeProvider.System);

        Assert.Equal(["systemctl restart nginx", "ls"], commands.Select(c => c.Command));
        Assert.Equal("fish", HistoryImport.DetectShellFormat(text));
    }

    [Fact]
    public void Auditd_JoinsTheRecordsOfOneEvent_AndDecodesHexArguments()
    {
        var text = """
            node=db-1 type=SYSCALL msg=audit(1764554400.123:881): arch=c000003e syscall=59 success=yes exit=0 comm="systemctl" AUID="alice"
            node=db-1 type=EXECVE msg=audit(1764554400.123:881): argc=3 a0="systemctl" a1="restart" a2=7368 6F702D617069
            node=db-1 type=CWD msg=audit(1764554400.123:881): cwd="/root"
            node=db-1 type=EXECVE msg=audit(1764554460.000:882): argc=2 a0="ls" a1=2F7661722F6C6F67
            """;

        var (commands, _) = HistoryImport.Parse(text, "auditd", TimeProvider.System);

        Assert.Equal(2, commands.Count);
        Assert.Equal(("db-1", "/root", "alice"), (commands[0].Host!, commands[0].WorkingDirectory!, commands[0].User!));
        Assert.StartsWith("systemctl restart", commands[0].Command, StringComparison.Ordinal);
        Assert.Equal("ls /var/log", commands[1].Command);
    }

    [Fact]
    public void Journal_ReadsSudoCommands_FromJsonAndShortFormat()
    {
        var text = """
            {"__REALTIME_TIMESTAMP":"1764554400000000","_HOSTNAME":"web-1","MESSAGE":"alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"}
            {"__REALTIME_TIMESTAMP":"1764554401000000","_HOSTNAME":"web-1","MESSAGE":"pam_unix(sudo:session): session opened"}
            Nov 30 02:00:01 db-1 sudo[4242]:   bob : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/pg_dump -Fc shop
            """;

        var (commands, _) = HistoryImport.Parse(text, "journal", TimeProvider.System);

        Assert.Equal(["/usr/bin/systemctl restart nginx", "/usr/bin/pg_dump -Fc shop"], commands.Select(c => c.Command));
        Assert.Equal(("web-1", "alice"), (commands[0].Host!, commands[0].User!));
        Assert.Equal(("db-1", "bob", "/root"), (commands[1].Host!, commands[1].User!, commands[1].WorkingDirectory!));
    }

    [Fact]
    public void UnknownFormat_IsBadInput()
    {
        var ex = Assert.Throws<KseException>(() => HistoryImport.Parse("ls", "powershell", TimeProvider.System));
        Assert.Equal("observe.format_unknown", ex.Code);
    }
}
