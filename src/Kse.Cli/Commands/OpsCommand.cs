using System.CommandLine;
using Kse.Core;
using Kse.Core.Specs;
using Kse.Core.Versions;

namespace Kse.Cli.Commands;

/// <summary><c>kse ops</c>: create, validate, list and show operations specs.</summary>
internal static class OpsCommand
{
    private static readonly Argument<string> Project = new("project") { Description = "The project (a slug: [a-z0-9][a-z0-9-]{0,62})" };

    public static Command Create() =>
        CommandExtensions.Group(
            "ops",
            "Operations specs: create, validate, list and show them; their versions and drift from the code.",
            "kse ops validate billing --json",
            [Init(), OpsRunCommand.Create(), Validate(), List(), Show(), Status(), .. VersionsCommand.OpsVerbs()]);

    private static Command Init()
    {
        var systemType = new Option<string>("--system-type")
        {
            Description = "kse (developed with Kse; starts at takeover L3) or existing (an adopted system; starts at L1)",
            DefaultValueFactory = _ => "kse",
        };
        var force = new Option<bool>("--force") { Description = "Overwrite documents that already exist" };
        var command = CommandExtensions.Verb(
            "init",
            "Create .sce/specs/<project>/operations/ with the nine documents from the templates, and project.yaml. Existing files are kept unless --force.",
            "kse ops init billing --system-type existing");
        command.Arguments.Add(Project);
        command.Options.Add(systemType);
        command.Options.Add(force);
        return command.WithAction(ctx =>
        {
            var project = ProjectName.Validate(ctx.Value(Project));
            var type = ProjectManifest.ParseSystemType(ctx.Value(systemType));
            var result = ctx.Get<SpecService>().InitProject(project, type, ctx.Value(force));
            if (ctx.Json)
            {
                ctx.WriteJson(result);
                return 0;
            }

            ctx.WriteLine($"{result.Directory}: {result.Created.Count} created, {result.Overwritten.Count} overwritten, {result.Skipped.Count} kept");
            foreach (var name in result.Skipped)
            {
                ctx.WriteLine($"  kept {name} (exists; --force overwrites)");
            }

            ctx.WriteLine($"next: fill the sections marked <!-- kse:fill: ... -->, then 'kse ops validate {project}'");
            return 0;
        });
    }

    private static Command Validate()
    {
        var command = CommandExtensions.Verb(
            "validate",
            "Check a project's operations spec: every document present, every required section there and filled, tools.yaml and runnable operations valid. Exit 0 only when complete, 1 when problems were found.",
            "kse ops validate billing --json");
        var version = new Option<string?>("--version") { Description = "Validate the documents this version resolves to (see 'kse ops resolve')" };
        command.Arguments.Add(Project);
        command.Options.Add(version);
        return command.WithAction(ctx =>
        {
            var report = ctx.Value(version) is { } v
                ? ctx.Get<SpecVersionService>().Validate(ctx.Value(Project)!, v)
                : ctx.Get<SpecService>().Validate(ctx.Value(Project)!);
            if (ctx.Json)
            {
                ctx.WriteJson(report);
            }
            else
            {
                WriteReport(ctx, report);
            }

            return report.Valid ? 0 : 1;
        });
    }

    private static void WriteReport(CliContext ctx, ValidationReport report)
    {
        foreach (var d in report.Documents)
        {
            if (!d.Present)
            {
                ctx.WriteLine($"MISSING  {d.Name}");
                continue;
            }

            ctx.WriteLine($"{(d.Complete ? "ok      " : "INVALID ")} {d.Name}");
            foreach (var s in d.MissingSections)
            {
                ctx.WriteLine($"         missing section '## {s}'");
            }

            foreach (var s in d.UnfilledSections)
            {
                ctx.WriteLine($"         unfilled section '{s}' (only placeholders)");
            }

            foreach (var s in d.SharedSections)
            {
                ctx.WriteLine($"         '{s}' comes from .sce/shared/operations/{d.Name}");
            }

            foreach (var e in d.Errors)
            {
                ctx.WriteLine($"         {e}");
            }

            foreach (var w in d.Warnings)
            {
                ctx.WriteLine($"         warning: {w}");
            }
        }

        foreach (var e in report.ManifestErrors)
        {
            ctx.WriteLine($"INVALID  project.yaml: {e}");
        }

        var complete = report.Documents.Count(d => d.Complete);
        var label = report.SpecVersion is { } sv ? $"{report.Project} (spec version {sv})" : report.Project;
        ctx.WriteLine(report.Valid
            ? $"{label}: valid ({complete}/{report.Documents.Count} documents complete)"
            : $"{label}: invalid ({complete}/{report.Documents.Count} documents complete)");
    }

