using Kse.Core.Changes;

namespace Kse.Core.Tests.Changes;

/// <summary>With both full schemas (a diff from git), GraphQL types, fields and arguments are compared as declarations.</summary>
public sealed class GraphQLStructuralDiffTests
{
    private const string Before = """"
        """
        The billing schema.
        type Query { x: Int }
        """
        type Query {
          invoice(id: ID!): Invoice
          invoices(
            status: String
            first: Int = 20
          ): [Invoice!]!
        }

        type Invoice {
          id: ID!
          total: Float!
          # a comment: not a field
          notes: String
        }

        input NewInvoice {
          customerId: ID!
        }

        enum Status {
          OPEN
          VOID
        }

        type CreditNote {
          id: ID!
        }
        """";

    private static IReadOnlyList<ChangeFinding> Classify(string after)
    {
        const string diff = "--- a/schema.graphql\n+++ b/schema.graphql\n@@ -6 +6 @@\n-type Query {\n+type Query {\n";
        var file = UnifiedDiff.Parse(diff)[0].WithContent(new DiffFileContent(Before.Split('\n'), after.Split('\n')));
        return new ChangeClassifier().Classify([file]).Findings;
    }

    [Fact]
    public void Declarations_AreCompared_IncludingMultiLineArguments()
    {
        var after = Before
            .Replace("    first: Int = 20\n", "    first: Int = 20\n    tenantId: ID!\n", StringComparison.Ordinal)
            .Replace("  total: Float!\n", "  total: String!\n", StringComparison.Ordinal)
            .Replace("  notes: String\n", "", StringComparison.Ordinal)
            .Replace("  customerId: ID!\n", "  customerId: ID!\n  currency: String!\n", StringComparison.Ordinal)
            .Replace("  VOID\n", "", StringComparison.Ordinal)
            .Replace("\ntype CreditNote {\n  id: ID!\n}", "", StringComparison.Ordinal);
        var findings = Classify(after);
        string[] Of(string rule) => findings.Where(f => f.Rule == rule).Select(f => f.Subject!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["CreditNote"], Of("api.graphql.type-removed"));
        Assert.Equal(["Invoice.notes", "Status.VOID"], Of("api.graphql.field-removed"));
        Assert.Equal(["Invoice.total"], Of("api.graphql.type-changed"));
        Assert.Equal(["NewInvoice.currency", "Query.invoices(tenantId)"], Of("api.graphql.required-argument-added"));
        Assert.DoesNotContain(findings, f => f.Subject is "Query.status" or "Query.first" or "x");
    }
}
