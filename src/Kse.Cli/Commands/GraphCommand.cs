using System.CommandLine;
using System.Text;
using Kse.Core;
using Kse.Core.Projects;

namespace Kse.Cli.Commands;

/// <summary><c>kse graph</c>: The multi-project dependency graph.</summary>
internal static class GraphCommand
{
    public static Command Create() =>
        CommandExtensions.Group("graph", "The multi-project dependency graph.", "kse graph show --format dot",
            Show(), Dependents(), Check(), Discover());

    private static DependencyGraph Load(CliContext ctx) => ctx.Get<ProjectGraphService>().LoadValid();

    private static Command Show()
    {
        var format = new Option<string>("--format") { Description = "text, json or dot (Graphviz); --json implies json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "dot");
        var command = CommandExtensions.Verb("show", "Print the declared projects, what they provide and what they consume, as text, JSON or Graphviz dot.", "kse graph show --format dot | dot -Tsvg > graph.svg");
        command.Options.Add(format);
        return command.WithAction(ctx =>
        {
            var graph = Load(ctx);
            var f = ctx.Json ? "json" : ctx.Value(format) ?? "text";
            var edges = graph.Edges();
            switch (f)
            {
                case "json":
                    ctx.WriteJson(new GraphDocument(graph.Projects, edges));
                    break;
                case "dot":
                    ctx.Out.Write(Dot(graph, edges));
                    break;
                default:
                    foreach (var p in graph.Projects)
                    {
                        ctx.WriteLine($"{p.Name}{(p.Path is null ? "" : $" ({p.Path})")}");
                        if (p.Provides.Count > 0)
                        {
                            ctx.WriteLine($"  provides: {string.Join(", ", p.Provides.Select(r => $"{DependencyFile.KindName(r.Kind)} {r.Name}{(r.Version is null ? "" : " " + r.Version)}{(r.Protocol is null ? "" : $" ({r.Protocol})")}"))}");
                        }

                        foreach (var c in p.Consumes)
                        {
                            ctx.WriteLine($"  consumes: {c.Project} {DependencyFile.KindName(c.Kind)}:{c.Name}{(c.Version is null ? "" : " " + c.Version)}{(c.Uses.Count > 0 ? $" uses {string.Join(", ", c.Uses)}" : "")}");
                        }
                    }

                    break;
            }

            return 0;
        });
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Dot(DependencyGraph graph, IReadOnlyList<GraphEdge> edges)
    {
        var sb = new StringBuilder();
        sb.Append("digraph kse {\n  rankdir=LR;\n  node [shape=box];\n");
        foreach (var p in graph.Projects)
        {
            var provides = string.Join("\\n", p.Provides.Select(r => $"{DependencyFile.KindName(r.Kind)} {r.Name}{(r.Version is null ? "" : " " + r.Version)}"));
            sb.Append("  ").Append(Quote(p.Name)).Append(" [label=").Append(Quote(provides.Length == 0 ? p.Name : $"{p.Name}\\n{provides}").Replace("\\\\n", "\\n", StringComparison.Ordinal)).Append("];\n");
        }

        foreach (var e in edges)
        {
            sb.Append("  ").Append(Quote(e.From)).Append(" -> ").Append(Quote(e.To)).Append(" [label=").Append(Quote(e.Version is null ? e.Resource : $"{e.Resource} {e.Version}")).Append("];\n");
        }

        sb.Append("}\n");
        return sb.ToString();
    }

    private static Command Dependents()
    {
        var project = new Argument<string>("project") { Description = "The provider whose dependents to list" };
        var transitive = new Option<bool>("--transitive") { Description = "Also list the dependents of dependents" };
        var command = CommandExtensions.Verb("dependents", "List the projects that consume from a project, directly or (with --transitive) through others.", "kse graph dependents billing --transitive");
        command.Arguments.Add(project);
        command.Options.Add(transitive);
        return command.WithAction(ctx =>
        {
            var view = ctx.Get<ProjectGraphService>().Dependents(ctx.Value(project)!, ctx.Value(transitive));
            var (name, dependents) = (view.Project, view.Dependents);
            if (ctx.Json)
            {
                ctx.WriteJson(view);
            }
            else if (dependents.Count == 0)
            {
                ctx.WriteLine($"no project consumes from {name}");
            }
            else
            {
                foreach (var d in dependents)
                {
                    ctx.WriteLine(d.Direct ? $"{d.Project}  consumes {string.Join(", ", d.Consumes)}" : $"{d.Project}  via {string.Join(" -> ", d.Path)}");
                }
            }

            return 0;
        });
    }

    private static Command Check() =>
        CommandExtensions.Verb("check", "Validate .sce/dependencies.yaml: schema (with line numbers), unknown projects and resources, version ranges nobody satisfies, cycles. Exit 1 on problems.", "kse graph check --json")
            .WithAction(ctx =>
            {
                var report = ctx.Get<ProjectGraphService>().Check();
                if (ctx.Json)
                {
                    ctx.WriteJson(report);
                }
                else
                {
                    WriteProblems(ctx, report.Problems, report.Valid ? $"ok: {report.Projects} project(s), no problems" : $"{report.Problems.Count} problem(s) in {report.Projects} project(s)");
                }

                return report.Valid ? 0 : 1;
            });

    private static Command Discover() =>
        CommandExtensions.Verb("discover", "Scan each project's configuration files (under its 'path') for host names, URLs and connection strings of other projects; report undeclared and stale dependencies. Exit 1 on findings.", "kse graph discover --json")
            .WithAction(ctx =>
            {
                var report = ctx.Get<ProjectGraphService>().Discover();
                if (ctx.Json)
                {
                    ctx.WriteJson(report);
                }
                else
                {
                    var scanned = report.Scanned.Count == 0
                        ? "no project declares a 'path' to scan"
                        : string.Join(", ", report.Scanned.Select(s => $"{s.Key} {s.Value} file(s)"));
                    WriteProblems(ctx, report.Problems, report.Consistent ? $"consistent: the declaration matches the configuration ({scanned})" : $"{report.Problems.Count} difference(s) between the declaration and the configuration ({scanned})");
                    if (report.Skipped.Count > 0)
                    {
                        ctx.WriteLine($"not scanned (no 'path'): {string.Join(", ", report.Skipped)}");
                    }
                }

                return report.Consistent ? 0 : 1;
            });

    private static void WriteProblems(CliContext ctx, IReadOnlyList<GraphProblem> problems, string headline)
    {
        ctx.WriteLine(headline);
        foreach (var p in problems)
        {
            var at = p.File is null ? "" : $"{p.File}{(p.Line is null ? "" : ":" + p.Line)}{(p.Column is null ? "" : ":" + p.Column)}: ";
            ctx.WriteLine($"  {p.Kind}: {at}{p.Message}");
        }
    }
}
