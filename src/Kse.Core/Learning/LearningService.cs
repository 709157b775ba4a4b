using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kse.Core.Audit;
using Kse.Core.Execution;
using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Core.Learning;

/// <summary>
/// Learning from observed operations: records what humans run (<c>kse observe</c>), imports what they ran before (histories,
/// auditd, the journal), mines patterns and drafts operations documents under <c>operations/drafts/</c> — never the real spec.
/// </summary>
public sealed class LearningService(
    KseWorkspace workspace,
    IObservationStore store,
    IAuditTrail audit,
    TimeProvider clock,
    IAuditReader? auditReader = null,
    IDraftPlanner? planner = null)
{
    public const string DraftsFolder = "drafts";

    /// <summary>Runs <paramref name="argv"/> for the human with the terminal passed through (stdin, stdout, stderr), then stores the masked record.</summary>
    public async Task<ObserveResult> ObserveAsync(string project, string environment, string? instance, IReadOnlyList<string> argv, Actor actor, CancellationToken cancellationToken = default)
    {
        var (env, host) = Scope(project, environment, instance);
        if (argv.Count == 0 || string.IsNullOrWhiteSpace(argv[0]))
        {
            throw KseException.BadInput("observe.command_missing", "name the command to run after --, e.g. kse observe --project shop --env production -- systemctl restart nginx");
        }

        var started = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        int exit;
        string? problem = null;
        var info = new ProcessStartInfo(argv[0]) { UseShellExecute = false, WorkingDirectory = Directory.GetCurrentDirectory() };
        foreach (var a in argv.Skip(1))
        {
            info.ArgumentList.Add(a);
        }

        try
        {
            using var process = Process.Start(info) ?? throw new Win32Exception("the process did not start");
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C reaches the child too; wait for it so its exit code is what is recorded.
                await process.WaitForExitAsync(CancellationToken.None);
            }

            exit = process.ExitCode;
        }
        catch (Win32Exception ex)
        {
            exit = 127;
            problem = $"'{argv[0]}' could not be started: {ex.Message}";
        }

        watch.Stop();
        var recorded = await RecordAsync(
            [new ObservedCommand
            {
                Project = project,
                Environment = env,
                Instance = instance,
                Host = host,
                User = Environment.UserName,
                WorkingDirectory = info.WorkingDirectory,
                Argv = argv,
                StartedAt = started,
                DurationMs = watch.ElapsedMilliseconds,
                ExitCode = exit,
                Source = "observe",
            }],
            actor,
            problem,
            cancellationToken);
        var observation = recorded[0];
        return new ObserveResult(exit, observation) { Problem = problem };
    }

    /// <summary>
    /// Stores commands that ran elsewhere (the command run by <c>kse observe</c>, a test's generated history): secrets masked first,
    /// one <c>observe.command</c> audit entry for a single command, one <c>observe.batch</c> summary for several.
    /// </summary>
    public async Task<IReadOnlyList<Observation>> RecordAsync(IReadOnlyList<ObservedCommand> commands, Actor actor, string? problem = null, CancellationToken cancellationToken = default)
    {
        foreach (var project in commands.Select(c => c.Project).Distinct(StringComparer.Ordinal))
        {
            RequireProject(project);
        }

        var observations = new List<Observation>(commands.Count);
        foreach (var c in commands)
        {
            var env = PolicyNames.ParseEnvironment(c.Environment).Name();
            IReadOnlyList<string>? argv = null;
            string command;
            int secrets;
            if (c.Argv is { Count: > 0 } raw)
            {
                (argv, secrets) = CommandMasker.MaskArgv(raw);
                command = ShellWords.Join(argv);
            }
            else
            {
                (command, secrets) = CommandMasker.MaskLine(c.CommandLine ?? throw KseException.BadInput("observe.command_missing", "an observed command needs its argv or command line"));
            }

            observations.Add(new Observation
            {
                Id = NewId(),
                Project = c.Project,
                Environment = env,
                Instance = c.Instance,
                Host = c.Host,
                User = c.User,
                WorkingDirectory = c.WorkingDirectory is { } wd ? CommandMasker.MaskLine(wd).Text : null,
                Command = Cut(command),
                Argv = argv,
                StartedAt = c.StartedAt,
                DurationMs = c.DurationMs,
                ExitCode = c.ExitCode,
                Source = c.Source,
                MaskedSecrets = secrets,
            });
        }

        await store.InsertAsync(observations, cancellationToken);
        if (observations.Count == 1)
        {
            var o = observations[0];
            await audit.AppendAsync(
                new AuditDraft
                {
                    Actor = actor,
                    OperationType = "observe.command",
                    Project = o.Project,
                    Environment = o.Environment,
                    Target = Path.GetFileName(CommandTemplate.Split(o.Command).FirstOrDefault() ?? o.Command),
                    Parameters = new Dictionary<string, string?>
                    {
                        ["observation"] = o.Id,
                        ["command"] = o.Command,
                        ["host"] = o.Host,
                        ["instance"] = o.Instance,
                        ["cwd"] = o.WorkingDirectory,
                        ["exitCode"] = o.ExitCode?.ToString(CultureInfo.InvariantCulture),
                        ["durationMs"] = o.DurationMs?.ToString(CultureInfo.InvariantCulture),
                        ["maskedSecrets"] = o.MaskedSecrets.ToString(CultureInfo.InvariantCulture),
                        ["source"] = o.Source,
                    },
                    Outcome = o.ExitCode is null ? "recorded" : o.ExitCode == 0 ? "succeeded" : "failed",
                    ErrorContext = problem,
                },
                CancellationToken.None);
        }
        else if (observations.Count > 1)
        {
            foreach (var group in observations.GroupBy(o => (o.Project, o.Environment)))
            {
                await audit.AppendAsync(
                    new AuditDraft
                    {
                        Actor = actor,
                        OperationType = "observe.batch",
                        Project = group.Key.Project,
                        Environment = group.Key.Environment,
                        Target = string.Join(", ", group.Select(o => o.Source).Distinct(StringComparer.Ordinal)),
                        Parameters = new Dictionary<string, string?>
                        {
                            ["recorded"] = group.Count().ToString(CultureInfo.InvariantCulture),
                            ["maskedSecrets"] = group.Sum(o => o.MaskedSecrets).ToString(CultureInfo.InvariantCulture),
                            ["from"] = group.Min(o => o.StartedAt).ToString("o", CultureInfo.InvariantCulture),
                            ["to"] = group.Max(o => o.StartedAt).ToString("o", CultureInfo.InvariantCulture),
                            ["summary"] = $"{group.Count()} observations recorded",
                        },
                        Outcome = "succeeded",
                    },
                    CancellationToken.None);
            }
        }

        return observations;
    }

    /// <summary>Imports work already done from a file: <paramref name="format"/> is bash, zsh, fish (or null to detect), auditd or journal.</summary>
    public async Task<ImportResult> ImportAsync(string project, string environment, string? instance, string file, string? format, Actor actor, CancellationToken cancellationToken = default)
    {
        var (env, host) = Scope(project, environment, instance);
        var full = Path.GetFullPath(file);
        if (!File.Exists(full))
        {
            throw KseException.NotFound("observe.file_not_found", $"'{file}' does not exist");
        }

        var text = InputLimits.ReadText(full, "observe.import", Path.GetFileName(full), ObservationLimits.MaxImportBytes);
        var kind = format?.Trim().ToLowerInvariant() ?? HistoryImport.DetectShellFormat(text);
        var (raw, problems) = HistoryImport.Parse(text, kind, clock);
        var batch = "imp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var now = clock.GetUtcNow();
        var observations = new List<Observation>(raw.Count);
        var skipped = 0;
        var duplicates = 0;
        var secrets = 0;
        // Importing the same history again (or an overlapping one) must not count the same work twice.
        var earliest = raw.Where(r => r.At is not null).Select(r => r.At!.Value).DefaultIfEmpty(now).Min();
        var known = (await store.ListAsync(new ObservationQuery { Project = project, Environment = env, Since = earliest }, cancellationToken))
            .Where(o => o.TimeKnown)
            .Select(o => (o.StartedAt.ToUnixTimeSeconds(), o.Command))
            .ToHashSet();
        foreach (var r in raw)
        {
            var line = r.Command.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                skipped++;
                continue;
            }

            var (masked, n) = CommandMasker.MaskLine(line);
            if (r.At is { } at && !known.Add((at.ToUnixTimeSeconds(), Cut(masked))))
            {
                duplicates++;
                continue;
            }

            secrets += n;
            observations.Add(new Observation
            {
                Id = NewId(),
                Project = project,
                Environment = env,
                Instance = instance,
                Host = r.Host ?? host ?? (kind is "bash" or "zsh" or "fish" ? Environment.MachineName : null),
                User = r.User ?? (kind is "bash" or "zsh" or "fish" ? Environment.UserName : null),
                WorkingDirectory = r.WorkingDirectory is { } wd ? CommandMasker.MaskLine(wd).Text : null,
                Command = Cut(masked),
                StartedAt = r.At ?? now,
                TimeKnown = r.At is not null,
                DurationMs = r.DurationMs,
                ExitCode = r.ExitCode,
                Source = kind,
                MaskedSecrets = n,
                BatchId = batch,
            });
        }

        await store.InsertAsync(observations, cancellationToken);
        var timed = observations.Where(o => o.TimeKnown).ToList();
        var result = new ImportResult
        {
            Project = project,
            Environment = env,
            Source = kind,
            BatchId = batch,
            Imported = observations.Count,
            Skipped = skipped,
            Duplicates = duplicates,
            WithoutTimestamp = observations.Count - timed.Count,
            MaskedSecrets = secrets,
            From = timed.Count == 0 ? null : timed.Min(o => o.StartedAt),
            To = timed.Count == 0 ? null : timed.Max(o => o.StartedAt),
            Problems = problems,
        };
        await audit.AppendAsync(
            new AuditDraft
            {
                Actor = actor,
                OperationType = "observe.import",
                Project = project,
                Environment = env,
                Target = Path.GetFileName(full),
                Parameters = new Dictionary<string, string?>
                {
                    ["batch"] = batch,
                    ["format"] = kind,
                    ["imported"] = result.Imported.ToString(CultureInfo.InvariantCulture),
                    ["skipped"] = skipped.ToString(CultureInfo.InvariantCulture),
                    ["duplicates"] = duplicates.ToString(CultureInfo.InvariantCulture),
                    ["withoutTimestamp"] = result.WithoutTimestamp.ToString(CultureInfo.InvariantCulture),
                    ["maskedSecrets"] = secrets.ToString(CultureInfo.InvariantCulture),
                    ["from"] = result.From?.ToString("o", CultureInfo.InvariantCulture),
                    ["to"] = result.To?.ToString("o", CultureInfo.InvariantCulture),
                    ["summary"] = $"{result.Imported} observations imported from a {kind} history",
                },
                Outcome = "succeeded",
            },
            CancellationToken.None);
        return result;
    }

    /// <summary>The project's observations: stored ones and humans' <c>kse ops run</c> at L1 from the audit trail.</summary>
    public async Task<IReadOnlyList<Observation>> ObservationsAsync(string project, string? environment, CancellationToken cancellationToken = default)
    {
        var stored = await store.ListAsync(new ObservationQuery { Project = project, Environment = environment }, cancellationToken);
        return [.. stored, .. await OpsRunObservations(project, environment, cancellationToken).ToListAsync(cancellationToken)];
    }

    private async IAsyncEnumerable<Observation> OpsRunObservations(string project, string? environment, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (auditReader is null)
        {
            yield break;
        }

        await foreach (var e in auditReader.ScanAsync(new AuditQuery { Project = project, OperationType = "ops.run", Environment = environment }, cancellationToken))
        {
            if (e.ActorKind != Actor.User || e.Parameters is not { } p || p.GetValueOrDefault("observed") != "true" || e.Outcome is not ("succeeded" or "failed" or "timed_out")
                || p.GetValueOrDefault("command") is not { Length: > 0 } command)
            {
                continue;
            }

            yield return new Observation
            {
                Id = "audit-" + e.Sequence.ToString(CultureInfo.InvariantCulture),
                Project = project,
                Environment = e.Environment ?? "development",
                Instance = p.GetValueOrDefault("instance"),
                Host = p.GetValueOrDefault("host"),
                User = e.ActorName,
                Command = CommandMasker.MaskLine(command).Text,
                StartedAt = e.Timestamp,
                DurationMs = long.TryParse(p.GetValueOrDefault("durationMs"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : null,
                ExitCode = int.TryParse(p.GetValueOrDefault("exitCode"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code) ? code : e.Outcome == "succeeded" ? 0 : 1,
                Source = "ops.run",
            };
        }
    }

    /// <summary>Mines the project's observations (read only).</summary>
    public async Task<MiningResult> MineAsync(string project, string? environment, CancellationToken cancellationToken = default)
    {
        var env = environment is null ? null : PolicyNames.ParseEnvironment(environment).Name();
        RequireProject(project);
        return new PatternMiner(clock).Mine(project, env, await ObservationsAsync(project, env, cancellationToken));
    }

    /// <summary>Mines and writes the drafts under <c>operations/drafts/</c>; the real documents are never touched.</summary>
    public async Task<DraftResult> DraftAsync(string project, string? environment, Actor actor, CancellationToken cancellationToken = default)
    {
        var env = environment is null ? null : PolicyNames.ParseEnvironment(environment).Name();
        RequireProject(project);
        var mined = new PatternMiner(clock).Mine(project, env, await ObservationsAsync(project, env, cancellationToken));
        var real = OperationCatalog.Load(workspace, project);
        var (documents, operations) = SpecDrafter.Draft(mined, real.Operations.Select(o => o.Name).ToHashSet(StringComparer.Ordinal));
        var now = clock.GetUtcNow();
        var report = new PlannerReport("deterministic", planner is null ? "no model configured: the deterministic drafter wrote every section" : null, []);
        if (planner is not null)
        {
            (documents, report) = await planner.ImproveAsync(mined, documents, operations, cancellationToken);
        }

        var rendered = documents.Select(d => (d.Name, Markdown: SpecDrafter.Render(d.Name, project, env, mined.Observations, d.Sections, now), d.Sections)).ToList();
        var errors = SpecDrafter.Validate(rendered.Select(r => (r.Name, r.Markdown)).ToList());
        var dir = DraftsDirectory(project);
        Directory.CreateDirectory(dir);
        var written = new List<DraftDocument>();
        foreach (var (name, markdown, sections) in rendered)
        {
            var path = Path.Combine(dir, name);
            await File.WriteAllTextAsync(path, markdown, cancellationToken);
            written.Add(new DraftDocument { Name = name, Path = Path.GetRelativePath(workspace.Root, path), Sha256 = Sha256(markdown), Sections = sections, Markdown = markdown });
        }

        var confidenceOf = operations.ToDictionary(o => o.Name, o => o.Confidence, StringComparer.Ordinal);
        var commandOf = operations.ToDictionary(o => o.Name, o => o.Command, StringComparer.Ordinal);
        new DraftIndex
        {
            Project = project,
            Environment = env,
            DraftedAt = now,
            Observations = mined.Observations,
            Planner = report.Mode,
            Documents = written.Select(d => new DraftIndexDocument(d.Name, d.Sha256, d.Sections.Select(s => new DraftIndexSection
            {
                Heading = s.Heading,
                Observed = s.Observed,
                Confidence = s.Confidence,
                Operations = s.Operations,
                OperationConfidence = s.Operations.Where(confidenceOf.ContainsKey).ToDictionary(o => o, o => confidenceOf[o], StringComparer.Ordinal),
                OperationCommand = s.Operations.Where(commandOf.ContainsKey).ToDictionary(o => o, o => commandOf[o], StringComparer.Ordinal),
                Evidence = s.Evidence.Take(DraftReviewService.EvidencePerSection).ToList(),
                Author = s.Author,
                BodySha256 = Sha256(s.Body.Trim()),
            }).ToList())).ToList(),
        }.Save(DraftIndex.PathFor(workspace, project));
        var result = new DraftResult
        {
            Project = project,
            Environment = env,
            Directory = Path.GetRelativePath(workspace.Root, dir),
            Observations = mined.Observations,
            Documents = written,
            Operations = operations.OrderByDescending(o => o.Confidence).ThenBy(o => o.Name, StringComparer.Ordinal).ToList(),
            Patterns = mined,
            ValidationErrors = errors,
            Planner = report,
        };
        await audit.AppendAsync(
            new AuditDraft
            {
                Actor = actor,
                OperationType = "learn.draft",
                Project = project,
                Environment = env,
                Target = result.Directory,
                Parameters = new Dictionary<string, string?>
                {
                    ["observations"] = mined.Observations.ToString(CultureInfo.InvariantCulture),
                    ["operations"] = string.Join(", ", result.Operations.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Name} ({o.Confidence:0.00})"))),
                    ["documents"] = string.Join(", ", written.Select(w => $"{w.Name} sha256:{w.Sha256}")),
                    ["planner"] = report.Mode,
                },
                Outcome = errors.Count == 0 ? "succeeded" : "failed",
                ErrorContext = errors.Count == 0 ? null : string.Join("; ", errors.Take(5)),
            },
            CancellationToken.None);
        return result;
    }

    /// <summary>A draft document's text (for <c>kse://drafts/{project}/{doc}</c>); <c>learn.draft_not_found</c> before <c>kse learn draft</c> wrote it.</summary>
    public string ReadDraft(string project, string document)
    {
        RequireProject(project);
        var kind = SpecDocuments.Find(document);
        var path = Path.Combine(DraftsDirectory(project), kind.Name);
        if (!File.Exists(path))
        {
            throw KseException.NotFound("learn.draft_not_found", $"no draft {kind.Name} for '{project}' yet: run 'kse learn draft {project}' first");
        }

        return InputLimits.ReadText(path, "learn.draft", kind.Name);
    }

    public string DraftsDirectory(string project) => Path.Combine(workspace.OperationsDir(project), DraftsFolder);

    private (string Environment, string? Host) Scope(string project, string environment, string? instance)
    {
        workspace.EnsureInitialized();
        RequireProject(project);
        var env = PolicyNames.ParseEnvironment(environment);
        if (instance is null)
        {
            return (env.Name(), Environment.MachineName);
        }

        var manifest = ProjectManifest.Load(workspace, project);
        var found = manifest.Instances.FirstOrDefault(i => i.Id == instance)
            ?? throw KseException.NotFound("observe.instance_unknown", $"'{project}' has no instance '{instance}' (known: {string.Join(", ", manifest.Instances.Select(i => i.Id).DefaultIfEmpty("none"))})");
        if (found.Environment != env)
        {
            throw KseException.BadInput("observe.instance_environment", $"instance '{instance}' is in {found.Environment.Name()}, not {env.Name()}");
        }

        return (env.Name(), found.IsLocal ? Environment.MachineName : found.Host);
    }

    private void RequireProject(string project)
    {
        if (!Directory.Exists(workspace.ProjectDir(project)))
        {
            throw KseException.NotFound("spec.project_not_found", $"no project '{project}' under {KseWorkspace.SceFolder}/specs");
        }
    }

    private static string Cut(string command) => command.Length <= ObservationLimits.MaxCommandLength ? command : command[..ObservationLimits.MaxCommandLength] + "…";

    private static string NewId() => "obs-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    internal static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>
/// Turns mined patterns into better-written sections (a Semantic Kernel prompt function over a configured IChatClient). Its output
/// is checked by the implementation; whatever it returns instead of the deterministic sections must keep every operation block.
/// </summary>
public interface IDraftPlanner
{
    Task<(IReadOnlyList<(string Name, IReadOnlyList<DraftedSection> Sections)> Documents, PlannerReport Report)> ImproveAsync(
        MiningResult mined,
        IReadOnlyList<(string Name, IReadOnlyList<DraftedSection> Sections)> documents,
        IReadOnlyList<DraftedOperation> operations,
        CancellationToken cancellationToken);
}
