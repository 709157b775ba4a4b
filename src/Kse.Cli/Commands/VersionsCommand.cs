using System.CommandLine;
using System.Diagnostics;
using Kse.Core;
using Kse.Core.Changes;
using Kse.Core.Policy;
using Kse.Core.Versions;

namespace Kse.Cli.Commands;

/// <summary>
/// Versions of an operations spec and drift between code and spec: <c>kse ops version create|list|link</c>, <c>kse ops resolve</c>,
/// <c>kse ops diff</c>, <c>kse ops hotfix</c>, <c>kse ops drift</c>.
/// </summary>
internal static class VersionsCommand
{
    private static Argument<string> ProjectArgument() => new("project") { Description = "The project (a slug: [a-z0-9][a-z0-9-]{0,62})" };

    private static Argument<string> VersionArgument() => new("version") { Description = "A semantic version, e.g. 2.4.0 or 2.4.0-rc.1" };

    /// <summary>The verbs this capability adds under <c>kse ops</c>.</summary>
    public static IEnumerable<Command> OpsVerbs() => [Version(), Resolve(), Diff(), Hotfix(), Drift()];

    private static Command Version() =>
        CommandExtensions.Group(
            "version",
            "Versions of a project's operations spec under operations/versions/<version>/: a full copy, or only the documents that differ (overlaying their base by ## section).",
            "kse ops version list billing",
            Create(),
            List(),
            Link());

    private static SpecVersionStrategy? ParseStrategy(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "full" => SpecVersionStrategy.Full,
        "diff" => SpecVersionStrategy.Diff,
        _ => throw KseException.BadInput("versions.strategy_unknown", $"unknown strategy '{text}': use full or diff"),
    };

    private static Command Create()
    {
        var project = ProjectArgument();
        var version = new Argument<string?>("version") { Description = "A semantic version, e.g. 2.4.0 (optional with --from-tag: then every tag v<version> without a version)", Arity = ArgumentArity.ZeroOrOne };
        var strategy = new Option<string?>("--strategy") { Description = "full (copy every document) or diff (store only documents that differ). Default: full for a new major version (x.0.0), diff otherwise" };
        var from = new Option<string?>("--from") { Description = "The version to copy or overlay (default: what the new version resolves to today; 'main' for operations/)" };
        var fromTag = new Option<bool>("--from-tag") { Description = "Make versions for existing git tags v<version>, linked to the tag, with the operations documents as they were at the tag" };
        var command = CommandExtensions.Verb(
            "create",
            "Create a version of a project's operations spec. A full version copies every document; a diff version stores version.yaml naming its base, and later only the documents that differ.",
            "kse ops version create billing 2.4.0 --strategy diff");
        command.Arguments.Add(project);
        command.Arguments.Add(version);
        command.Options.Add(strategy);
        command.Options.Add(from);
        command.Options.Add(fromTag);
        return command.WithAction(async (ctx, ct) =>
        {
            var service = ctx.Get<SpecVersionService>();
            var name = ProjectName.Validate(ctx.Value(project));
            if (ctx.Value(fromTag))
            {
                if (ctx.Value(from) is not null)
                {
                    throw KseException.BadInput("versions.source_conflict", "--from-tag takes the documents from the tag: it cannot be combined with --from");
                }

                var made = await service.CreateFromTagsAsync(name, ctx.Value(version), ParseStrategy(ctx.Value(strategy)), ct);
                if (ctx.Json)
                {
                    ctx.WriteJson(made);
                    return 0;
                }

                foreach (var c in made.Created)
                {
                    WriteCreated(ctx, c);
                }

                foreach (var s in made.Skipped)
                {
                    ctx.WriteLine($"skipped {s}");
                }

                if (made.Created.Count == 0 && made.Skipped.Count == 0)
                {
                    ctx.WriteLine("no tags v<version> in the repository");
                }

                return 0;
            }

            var created = service.Create(name, ctx.Value(version) ?? throw KseException.BadInput("versions.version_missing", "give the version to create (or --from-tag)"), ParseStrategy(ctx.Value(strategy)), ctx.Value(from));
            if (ctx.Json)
            {
                ctx.WriteJson(created);
            }
            else
            {
                WriteCreated(ctx, created);
            }

            return 0;
        });
    }

