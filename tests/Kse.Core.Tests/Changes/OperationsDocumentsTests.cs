using Kse.Core.Changes;
using Kse.TestKit;

namespace Kse.Core.Tests.Changes;

public sealed class OperationsDocumentsTests
{
    [Fact]
    public void Items_JoinMultiLineEntries_AndNameDeclaredOperations_InDocumentOrder()
    {
        var body = "\n- `GET /health/ready` returns 200 within 2 s; the `database`\n  and `psp` checks must be Healthy.\n\n```kse-operation\nname: smoke-test\nrisk: read\ncommand: [\"curl\", \"-fsS\", \"http://localhost:3000/api/health\"]\n```\n\nThe home page renders in under 1.5 s.\n";
        Assert.Equal(
            ["`GET /health/ready` returns 200 within 2 s; the `database` and `psp` checks must be Healthy.", "run operation `smoke-test` (risk read)", "The home page renders in under 1.5 s."],
            OperationsDocuments.Items(body));
    }

    [Fact]
    public void Items_AreListEntries_WithoutPlaceholders_OrPlainLinesWhenThereIsNoList()
    {
        Assert.Equal(["helm rollback billing", "flyway undo"], OperationsDocuments.Items("\n<!-- kse:fill: steps,\nmultiline -->\n1. helm rollback billing\n- flyway undo\n"));
        Assert.Equal(["Restore from the nightly backup.", "pg_restore -d billing"], OperationsDocuments.Items("\nRestore from the nightly backup.\n```\npg_restore -d billing\n```\n"));
    }

    [Fact]
    public void FilledItems_OfAnUnfilledTemplateSection_AreEmpty_AndCrlfReadsTheSame()
    {
        using var ws = new TempWorkspace();
        ws.Write(".sce/specs/billing/operations/rollback.md", "# r\r\n\r\n## Rollback Steps\r\n\r\n<!-- kse:fill: the steps -->\r\n\r\n## Data Recovery Procedures\r\n\r\n- restore\r\n");
        var docs = new OperationsDocuments(ws.Workspace);
        Assert.Empty(docs.FilledItems("billing", "rollback.md", "Rollback Steps"));
        Assert.Equal(["restore"], docs.FilledItems("billing", "rollback.md", "data recovery procedures"));
        Assert.Null(docs.Load("nobody", "rollback.md"));
    }
}
