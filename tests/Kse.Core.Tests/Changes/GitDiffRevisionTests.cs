using System.Diagnostics;
using Kse.Core;
using Kse.Core.Changes;
using Kse.TestKit;

namespace Kse.Core.Tests.Changes;

/// <summary>A git range names two commits of the workspace repository, never two files of the file system.</summary>
public sealed class GitDiffRevisionTests
{
    [Fact]
    public async Task OutsideARepository_TwoFilePaths_AreNotARepository_NotAFileComparison()
    {
        using var ws = new TempWorkspace();
        var a = ws.Write("a.txt", "one\n");
        var b = ws.Write("b.txt", "two\n");

        var ex = await Assert.ThrowsAsync<KseException>(() => GitDiff.ReadAsync(ws.Root, a, b, staged: false));

        Assert.Equal(("change.not_a_repository", KseErrorKind.NotFound), (ex.Code, ex.Kind));
    }

    [Fact]
    public async Task OutsideARepository_Staged_IsNotARepository()
    {
        using var ws = new TempWorkspace();

        var ex = await Assert.ThrowsAsync<KseException>(() => GitDiff.ReadAsync(ws.Root, null, null, staged: true));

        Assert.Equal(("change.not_a_repository", KseErrorKind.NotFound), (ex.Code, ex.Kind));
    }

    [Theory]
    [InlineData("no-such-branch")]
    [InlineData("/etc/hostname")]
    public async Task InARepository_AnUnknownRevisionOrAPathOutsideIt_IsRevisionUnknown(string revision)
    {
        using var ws = new TempWorkspace();
        ws.Write("app.cs", "class A {}\n");
        Git(ws.Root, "init", "-q");
        Git(ws.Root, "add", "-A");
        Git(ws.Root, "commit", "-qm", "init");

        var ex = await Assert.ThrowsAsync<KseException>(() => GitDiff.ReadAsync(ws.Root, revision, "/etc/hosts", staged: false));

        Assert.Equal(("change.revision_unknown", KseErrorKind.NotFound), (ex.Code, ex.Kind));
    }

    [Fact]
    public async Task InARepository_TwoCommits_AreDiffed()
    {
        using var ws = new TempWorkspace();
        ws.Write("app.cs", "class A {}\n");
        Git(ws.Root, "init", "-q");
        Git(ws.Root, "add", "-A");
        Git(ws.Root, "commit", "-qm", "init");
        ws.Write("app.cs", "class B {}\n");
        Git(ws.Root, "commit", "-qam", "rename");

        var diff = await GitDiff.ReadAsync(ws.Root, "HEAD~1", "HEAD", staged: false);

        Assert.Contains("+class B {}", diff);
    }

    private static void Git(string root, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = root, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false" }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