    private static void WriteCreated(CliContext ctx, SpecVersionCreated c)
    {
        var docs = c.Documents.Count == 0 ? "no documents yet (they overlay the base until one differs: 'kse ops hotfix')" : $"{c.Documents.Count} document(s)";
        ctx.WriteLine($"{c.Project} {c.Version}: {c.Strategy.ToString().ToLowerInvariant()} version in {c.Directory}, " + (c.Strategy == SpecVersionStrategy.Diff ? $"base {c.Base}, " : $"copied from {c.Base}, ") + docs
            + (c.Revision is null ? "" : $", linked to {c.Tag ?? c.Revision[..12]} ({c.Revision[..12]})"));
    }

    private static Command List()
    {
        var project = ProjectArgument();
        var command = CommandExtensions.Verb("list", "List a project's spec versions: strategy, base, linked code revision, and the instances that resolve to each.", "kse ops version list billing --json");
        command.Arguments.Add(project);
        return command.WithAction(ctx =>
        {
            var list = ctx.Get<SpecVersionService>().List(ctx.Value(project)!);
            if (ctx.Json)
            {
                ctx.WriteJson(list);
                return 0;
            }

            ctx.WriteLine($"{"main",-16} {"operations/",-8} version {list.MainVersion ?? "-"}  instances: {Join(list.MainInstances)}");
            foreach (var v in list.Versions)
            {
                var code = v.Revision is null ? "not linked" : $"{v.Tag ?? "rev"} {v.Revision[..Math.Min(12, v.Revision.Length)]}";
                ctx.WriteLine($"{v.Version,-16} {v.Strategy.ToString().ToLowerInvariant(),-8} base {v.Base ?? "-",-10} {v.Documents.Count} doc(s)  {code}  instances: {Join(v.Instances)}");
                foreach (var p in v.Problems)
                {
                    ctx.WriteLine($"                 problem: {p}");
                }
            }

            return 0;
        });
    }

    private static string Join(IReadOnlyList<string> items) => items.Count == 0 ? "-" : string.Join(", ", items);

    private static Command Link()
    {
        var project = ProjectArgument();
        var version = VersionArgument();
        var rev = new Option<string?>("--rev") { Description = "The git revision the version describes (default: the tag v<version>)" };
        var command = CommandExtensions.Verb("link", "Record in version.yaml the code revision a spec version describes (through the git CLI).", "kse ops version link billing 2.4.0 --rev v2.4.0");
        command.Arguments.Add(project);
        command.Arguments.Add(version);
        command.Options.Add(rev);
        return command.WithAction(async (ctx, ct) =>
        {
            var link = await ctx.Get<SpecVersionService>().LinkAsync(ctx.Value(project)!, ctx.Value(version)!, ctx.Value(rev), ct);
            if (ctx.Json)
            {
                ctx.WriteJson(link);
            }
            else
            {
                ctx.WriteLine($"{link.Project} {link.Version}: linked to {(link.Tag is null ? "" : link.Tag + " ")}{link.Revision}");
            }

            return 0;
        });
    }

    private static Command Resolve()
    {
        var project = ProjectArgument();
        var version = new Option<string>("--version") { Description = "The version to resolve (an instance's version, say)", Required = true };
        var command = CommandExtensions.Verb(
            "resolve",
            "Show which spec version a version resolves to (exact, else the nearest lower of the same major.minor, else of the same major, else the main spec) and which file supplied each document and section.",
            "kse ops resolve billing --version 2.4.1 --json");
        command.Arguments.Add(project);
        command.Options.Add(version);
        return command.WithAction(ctx =>
        {
            var spec = ctx.Get<SpecVersionService>().Resolve(ctx.Value(project)!, ctx.Value(version));
            if (ctx.Json)
            {
                ctx.WriteJson(spec);
                return 0;
            }

            ctx.WriteLine($"{spec.Project} {spec.RequestedVersion} -> {spec.SpecVersion}: {spec.Reason}");
            ctx.WriteLine($"  chain: {string.Join(" -> ", spec.Chain)}");
            foreach (var d in spec.Documents)
            {
                ctx.WriteLine($"  {d.Name,-22} {d.Version,-10} {d.Source}{(d.Overlaid ? " (overlay)" : "")}  sha256 {d.Sha256[..12]}");
                if (d.Overlaid)
                {
                    foreach (var s in d.Sections)
                    {
                        ctx.WriteLine($"      ## {s.Heading,-32} {s.Version,-10} {s.Source}");
                    }
                }
            }

            return 0;
        });
    }

