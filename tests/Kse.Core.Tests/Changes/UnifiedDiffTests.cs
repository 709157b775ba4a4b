using Kse.Core.Changes;

namespace Kse.Core.Tests.Changes;

public sealed class UnifiedDiffTests
{
    [Fact]
    public void Parse_ReadsHunksByTheirCounts_SoRemovedSqlCommentsAreNotHeaders()
    {
        const string diff = """
            diff --git a/db/a.sql b/db/a.sql
            index 1..2 100644
            --- a/db/a.sql
            +++ b/db/a.sql
            @@ -1,3 +1,2 @@
            --- old comment
            -++ also content
             SELECT 1;
            +SELECT 2;
            diff --git a/b.cs b/b.cs
            --- a/b.cs
            +++ b/b.cs
            @@ -10 +10 @@ class B
            -x
            +y
            """;
        var files = UnifiedDiff.Parse(diff);
        Assert.Equal(["db/a.sql", "b.cs"], files.Select(f => f.Path));
        var lines = files[0].Hunks[0].Lines;
        Assert.Equal(DiffLineKind.Removed, lines[0].Kind);
        Assert.Equal("-- old comment", lines[0].Text);
        Assert.Equal((DiffLineKind.Added, 2), (lines[3].Kind, lines[3].Line));
        Assert.Equal("class B", files[1].Hunks[0].Section);
        Assert.Equal(10, files[1].Hunks[0].Lines[1].Line);
    }

    [Fact]
    public void Parse_HandlesCrlf_NewDeletedRenamedAndBinaryFiles()
    {
        var diff = string.Join("\r\n",
            "diff --git a/new.txt b/new.txt", "new file mode 100644", "--- /dev/null", "+++ b/new.txt", "@@ -0,0 +1 @@", "+hello", "\\ No newline at end of file",
            "diff --git a/old.txt b/old.txt", "deleted file mode 100644", "--- a/old.txt", "+++ /dev/null", "@@ -1 +0,0 @@", "-bye",
            "diff --git a/src/x.cs b/src/y.cs", "similarity index 100%", "rename from src/x.cs", "rename to src/y.cs",
            "diff --git a/img.png b/img.png", "Binary files a/img.png and b/img.png differ", "");
        var files = UnifiedDiff.Parse(diff);
        Assert.Equal(4, files.Count);
        Assert.Equal(DiffFileStatus.Added, files[0].Status);
        Assert.Equal("hello", Assert.Single(files[0].AllLines).Text);
        Assert.Equal((DiffFileStatus.Deleted, "old.txt"), (files[1].Status, files[1].Path));
        Assert.Equal((DiffFileStatus.Renamed, "src/y.cs", "src/x.cs"), (files[2].Status, files[2].Path, files[2].OldPath));
        Assert.True(files[3].IsBinary);
    }

    [Fact]
    public void Parse_ReadsPlainDiffU_WithTimestampsInHeaders()
    {
        const string diff = "--- config/app.ini\t2026-01-01 10:00:00\n+++ config/app.ini\t2026-01-02 10:00:00\n@@ -1 +1 @@\n-a=1\n+a=2\n";
        var file = Assert.Single(UnifiedDiff.Parse(diff));
        Assert.Equal("config/app.ini", file.Path);
        Assert.Equal(DiffFileStatus.Modified, file.Status);
    }

    [Fact]
    public void Parse_RejectsTextThatIsNotADiff()
    {
        var ex = Assert.Throws<KseException>(() => UnifiedDiff.Parse("this is a commit message, not a diff\n"));
        Assert.Equal("change.diff_invalid", ex.Code);
    }

    [Fact]
    public void Parse_EmptyInput_HasNoFiles_AndClassifiesAsL1WithoutFindings()
    {
        Assert.Empty(UnifiedDiff.Parse(""));
        var result = new ChangeClassifier().Classify("");
        Assert.Equal(ChangeLevel.L1, result.Level);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void Classify_RenamedMigrationWithoutContent_IsStillData()
    {
        var diff = "diff --git a/db/migrations/V2__a.sql b/db/migrations/V2__b.sql\nsimilarity index 100%\nrename from db/migrations/V2__a.sql\nrename to db/migrations/V2__b.sql\n";
        var result = new ChangeClassifier().Classify(diff);
        Assert.Equal(ChangeLevel.L4, result.Level);
        Assert.Equal("data.applied-migration-edited", Assert.Single(result.Findings).Rule);
    }

    [Fact]
    public void Classify_FindingLines_PointAtTheStatementInTheNewFile()
    {
        var diff = "diff --git a/db/migrations/V2__x.sql b/db/migrations/V2__x.sql\nnew file mode 100644\n--- /dev/null\n+++ b/db/migrations/V2__x.sql\n@@ -0,0 +1,3 @@\n+-- comment\n+ALTER TABLE invoices DROP COLUMN legacy;\n+CREATE INDEX ix ON invoices (total);\n";
        var findings = new ChangeClassifier().Classify(diff).Findings;
        Assert.Equal(2, findings.Single(f => f.Rule == "data.column-dropped").Line);
        Assert.Equal(3, findings.Single(f => f.Rule == "data.index-blocking").Line);
        Assert.Equal("invoices.legacy", findings.Single(f => f.Rule == "data.column-dropped").Subject);
    }

    [Fact]
    public void Classify_HostileLongLines_AreClippedAndStillClassified()
    {
        var hostile = "public " + string.Concat(Enumerable.Repeat("a ", 200_000));
        var diff = $"--- a/src/Controllers/XController.cs\n+++ b/src/Controllers/XController.cs\n@@ -1 +1 @@\n-x\n+{hostile}\n";
        var result = new ChangeClassifier().Classify(diff);
        Assert.Equal(ChangeLevel.L1, result.Level);
        Assert.Equal(UnifiedDiff.MaxLineLength, UnifiedDiff.Parse(diff)[0].Hunks[0].Lines[1].Text.Length);
    }
}
