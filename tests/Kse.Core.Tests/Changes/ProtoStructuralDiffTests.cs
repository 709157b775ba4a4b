using Kse.Core.Changes;

namespace Kse.Core.Tests.Changes;

/// <summary>With both full .proto files (a diff from git), messages, fields and RPCs are compared as declarations.</summary>
public sealed class ProtoStructuralDiffTests
{
    private const string Before = """
        syntax = "proto3";
        package billing.v1;

        service Invoices {
          rpc Get (GetRequest) returns (Invoice);
          rpc Void (VoidRequest) returns (Invoice);
        }

        message Invoice {
          string id = 1;
          // a long comment
          // that pushes the fields
          // far below the message line
          int64 total_cents = 2;
          string currency = 3;
          oneof payer {
            string customer_id = 4;
            string account_id = 5;
          }
          message Line {
            string sku = 1;
            int32 qty = 2;
          }
        }

        enum Status {
          STATUS_UNSPECIFIED = 0;
          STATUS_OPEN = 1;
          STATUS_VOID = 2;
        }
        """;

    private static IReadOnlyList<ChangeFinding> Classify(string after)
    {
        const string diff = "--- a/proto/invoice.proto\n+++ b/proto/invoice.proto\n@@ -2 +2 @@\n-package billing.v1;\n+package billing.v1;\n";
        var file = UnifiedDiff.Parse(diff)[0].WithContent(new DiffFileContent(Before.Split('\n'), after.Split('\n')));
        return new ChangeClassifier().Classify([file]).Findings;
    }

    [Fact]
    public void Declarations_AreCompared_WithQualifiedNames()
    {
        var after = Before
            .Replace("  string currency = 3;\n", "", StringComparison.Ordinal)
            .Replace("int64 total_cents = 2;", "double total_cents = 2;", StringComparison.Ordinal)
            .Replace("string account_id = 5;", "string account_id = 6;", StringComparison.Ordinal)
            .Replace("    int32 qty = 2;\n", "    int32 qty = 2;\n    string unit = 3;\n", StringComparison.Ordinal)
            .Replace("  rpc Void (VoidRequest) returns (Invoice);\n", "", StringComparison.Ordinal)
            .Replace("  STATUS_VOID = 2;\n", "", StringComparison.Ordinal);
        var findings = Classify(after);
        string[] Of(string rule) => findings.Where(f => f.Rule == rule).Select(f => f.Subject!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["Invoice.currency", "Status.STATUS_VOID"], Of("api.proto.field-removed"));
        Assert.Equal(["Invoice.total_cents"], Of("api.proto.field-type-changed"));
        Assert.Equal(["Invoice.account_id"], Of("api.proto.field-number-changed"));
        Assert.Equal(["Invoices.Void"], Of("api.proto.rpc-removed"));
        Assert.Equal(["Invoice.Line.unit"], Of("api.proto.added"));
    }

    [Fact]
    public void CommentOnlyEdits_AreNotBreaking()
    {
        var findings = Classify(Before.Replace("// a long comment", "// a longer comment", StringComparison.Ordinal));
        Assert.Equal("api.proto.changed", Assert.Single(findings).Rule);
    }
}