    private static Command List()
    {
        var command = CommandExtensions.Verb("list", "List the workspace's projects and whether their operations specs are valid.", "kse ops list --json");
        return command.WithAction(ctx =>
        {
            var list = ctx.Get<SpecService>().ListProjects();
            if (ctx.Json)
            {
                ctx.WriteJson(list);
                return 0;
            }

            if (list.Projects.Count == 0)
            {
                ctx.WriteLine($"no projects in {ctx.Workspace.SpecsDir} (create one with 'kse ops init <project>')");
                return 0;
            }

            foreach (var p in list.Projects)
            {
                var state = !p.HasOperations ? "no operations spec" : p.Valid ? "valid" : $"invalid ({p.Problems} problems)";
                ctx.WriteLine($"{p.Name,-24} {p.SystemType,-9} {p.CompleteDocuments}/{SpecDocuments.All.Count} complete  {state}");
            }

            return 0;
        });
    }

    private static Command Show()
    {
        var document = new Argument<string>("document") { Description = "One of the nine documents, with or without extension (deployment, tools.yaml, ...)" };
        var resolved = new Option<bool>("--resolved") { Description = "Merge in .sce/shared/operations/: the project's own filled sections win" };
        var version = new Option<string?>("--version") { Description = "Show the document as this version resolves it (its own copy overlaid on its base, section by section)" };
        var command = CommandExtensions.Verb("show", "Print one operations document, as stored or resolved against the shared library; with --version, as that spec version resolves it.", "kse ops show billing deployment --version 2.4.1 --resolved");
        command.Arguments.Add(Project);
        command.Arguments.Add(document);
        command.Options.Add(resolved);
        command.Options.Add(version);
        return command.WithAction(ctx =>
        {
            if (ctx.Value(version) is { } v)
            {
                var versioned = ctx.Get<SpecVersionService>().Show(ctx.Value(Project)!, ctx.Value(document)!, v, ctx.Value(resolved));
                if (ctx.Json)
                {
                    ctx.WriteJson(versioned);
                }
                else
                {
                    ctx.Out.Write(versioned.Text);
                }

                return 0;
            }

            var view = ctx.Get<SpecService>().Show(ctx.Value(Project)!, ctx.Value(document)!, ctx.Value(resolved));
            if (ctx.Json)
            {
                ctx.WriteJson(view);
            }
            else
            {
                ctx.Out.Write(view.Text);
            }

            return 0;
        });
    }

    private static Command Status()
    {
        var command = CommandExtensions.Verb(
            "status",
            "List kse development specs (.sce/specs/<name>/tasks.md); name those whose tasks are all done but that have no operations spec yet, and those whose code (since tasks.md was added) changed operational things their operations documents do not describe.",
            "kse ops status");
        return command.WithAction(ctx =>
        {
            var status = ctx.Get<SpecService>().Status();
            if (ctx.Json)
            {
                ctx.WriteJson(status);
                return 0;
            }

            if (status.Specs.Count == 0)
            {
                ctx.WriteLine("no development specs (folders under .sce/specs with a tasks.md)");
                return 0;
            }

            foreach (var s in status.Specs)
            {
                var state = s.OperationsUpdates is { Count: > 0 } ? "done, its code changed operational things: update the operations documents below"
                    : s.HasOperationsSpec ? "has an operations spec" : s.NeedsOperationsSpec ? $"done, needs an operations spec: run '{s.Action}'" : "in progress";
                ctx.WriteLine($"{s.Name,-24} tasks {s.TasksDone}/{s.TasksTotal}  {state}");
                foreach (var u in s.OperationsUpdates ?? [])
                {
                    ctx.WriteLine($"    update {u.Document} '{(u.Document.EndsWith(".md", StringComparison.Ordinal) ? "## " : "")}{u.Section}' ({u.Rule}): {u.Reason}");
                }
            }

            return 0;
        });
    }
}
