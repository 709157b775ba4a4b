using Kse.Core.Changes;

namespace Kse.Core.Tests.Changes;

/// <summary>With both full documents (a diff from git), OpenAPI is compared as documents, not hunks.</summary>
public sealed class OpenApiStructuralDiffTests
{
    private const string Before = """
        openapi: 3.1.0
        info: { title: Billing, version: 2.3.0 }
        paths:
          /invoices/{invoiceId}:
            parameters:
              - { name: invoiceId, in: path, required: true, schema: { type: string } }
            get:
              parameters:
                - { name: expand, in: query, schema: { type: string } }
              responses: { '200': { description: ok } }
            delete:
              responses: { '204': { description: deleted } }
          /invoices/{id}/lines:
            get:
              responses: { '200': { description: ok } }
          /credit-notes:
            post:
              requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/Note' } } } }
              responses: { '201': { description: created } }
        components:
          schemas:
            Note:
              type: object
              required: [amount]
              properties:
                amount: { type: integer }
                memo: { type: string }
        """;

    private const string After = """
        openapi: 3.1.0
        info: { title: Billing, version: 2.4.0 }
        paths:
          /invoices/{id}:
            parameters:
              - { name: invoiceId, in: path, required: true, schema: { type: string } }
            get:
              parameters:
                - { name: expand, in: query, required: true, schema: { type: [string, 'null'] } }
                - { name: tenant, in: header, required: true, schema: { type: string } }
              responses: { '200': { description: ok } }
          /credit-notes:
            post:
              requestBody: { required: true, content: { application/json: { schema: { $ref: '#/components/schemas/Note' } } } }
              responses: { '201': { description: created } }
          /refunds:
            get:
              responses: { '200': { description: ok } }
        components:
          schemas:
            Note:
              type: object
              required: [amount, currency]
              properties:
                amount: { type: string }
                currency: { type: string }
        """;

    private static DiffFile File(string before, string after)
    {
        const string diff = "--- a/api/openapi.yaml\n+++ b/api/openapi.yaml\n@@ -2 +2 @@\n-info: { title: Billing, version: 2.3.0 }\n+info: { title: Billing, version: 2.4.0 }\n";
        return UnifiedDiff.Parse(diff)[0].WithContent(new DiffFileContent(before.Split('\n'), after.Split('\n')));
    }

    [Fact]
    public void Documents_AreCompared_PathsOperationsParametersRequiredAndTypes()
    {
        var findings = new ChangeClassifier().Classify([File(Before, After)]).Findings;
        string[] Of(string rule) => findings.Where(f => f.Rule == rule).Select(f => f.Subject!).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(["/invoices/{id}/lines"], Of("api.openapi.path-removed"));
        Assert.Equal(["DELETE /invoices/{id}"], Of("api.openapi.operation-removed"));
        Assert.Equal(["GET /invoices/{id} expand", "GET /invoices/{id} tenant", "Note.currency", "POST /credit-notes"], Of("api.openapi.required-added"));
        Assert.Equal(["Note.amount", "Note.memo"], Of("api.openapi.type-changed"));
        Assert.Contains("/refunds", Of("api.openapi.added"));
        Assert.Contains("GET /invoices/{id} expand", Of("api.openapi.added"));
        Assert.DoesNotContain(findings, f => f.Subject == "/invoices/{invoiceId}");
        Assert.Equal(10, findings.Single(f => f.Subject == "GET /invoices/{id} tenant").Line);
    }

    [Fact]
    public void Documents_WithOnlyMetadataChanges_AreNotBreaking()
    {
        var findings = new ChangeClassifier().Classify([File(Before, Before.Replace("version: 2.3.0", "version: 2.3.1", StringComparison.Ordinal))]).Findings;
        Assert.Equal("api.openapi.changed", Assert.Single(findings).Rule);
    }

    [Fact]
    public void UnparsableDocuments_FallBackToTheHunkRules()
    {
        var findings = new ChangeClassifier().Classify([File("openapi: [unclosed", After)]).Findings;
        Assert.Equal("api.openapi.changed", Assert.Single(findings).Rule);
    }
}
