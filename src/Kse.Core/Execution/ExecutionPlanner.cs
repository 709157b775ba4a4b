using System.Globalization;
using System.Text.RegularExpressions;
using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.Core.Execution;

/// <summary>Turns (project, operation, environment, instance, values) into an <see cref="ExecutionPlan"/>: values checked, placeholders substituted, the host chosen.</summary>
public sealed partial class ExecutionPlanner(KseWorkspace workspace, ExecutionOptions options, IStrategyResolver? strategies = null, ISpecVersionResolver? versions = null)
{
    [GeneratedRegex(@"^(?:ssh://)?(?:(?<user>[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})@)?(?<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:.]+\])(?::(?<port>\d{1,5}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex SshDestination();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Stamp, OperationCatalog Catalog, IReadOnlyDictionary<string, string> Hashes)> _catalogs = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Stamp, ProjectManifest Manifest)> _manifests = new(StringComparer.Ordinal);

    public ExecutionOptions Options => options;

    /// <summary>The project's operation catalog, parsed once and reused until a document in its operations folder changes.</summary>
    public OperationCatalog Catalog(string project) => CatalogWithHashes(project).Catalog;

    /// <summary>The catalog and the SHA-256 of each operations document it was read from (lower-case hex, by document name).</summary>
    public (OperationCatalog Catalog, IReadOnlyDictionary<string, string> Hashes) CatalogWithHashes(string project)
    {
        ProjectName.Validate(project);
        var dir = workspace.OperationsDir(project);
        var stamp = FileStamp.Of([], [workspace.ProjectDir(project), dir]);
        if (_catalogs.TryGetValue(project, out var cached) && cached.Stamp == stamp)
        {
            return (cached.Catalog, cached.Hashes);
        }

        var catalog = OperationCatalog.Load(workspace, project);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists(dir))
        {
            foreach (var file in Directory.GetFiles(dir, "*.md"))
            {
                hashes[Path.GetFileName(file)] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
            }
        }

        _catalogs[project] = (stamp, catalog, hashes);
        return (catalog, hashes);
    }

    /// <summary>
    /// The catalog an instance runs from: the spec its <c>version</c> resolves to (exact, else the nearest lower of the same
    /// major.minor, else of the same major, else the main spec). Without an instance, or without versions, the main spec.
    /// </summary>
    public VersionedCatalog CatalogFor(string project, ProjectInstance? instance)
    {
        if (versions is not null && instance is not null)
        {
            return versions.CatalogFor(ProjectName.Validate(project), instance.Version);
        }

        var (catalog, hashes) = CatalogWithHashes(project);
        return new VersionedCatalog(MainSpec, catalog, hashes);
    }

    /// <summary>The spec version of the documents in <c>operations/</c> itself.</summary>
    public const string MainSpec = "main";

    /// <summary>The project's <c>project.yaml</c>, parsed once and reused until the file changes.</summary>
    public ProjectManifest Manifest(string project)
    {
        ProjectName.Validate(project);
        var stamp = FileStamp.Of([workspace.ProjectFile(project)], []) + Directory.Exists(workspace.ProjectDir(project));
        if (_manifests.TryGetValue(project, out var cached) && cached.Stamp == stamp)
        {
            return cached.Manifest;
        }

        var manifest = ProjectManifest.Load(workspace, project);
        _manifests[project] = (stamp, manifest);
        return manifest;
    }

    /// <summary>
    /// The plan for running <paramref name="operation"/>. The instance must exist and belong to <paramref name="environment"/>;
    /// with no instance given, the environment's only instance is used.
    /// </summary>
    public ExecutionPlan Plan(string project, string operation, EnvironmentKind environment, string? instance, IReadOnlyDictionary<string, string?>? parameters)
    {
        var manifest = Manifest(project);
        var target = ChooseInstance(manifest, environment, instance);
        var spec = CatalogFor(project, target);
        var op = spec.Catalog.Get(operation);
        return Plan(spec.Catalog.Project, op, target, parameters, spec.SpecVersion);
    }

    /// <param name="specVersion">The spec version <paramref name="op"/> was read from (see <see cref="CatalogFor"/>).</param>
    public ExecutionPlan Plan(string project, OperationDefinition op, ProjectInstance target, IReadOnlyDictionary<string, string?>? parameters, string? specVersion = null)
    {
        var values = ParameterValues.Resolve(op, parameters);
        var choice = op.Strategy is null ? null : ChooseTool(project, op, target, values);
        if (choice is not null)
        {
            op = op with { Command = choice.Command };
        }

        OptionInjection.Check(op, values);
        var command = op.Command.Select(a => ArgumentTemplate.TryParse(a, out _)!.Render(values)).ToList();
        return new ExecutionPlan
        {
            Project = project,
            Operation = op.Name,
            Risk = op.Risk,
            Environment = target.Environment,
            Instance = target.Id,
            Host = target.IsLocal ? "local" : target.Host,
            Version = target.Version,
            SpecVersion = specVersion,
            Parameters = values,
            Command = command,
            Argv = target.IsLocal ? command : SshArgv(target.Host, command),
            Timeout = op.Timeout,
            Idempotent = op.Idempotent,
            Verify = op.Verify,
            Rollback = op.Rollback,
            Tool = choice,
        };
    }

    private StrategyChoice ChooseTool(string project, OperationDefinition op, ProjectInstance target, IReadOnlyDictionary<string, string> values) =>
        strategies is null
            ? throw KseException.BadInput("tools.strategy_unsupported", $"operation '{op.Name}' names strategy '{op.Strategy}', but no tool selection is configured in this host")
            : strategies.Choose(project, op, target, values);

    public static ProjectInstance ChooseInstance(ProjectManifest manifest, EnvironmentKind environment, string? instance)
    {
        if (instance is not null)
        {
            var found = manifest.Instances.FirstOrDefault(i => i.Id == instance)
                ?? throw KseException.NotFound("instances.not_found", $"project '{manifest.Name}' has no instance '{instance}'" + (manifest.Instances.Count > 0 ? $" (instances: {string.Join(", ", manifest.Instances.Select(i => i.Id))})" : " (add one with 'kse instances add')"));
            if (found.Environment != environment)
            {
                throw KseException.BadInput("instances.environment_mismatch", $"instance '{instance}' of '{manifest.Name}' is in {found.Environment.Name()}, not {environment.Name()}");
            }

            return found;
        }

        var inEnv = manifest.Instances.Where(i => i.Environment == environment).ToList();
        return inEnv.Count switch
        {
            1 => inEnv[0],
            0 => throw KseException.NotFound("instances.not_found", $"project '{manifest.Name}' has no instance in {environment.Name()} (add one with 'kse instances add')"),
            _ => throw KseException.BadInput("instances.ambiguous", $"project '{manifest.Name}' has {inEnv.Count} instances in {environment.Name()} ({string.Join(", ", inEnv.Select(i => i.Id))}): name one (instance)"),
        };
    }

    /// <summary>Checks an instance host: <c>local</c> or <c>[ssh://][user@]host[:port]</c>; never something ssh could read as an option.</summary>
    public static string ValidateHost(string host)
    {
        if (string.Equals(host, "local", StringComparison.OrdinalIgnoreCase))
        {
            return "local";
        }

        var m = SshDestination().Match(host);
        if (!m.Success || (m.Groups["port"].Success && !IsPort(m.Groups["port"].Value)))
        {
            throw KseException.BadInput("instances.host_invalid", $"host '{host}' must be 'local' or an SSH destination like deploy@db-1.internal or ssh://deploy@10.0.0.5:2222");
        }

        return host;
    }

    private static bool IsPort(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536;

    /// <summary>ssh in batch mode with strict host key checking; the remote command travels as one quoted argument after <c>--</c> and the destination.</summary>
    public IReadOnlyList<string> SshArgv(string host, IReadOnlyList<string> command)
    {
        var m = SshDestination().Match(ValidateHost(host));
        var ssh = options.Ssh;
        var argv = new List<string> { ssh.Program };
        if (!string.IsNullOrWhiteSpace(ssh.ConfigFile))
        {
            argv.AddRange(["-F", ssh.ConfigFile]);
        }

        argv.AddRange(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no"]);
        argv.AddRange(["-o", $"ConnectTimeout={Math.Max(1, ssh.ConnectTimeoutSeconds)}"]);
        if (!string.IsNullOrWhiteSpace(ssh.KnownHostsFile))
        {
            argv.AddRange(["-o", $"UserKnownHostsFile={ssh.KnownHostsFile}"]);
        }

        if (!string.IsNullOrWhiteSpace(ssh.IdentityFile))
        {
            argv.AddRange(["-i", ssh.IdentityFile, "-o", "IdentitiesOnly=yes"]);
        }

        if (m.Groups["port"].Success)
        {
            argv.AddRange(["-p", m.Groups["port"].Value]);
        }

        if (m.Groups["user"].Success)
        {
            argv.AddRange(["-l", m.Groups["user"].Value]);
        }

        argv.Add("--");
        argv.Add(m.Groups["host"].Value.Trim('[', ']'));
        argv.Add(ShellWords.Join(command));
        return argv;
    }
}