    private static Command Diff()
    {
        var project = ProjectArgument();
        var from = new Argument<string>("from") { Description = "A version (or main)" };
        var to = new Argument<string>("to") { Description = "Another version (or main)" };
        var command = CommandExtensions.Verb(
            "diff",
            "Compare what two versions resolve to: documents and ## sections added, removed and changed, and operation blocks changed with their risk.",
            "kse ops diff billing 2.3.1 2.4.0 --json");
        command.Arguments.Add(project);
        command.Arguments.Add(from);
        command.Arguments.Add(to);
        return command.WithAction(ctx =>
        {
            var diff = ctx.Get<SpecVersionService>().Diff(ctx.Value(project)!, ctx.Value(from)!, ctx.Value(to)!);
            if (ctx.Json)
            {
                ctx.WriteJson(diff);
                return 0;
            }

            ctx.WriteLine($"{diff.Project}: {diff.From} ({diff.FromSpecVersion}) -> {diff.To} ({diff.ToSpecVersion})" + (diff.Identical ? ": identical" : ""));
            foreach (var d in diff.Documents)
            {
                ctx.WriteLine($"  {d.Change,-8} {d.Name}" + (d.Change == "changed" ? $"  ({d.FromSource} -> {d.ToSource})" : ""));
                foreach (var s in d.Sections)
                {
                    ctx.WriteLine($"           {s.Change,-8} ## {s.Heading}");
                }
            }

            foreach (var o in diff.Operations)
            {
                ctx.WriteLine($"  operation {o.Change,-8} {o.Name} ({o.Risk.Name()}{(o.PreviousRisk is { } p ? $", was {p.Name()}" : "")}) in {o.Document}" + (o.Fields.Count > 0 ? $": {string.Join(", ", o.Fields)}" : ""));
                if (o.From is not null)
                {
                    ctx.WriteLine($"           - {o.From}");
                    ctx.WriteLine($"           + {o.To}");
                }
            }

            return 0;
        });
    }

    private static Command Hotfix()
    {
        var project = ProjectArgument();
        var version = VersionArgument();
        var document = new Argument<string>("document") { Description = "One of the nine documents, with or without extension" };
        var fromFile = new Option<string?>("--from-file") { Description = "Take the new text from this file instead of opening $VISUAL/$EDITOR" };
        var user = new Option<string?>("--user") { Description = "Who makes the fix (default: the OS user)" };
        var command = CommandExtensions.Verb(
            "hotfix",
            "Fix one document of one spec version only: the version gets its own copy (from its resolved text) if it has none, edited in $VISUAL/$EDITOR or taken from --from-file. Other versions and the main spec are untouched; audited with the document's SHA-256 before and after.",
            "kse ops hotfix billing 2.4.0 troubleshooting --from-file fixed.md");
        command.Arguments.Add(project);
        command.Arguments.Add(version);
        command.Arguments.Add(document);
        command.Options.Add(fromFile);
        command.Options.Add(user);
        return command.WithAction(async (ctx, ct) =>
        {
            string? text = null;
            if (ctx.Value(fromFile) is { } file)
            {
                var full = Path.GetFullPath(file);
                if (!File.Exists(full))
                {
                    throw KseException.NotFound("spec.file_not_found", $"--from-file '{file}' does not exist");
                }

                if (new FileInfo(full).Length > Kse.Core.Specs.SpecService.MaxDocumentBytes)
                {
                    throw KseException.BadInput("spec.document_too_large", $"--from-file '{file}' is larger than {Kse.Core.Specs.SpecService.MaxDocumentBytes} bytes");
                }

                text = await File.ReadAllTextAsync(full, ct);
            }

            var actor = ctx.Get<PolicyService>().ActorFor(ctx.Value(user));
            var result = await ctx.Get<SpecVersionService>().HotfixAsync(ctx.Value(project)!, ctx.Value(version)!, ctx.Value(document)!, text, text is null ? EditAsync : null, actor, ct);
            if (ctx.Json)
            {
                ctx.WriteJson(result);
                return 0;
            }

            ctx.WriteLine($"{result.Project} {result.Version} {result.Document}: {(result.Changed ? "changed" : "unchanged")} in {result.Path}" + (result.CopyCreated ? " (the version's own copy was made from its resolved text)" : ""));
            ctx.WriteLine($"  sha256 {result.Sha256Before[..12]} -> {result.Sha256After[..12]} (audited as {SpecVersionService.HotfixOperationType})");
            foreach (var w in result.Warnings)
            {
                ctx.WriteLine($"  warning: {w}");
            }

            return 0;
        });
    }

