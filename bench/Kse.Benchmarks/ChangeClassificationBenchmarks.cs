using System.Text;
using BenchmarkDotNet.Attributes;
using Kse.Core.Changes;

namespace Kse.Benchmarks;

/// <summary>
/// Classifying a 10,000-file diff: a monorepo-sized change mixing source, tests, settings, SQL and EF Core migrations,
/// OpenAPI, protobuf, Kubernetes, compose and Terraform files, about 21 changed lines per file.
/// </summary>
[MemoryDiagnoser]
public class ChangeClassificationBenchmarks
{
    private string _diff = "";
    private IReadOnlyList<DiffFile> _files = [];
    private readonly ChangeClassifier _classifier = new();

    [Params(10_000)]
    public int Files { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _diff = BuildDiff(Files);
        _files = UnifiedDiff.Parse(_diff);
    }

    [Benchmark(Description = "parse + classify")]
    public int ParseAndClassify() => _classifier.Classify(_diff).Findings.Count;

    [Benchmark(Description = "parse only")]
    public int ParseOnly() => UnifiedDiff.Parse(_diff).Count;

    [Benchmark(Description = "classify parsed files")]
    public int ClassifyParsed() => _classifier.Classify(_files).Findings.Count;

    /// <summary>A git-style diff of <paramref name="count"/> files; every tenth kind of file repeats.</summary>
    public static string BuildDiff(int count)
    {
        var sb = new StringBuilder(count * 900);
        for (var i = 0; i < count; i++)
        {
            var (path, old, neu) = (i % 10) switch
            {
                0 or 1 or 2 => ($"src/Service{i % 97}/Feature{i}.cs", CSharp(i, "Amount"), CSharp(i, "Amount * Quantity")),
                3 => ($"tests/Service{i % 97}.Tests/Feature{i}Tests.cs", CSharp(i, "3m"), CSharp(i, "6m")),
                4 => ($"src/Service{i % 97}/appsettings.json", "{\n  \"Logging\": { \"Default\": \"Information\" },\n  \"ConnectionStrings\": {\n    \"Main\": \"Host=db-1;Database=s\"\n  }\n}\n", "{\n  \"Logging\": { \"Default\": \"Warning\" },\n  \"ConnectionStrings\": {\n    \"Main\": \"Host=db-2;Database=s\"\n  }\n}\n"),
                5 => ($"db/migrations/V{i}__change.sql", "", $"ALTER TABLE t{i} ADD COLUMN note text;\nCREATE INDEX ix_{i} ON t{i} (note);\nALTER TABLE t{i} DROP COLUMN legacy;\n"),
                6 => ($"services/s{i}/openapi.yaml", OpenApi(true), OpenApi(false)),
                7 => ($"proto/s{i}.proto", "syntax = \"proto3\";\nmessage M {\n  string id = 1;\n  string name = 2;\n  int64 total = 3;\n}\n", "syntax = \"proto3\";\nmessage M {\n  string id = 1;\n  int64 total = 4;\n  string region = 5;\n}\n"),
                8 => ($"k8s/s{i}-deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: s\nspec:\n  replicas: 2\n", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: s\nspec:\n  replicas: 3\n"),
                _ => ($"infra/s{i}.tf", "resource \"aws_instance\" \"a\" {\n  instance_type = \"t3.small\"\n}\n", "resource \"aws_instance\" \"a\" {\n  instance_type = \"t3.large\"\n}\n"),
            };
            AppendFile(sb, path, old, neu);
        }

        return sb.ToString();
    }

    private static string CSharp(int i, string expr) =>
        $"namespace S{i};\n\npublic sealed class Feature{i}\n{{\n    public decimal Total(Order o)\n    {{\n        var sum = 0m;\n        foreach (var l in o.Lines)\n        {{\n            sum += l.{expr};\n        }}\n\n        return sum;\n    }}\n}}\n";

    private static string OpenApi(bool before) =>
        "openapi: 3.0.3\npaths:\n  /items:\n    get:\n      responses:\n        '200':\n          description: ok\n" + (before ? "  /items/{id}:\n    get:\n      responses:\n        '200':\n          description: ok\n" : "");

    /// <summary>One file as a single hunk that replaces the whole text (simple, and heavier than git's minimal hunks).</summary>
    private static void AppendFile(StringBuilder sb, string path, string old, string neu)
    {
        var a = old.Length == 0 ? [] : old.TrimEnd('\n').Split('\n');
        var b = neu.TrimEnd('\n').Split('\n');
        sb.Append("diff --git a/").Append(path).Append(" b/").Append(path).Append('\n');
        if (a.Length == 0)
        {
            sb.Append("new file mode 100644\n--- /dev/null\n");
        }
        else
        {
            sb.Append("--- a/").Append(path).Append('\n');
        }

        sb.Append("+++ b/").Append(path).Append('\n');
        sb.Append("@@ -").Append(a.Length == 0 ? "0,0" : $"1,{a.Length}").Append(" +1,").Append(b.Length).Append(" @@\n");
        foreach (var l in a)
        {
            sb.Append('-').Append(l).Append('\n');
        }

        foreach (var l in b)
        {
            sb.Append('+').Append(l).Append('\n');
        }
    }
}