    /// <summary>Opens the file in $VISUAL or $EDITOR (split into words, never through a shell) and waits for it.</summary>
    private static async Task EditAsync(string path, CancellationToken cancellationToken)
    {
        var editor = Environment.GetEnvironmentVariable("VISUAL") is { Length: > 0 } v ? v : Environment.GetEnvironmentVariable("EDITOR");
        if (string.IsNullOrWhiteSpace(editor))
        {
            throw KseException.BadInput("spec.editor_missing", "neither $VISUAL nor $EDITOR is set: set one, or pass --from-file FILE");
        }

        var words = editor.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var psi = new ProcessStartInfo(words[0]) { UseShellExecute = false };
        foreach (var w in words.Skip(1))
        {
            psi.ArgumentList.Add(w);
        }

        psi.ArgumentList.Add(path);
        try
        {
            using var process = Process.Start(psi) ?? throw new KseException("spec.editor_failed", $"the editor '{words[0]}' could not be started", KseErrorKind.Failure);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new KseException("spec.editor_failed", $"the editor '{words[0]}' exited {process.ExitCode}", KseErrorKind.Failure);
            }
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new KseException("spec.editor_failed", $"the editor '{words[0]}' could not be started: {ex.Message}", KseErrorKind.Failure, ex);
        }
    }

    private static Command Drift()
    {
        var project = ProjectArgument();
        var source = new ChangeSourceOptions();
        var strict = new Option<bool>("--strict") { Description = "Exit 1 when a document needs an update (for CI and hooks); without it drift only warns" };
        var command = CommandExtensions.Verb(
            "drift",
            "Find what a change touches operationally (environment variables, configuration keys, ports, health endpoints, migrations, Dockerfiles/Kubernetes/compose/Terraform, external dependencies, scheduled jobs) that the project's operations documents do not describe, and name the document and section to update.",
            "kse ops drift billing --base main --head HEAD --strict");
        command.Arguments.Add(project);
        source.AddTo(command, withProject: false);
        command.Options.Add(strict);
        return command.WithAction(async (ctx, ct) =>
        {
            var name = ProjectName.Validate(ctx.Value(project));
            var files = await source.ReadAsync(ctx, ctx.Get<ChangeImpactService>(), ct);
            var what = ctx.Value(source.Staged) ? "staged" : ctx.Value(source.Base) is { } b ? $"{b}..{ctx.Value(source.Head) ?? "HEAD"}" : ctx.Value(source.Diff) is { } diffFile && diffFile != "-" ? Path.GetFileName(diffFile) : "stdin";
            var report = ctx.Get<DriftService>().Check(name, files, what);
            if (ctx.Json)
            {
                ctx.WriteJson(report);
            }
            else
            {
                if (report.Clean)
                {
                    ctx.WriteLine($"{report.Project}: no drift ({report.ProjectFiles} of {report.FilesChanged} changed file(s) belong to the project; {report.Covered} operational change(s) already documented)");
                }
                else
                {
                    ctx.WriteLine($"{report.Project}: {report.Findings.Count} operations document update(s) needed for {report.Source}:");
                    foreach (var f in report.Findings)
                    {
                        ctx.WriteLine($"  {f.Rule,-26} {f.File}:{f.Line}");
                        ctx.WriteLine($"      update {f.Document} '{(f.Document.EndsWith(".md", StringComparison.Ordinal) ? "## " : "")}{f.Section}': {f.Reason}");
                    }
                }
            }

            return report.Clean || !ctx.Value(strict) ? 0 : 1;
        });
    }
}
