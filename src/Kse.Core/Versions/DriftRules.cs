using System.Text.RegularExpressions;
using Kse.Core.Changes;

namespace Kse.Core.Versions;

/// <summary>An operational change found in the diff, before it is checked against the documents.</summary>
/// <param name="Document">An operations document name (<c>deployment.md</c>) or <see cref="DriftRules.DependenciesDocument"/>.</param>
/// <param name="Terms">Words whose presence in the document shows it already covers the change (a variable, a host, a port).</param>
/// <param name="RequiresMention">True when only a mention covers it; otherwise a change to the document in the same diff does too.</param>
internal sealed record DriftCandidate(string Rule, string File, int Line, string Document, string Section, string? Subject, IReadOnlyList<string> Terms, bool RequiresMention, string Reason);

/// <summary>
/// The drift rules: read the changed files of one project (parsed by the change classifier's <see cref="UnifiedDiff"/>, kinds from
/// <see cref="FileKinds"/>) for environment variables, configuration keys, ports, health endpoints, migrations, deployment
/// artifacts, external dependencies and scheduled jobs.
/// </summary>
internal static partial class DriftRules
{
    /// <summary>The project graph, named as a document to update for new external dependencies.</summary>
    public const string DependenciesDocument = ".sce/dependencies.yaml";

    [GeneratedRegex(@"^\s*(?:export\s+)?(?<k>[A-Za-z_][A-Za-z0-9_]*)\s*=")]
    private static partial Regex EnvAssignment();

    [GeneratedRegex(@"^\s*ENV\s+(?<rest>.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex DockerEnv();

    [GeneratedRegex(@"(?<k>[A-Za-z_][A-Za-z0-9_]*)(?:=|\s+\S)")]
    private static partial Regex DockerEnvKey();

    [GeneratedRegex(@"^\s*EXPOSE\s+(?<p>\d{1,5})", RegexOptions.IgnoreCase)]
    private static partial Regex DockerExpose();

    /// <summary>compose <c>- KEY=value</c> / <c>KEY: value</c> and Kubernetes <c>- name: KEY</c>, upper-case names only.</summary>
    [GeneratedRegex(@"^\s*(?:-\s*(?<k>[A-Z][A-Z0-9_]{2,})\s*=|-\s*name\s*:\s*[""']?(?<k>[A-Z][A-Z0-9_]{2,})[""']?\s*$|(?<k>[A-Z][A-Z0-9_]{2,})\s*:\s)")]
    private static partial Regex ManifestEnv();

    [GeneratedRegex(@"GetEnvironmentVariable\(\s*""(?<k>[A-Za-z_][A-Za-z0-9_]*)""|process\.env\.(?<k>[A-Za-z_][A-Za-z0-9_]*)|process\.env\[\s*['""](?<k>[A-Za-z_][A-Za-z0-9_]*)['""]|os\.environ(?:\.get)?[\[(]\s*['""](?<k>[A-Za-z_][A-Za-z0-9_]*)['""]|os\.getenv\(\s*['""](?<k>[A-Za-z_][A-Za-z0-9_]*)['""]|System\.getenv\(\s*""(?<k>[A-Za-z_][A-Za-z0-9_]*)""|os\.(?:Getenv|LookupEnv)\(\s*""(?<k>[A-Za-z_][A-Za-z0-9_]*)""|ENV\[\s*['""](?<k>[A-Za-z_][A-Za-z0-9_]*)['""]|env::var\(\s*""(?<k>[A-Za-z_][A-Za-z0-9_]*)""")]
    private static partial Regex CodeEnvRead();

    [GeneratedRegex(@"(?:Configuration|config|configuration|_configuration)\s*\[\s*""(?<k>[A-Za-z_][\w.:-]*)""|GetValue<[^>]+>\(\s*""(?<k>[A-Za-z_][\w.:-]*)""|GetSection\(\s*""(?<k>[A-Za-z_][\w.:-]*)""|GetConnectionString\(\s*""(?<k>[A-Za-z_][\w.:-]*)""")]
    private static partial Regex CodeConfigRead();

    [GeneratedRegex(@"^\s*""(?<k>[A-Za-z_$][\w.$-]*)""\s*:")]
    private static partial Regex JsonKey();

    [GeneratedRegex(@"^\s*(?<k>[A-Za-z_][\w.-]*)\s*[=:]")]
    private static partial Regex IniKey();

    [GeneratedRegex(@"^\s*""(?<k>[A-Za-z_][\w.-]*)""\s*:\s*\{\s*$")]
    private static partial Regex JsonParent();

    [GeneratedRegex(@"(?<scheme>amqps?|postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|kafka|nats|sqlserver|grpcs?|https?|wss?|ldaps?|smtps?|sftp|ftp)://(?:[^@/\s""'<>]+@)?(?<host>[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])(?::(?<port>\d{1,5}))?", RegexOptions.IgnoreCase)]
    private static partial Regex ServiceUrl();

    [GeneratedRegex(@"(?:^|[;""'\s])(?:Host|Server|Data Source|Address|Addr)\s*=\s*(?:tcp:)?(?<host>[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionHost();

    [GeneratedRegex(@"MapHealthChecks\(\s*""(?<p>/[^""]*)""|(?:Map(?:Get)?|\.get|\.route|@(?:app|router)\.(?:get|route)|HandleFunc|Handle)\(\s*[""'](?<p>/(?:[\w-]+/)*(?:health|healthz|health-check|healthcheck|ready|readyz|readiness|live|livez|liveness|ping|status)(?:/[\w-]*)?)[""']", RegexOptions.IgnoreCase)]
    private static partial Regex HealthRoute();

    [GeneratedRegex(@"^\s*(?<probe>livenessProbe|readinessProbe|startupProbe)\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex K8sProbe();

    [GeneratedRegex(@"^\s*path\s*:\s*[""']?(?<p>/[^\s""']*)")]
    private static partial Regex ProbePath();

    [GeneratedRegex(@"(?:ListenAnyIP|ListenLocalhost|Listen)\(\s*(?<p>\d{2,5})|\.listen\(\s*(?<p>\d{2,5})|UseUrls\(\s*""[^""]*:(?<p>\d{2,5})|(?:containerPort|targetPort|hostPort|port)\s*:\s*(?<p>\d{2,5})\b|ASPNETCORE_(?:HTTP_PORTS|URLS)\s*[=:]\s*[""']?[^\s""']*?(?<p>\d{2,5})\b|^\s*-\s*[""']?(?:\d{1,5}:)?(?<p>\d{2,5})[""']?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex PortLine();

    [GeneratedRegex(@"RecurringJob\.AddOrUpdate(?:<[^>]+>)?\(\s*""?(?<n>[\w.-]+)?|\[TimerTrigger\(|WithCronSchedule\(|CronScheduleBuilder|@Scheduled\(|cron\.schedule\(|schedule\.every\(|AddQuartz|new\s+CronJob\(|^\s*-?\s*cron\s*:\s*[""']|^\s*schedule\s*:\s*[""'][^""']*\*", RegexOptions.IgnoreCase)]
    private static partial Regex ScheduledJob();

    [GeneratedRegex(@"^\s*kind\s*:\s*CronJob\b")]
    private static partial Regex K8sCronJob();

    [GeneratedRegex(@"^\s*name\s*:\s*[""']?(?<n>[\w.-]+)")]
    private static partial Regex YamlName();

    [GeneratedRegex(@"<PackageReference\s+Include\s*=\s*""(?<p>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex NuGetReference();

    [GeneratedRegex(@"^\s*""(?<p>@?[a-z0-9][\w.\-/@]*)""\s*:\s*""[~^<>=]?\d", RegexOptions.IgnoreCase)]
    private static partial Regex NpmDependency();

    [GeneratedRegex(@"^\s*(?:require\s+)?(?<p>[a-z0-9][\w.\-]*(?:/[\w.\-]+)+)\s+v\d", RegexOptions.IgnoreCase)]
    private static partial Regex GoRequire();

    [GeneratedRegex(@"^\s*[""']?(?<p>[A-Za-z0-9][\w.\-]*)(?:\[[^\]]*\])?\s*(?:[=<>~!]=|>|<|$|[""'])", RegexOptions.IgnoreCase)]
    private static partial Regex PythonRequirement();

    /// <summary>Client packages that talk to a network service, by name prefix, and the service a document would name.</summary>
    private static readonly (string Prefix, string Service)[] NetworkPackages =
    [
        ("Npgsql", "PostgreSQL"), ("Microsoft.Data.SqlClient", "SQL Server"), ("System.Data.SqlClient", "SQL Server"), ("MySqlConnector", "MySQL"),
        ("MySql.Data", "MySQL"), ("StackExchange.Redis", "Redis"), ("RabbitMQ.Client", "RabbitMQ"), ("MassTransit.RabbitMQ", "RabbitMQ"),
        ("Confluent.Kafka", "Kafka"), ("MongoDB.Driver", "MongoDB"), ("NATS.", "NATS"), ("Azure.Messaging.ServiceBus", "Service Bus"),
        ("Azure.Storage.", "Azure Storage"), ("AWSSDK.", "AWS"), ("Elastic.Clients.Elasticsearch", "Elasticsearch"), ("NEST", "Elasticsearch"),
        ("Grpc.Net.Client", "gRPC"), ("Cassandra", "Cassandra"), ("Minio", "MinIO"),
        ("pg", "PostgreSQL"), ("postgres", "PostgreSQL"), ("mysql2", "MySQL"), ("redis", "Redis"), ("ioredis", "Redis"), ("amqplib", "RabbitMQ"),
        ("kafkajs", "Kafka"), ("mongodb", "MongoDB"), ("mongoose", "MongoDB"), ("@aws-sdk/", "AWS"), ("@google-cloud/", "Google Cloud"),
        ("@azure/", "Azure"), ("nats", "NATS"), ("psycopg2", "PostgreSQL"), ("psycopg", "PostgreSQL"), ("asyncpg", "PostgreSQL"),
        ("pika", "RabbitMQ"), ("kafka-python", "Kafka"), ("confluent-kafka", "Kafka"), ("pymongo", "MongoDB"), ("boto3", "AWS"),
        ("elasticsearch", "Elasticsearch"), ("github.com/lib/pq", "PostgreSQL"), ("github.com/jackc/pgx", "PostgreSQL"),
        ("github.com/redis/go-redis", "Redis"), ("github.com/go-redis/redis", "Redis"), ("github.com/segmentio/kafka-go", "Kafka"),
        ("github.com/rabbitmq/amqp091-go", "RabbitMQ"), ("go.mongodb.org/mongo-driver", "MongoDB"), ("github.com/aws/aws-sdk-go", "AWS"),
    ];

    private static readonly HashSet<string> LocalHosts = new(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal" };

    /// <summary>Every operational change in one file of the project.</summary>
    public static IEnumerable<DriftCandidate> Scan(DiffFile file)
    {
        if (file.IsBinary)
        {
            yield break;
        }

        var kind = FileKinds.Of(file.Path);
        if (kind is FileKind.Test or FileKind.Docs or FileKind.Asset)
        {
            yield break;
        }

        var added = file.AllLines.Where(l => l.Kind == DiffLineKind.Added).ToList();
        var removedText = string.Join('\n', file.AllLines.Where(l => l.Kind == DiffLineKind.Removed).Select(l => l.Text));
        var name = Path.GetFileName(file.Path);
        var lowerPath = file.Path.Replace('\\', '/').ToLowerInvariant();
        var isManifest = kind is FileKind.Compose or FileKind.StructuredConfig or FileKind.HelmValues && (lowerPath.EndsWith(".yaml", StringComparison.Ordinal) || lowerPath.EndsWith(".yml", StringComparison.Ordinal));
        var isK8s = isManifest && HunkScan.Sniffable(file).Any(t => Regex.IsMatch(t, @"^\s*(apiVersion|kind)\s*:"));
        var isConfig = kind is FileKind.EnvFile or FileKind.AppSettings or FileKind.Ini or FileKind.Toml or FileKind.Compose or FileKind.HelmValues || isManifest;

        // Environment variables and configuration keys: deployment.md "Environment Variables".
        foreach (var l in added)
        {
            foreach (var key in EnvKeys(kind, isManifest, l.Text))
            {
                if (!Mentions(removedText, key))
                {
                    yield return new DriftCandidate("drift.env-var", file.Path, l.Line, "deployment.md", "Environment Variables", key, [key], true,
                        $"new environment variable {key} in {file.Path}:{l.Line}");
                }
            }

            foreach (var key in ConfigKeys(kind, l.Text))
            {
                if (!Mentions(removedText, '"' + key + '"') && !Mentions(removedText, key + "="))
                {
                    var leaf = key[(key.LastIndexOfAny([':', '.']) + 1)..];
                    yield return new DriftCandidate("drift.config-key", file.Path, l.Line, "deployment.md", "Environment Variables", key, [key, leaf, key.Replace(":", "__", StringComparison.Ordinal)], true,
                        $"new configuration key {key} in {file.Path}:{l.Line}");
                }
            }
        }

        // Ports and health endpoints: monitoring.md (what probes and alerts watch).
        foreach (var l in added)
        {
            var port = kind == FileKind.Dockerfile ? DockerExpose().Match(l.Text) : kind is FileKind.Code or FileKind.EnvFile or FileKind.AppSettings or FileKind.Ini or FileKind.Toml or FileKind.Compose || isManifest ? PortLine().Match(l.Text) : Match.Empty;
            if (port.Success && port.Groups["p"].Value is { Length: > 0 } p && int.TryParse(p, out var n) && n is > 0 and < 65536 && !Regex.IsMatch(removedText, $@"(?<!\d){p}(?!\d)"))
            {
                yield return new DriftCandidate("drift.port", file.Path, l.Line, "monitoring.md", "Alert Rules", p, [p], true,
                    $"port {p} is now bound or exposed ({file.Path}:{l.Line}): probes and alerts must watch it");
            }

            var health = kind == FileKind.Code ? HealthRoute().Match(l.Text) : Match.Empty;
            if (health.Success && !Mentions(removedText, health.Groups["p"].Value))
            {
                var path = health.Groups["p"].Value;
                yield return new DriftCandidate("drift.health-endpoint", file.Path, l.Line, "monitoring.md", "Alert Rules", path, [path], true,
                    $"new health endpoint {path} ({file.Path}:{l.Line}): monitoring should probe it");
            }
        }

        if (isK8s)
        {
            foreach (var hunk in file.Hunks)
            {
                for (var i = 0; i < hunk.Lines.Count; i++)
                {
                    var l = hunk.Lines[i];
                    if (l.Kind == DiffLineKind.Added && ProbePath().Match(l.Text) is { Success: true } pm && HunkScan.Enclosing(hunk, i, K8sProbe(), requireSmallerIndent: false) is not null
                        && !Mentions(removedText, pm.Groups["p"].Value))
                    {
                        var path = pm.Groups["p"].Value;
                        yield return new DriftCandidate("drift.health-endpoint", file.Path, l.Line, "monitoring.md", "Alert Rules", path, [path], true,
                            $"new probe path {path} ({file.Path}:{l.Line}): monitoring should probe it too");
                    }
                }
            }
        }

        // New external dependencies: hosts in connection strings and service URLs, client packages.
        foreach (var l in added)
        {
            foreach (var host in Hosts(l.Text, isConfig || kind == FileKind.Dockerfile))
            {
                if (!Mentions(removedText, host))
                {
                    foreach (var c in Dependency(file.Path, l.Line, host, [host], $"new external dependency {host} in {file.Path}:{l.Line}"))
                    {
                        yield return c;
                    }
                }
            }

            if (Package(name, kind, l.Text) is { } package && !Mentions(removedText, package.Name))
            {
                foreach (var c in Dependency(file.Path, l.Line, package.Name, [package.Name, package.Service], $"new client package {package.Name} ({package.Service}) in {file.Path}:{l.Line}: the service talks to {package.Service}"))
                {
                    yield return c with { RequiresMention = false };
                }
            }
        }

        // Migrations: migration-plan.md and rollback.md.
        if (file.Status == DiffFileStatus.Added && IsMigration(lowerPath, kind))
        {
            var id = Path.GetFileNameWithoutExtension(name);
            yield return new DriftCandidate("drift.migration", file.Path, 1, "migration-plan.md", "Migration Strategy", id, [id], false,
                $"new migration {name}: the migration plan should say how it reaches production");
            yield return new DriftCandidate("drift.migration", file.Path, 1, "rollback.md", "Data Recovery Procedures", id, [id], false,
                $"new migration {name}: the rollback should say how to undo it or recover the data");
        }

        // Deployment artifacts: deployment.md "Deployment Steps".
        if (kind is FileKind.Dockerfile or FileKind.Compose or FileKind.Terraform or FileKind.Bicep or FileKind.Pipeline || isK8s || (kind == FileKind.HelmValues) || FileKinds.IsUnder(lowerPath, "charts"))
        {
            var what = kind switch
            {
                FileKind.Dockerfile => "container image build",
                FileKind.Compose => "compose file",
                FileKind.Terraform => "Terraform",
                FileKind.Bicep => "Bicep",
                FileKind.Pipeline => "deployment pipeline",
                _ => isK8s ? "Kubernetes manifest" : "Helm chart",
            };
            var verb = file.Status switch { DiffFileStatus.Added => "added", DiffFileStatus.Deleted => "deleted", DiffFileStatus.Renamed => "renamed", _ => "changed" };
            yield return new DriftCandidate("drift.deployment-artifact", file.Path, file.FirstChangedLine, "deployment.md", "Deployment Steps", file.Path, [], false,
                $"{what} {file.Path} {verb}: the deployment steps should follow");
        }

        // Scheduled jobs: operations.md "Daily Tasks".
        var cronFile = file.Status == DiffFileStatus.Added && (name.Contains("crontab", StringComparison.OrdinalIgnoreCase) || lowerPath.Contains("/cron.d/", StringComparison.Ordinal) || name.EndsWith(".timer", StringComparison.OrdinalIgnoreCase));
        if (cronFile)
        {
            yield return new DriftCandidate("drift.scheduled-job", file.Path, 1, "operations.md", "Daily Tasks", name, [name], false,
                $"new scheduled job file {file.Path}: operations.md should list what runs when");
        }
        else if (isK8s && added.Any(l => K8sCronJob().IsMatch(l.Text)))
        {
            var line = added.First(l => K8sCronJob().IsMatch(l.Text));
            var job = added.Select(l => YamlName().Match(l.Text)).FirstOrDefault(m => m.Success)?.Groups["n"].Value;
            yield return new DriftCandidate("drift.scheduled-job", file.Path, line.Line, "operations.md", "Daily Tasks", job ?? file.Path, job is null ? [] : [job], false,
                $"new Kubernetes CronJob {job ?? file.Path}: operations.md should list what runs when");
        }
        else if (kind is FileKind.Code or FileKind.Pipeline || isConfig)
        {
            foreach (var l in added)
            {
                if (ScheduledJob().Match(l.Text) is { Success: true } m && !ScheduledJob().IsMatch(removedText))
                {
                    var job = m.Groups["n"].Success && m.Groups["n"].Value.Length > 0 ? m.Groups["n"].Value : null;
                    yield return new DriftCandidate("drift.scheduled-job", file.Path, l.Line, "operations.md", "Daily Tasks", job ?? $"{name}:{l.Line}", job is null ? [] : [job], false,
                        $"new scheduled job in {file.Path}:{l.Line}: operations.md should list what runs when");
                    break;
                }
            }
        }
    }

    private static IEnumerable<DriftCandidate> Dependency(string file, int line, string subject, IReadOnlyList<string> terms, string reason)
    {
        yield return new DriftCandidate("drift.external-dependency", file, line, DependenciesDocument, "consumes", subject, terms, true, reason + ": declare it in the project graph");
        yield return new DriftCandidate("drift.external-dependency", file, line, "monitoring.md", "Metrics", subject, terms, true, reason + ": monitor it");
    }

    private static IEnumerable<string> EnvKeys(FileKind kind, bool isManifest, string text)
    {
        switch (kind)
        {
            case FileKind.EnvFile:
                if (EnvAssignment().Match(text) is { Success: true } m && !text.TrimStart().StartsWith('#'))
                {
                    yield return m.Groups["k"].Value;
                }

                break;
            case FileKind.Dockerfile:
                if (DockerEnv().Match(text) is { Success: true } d)
                {
                    foreach (Match k in DockerEnvKey().Matches(d.Groups["rest"].Value))
                    {
                        yield return k.Groups["k"].Value;
                        if (!d.Groups["rest"].Value.Contains('=', StringComparison.Ordinal))
                        {
                            break;
                        }
                    }
                }

                break;
            case FileKind.Code:
                foreach (Match c in CodeEnvRead().Matches(text))
                {
                    yield return c.Groups["k"].Value;
                }

                break;
            default:
                if ((kind is FileKind.Compose or FileKind.HelmValues || isManifest) && ManifestEnv().Match(text) is { Success: true } e)
                {
                    yield return e.Groups["k"].Value;
                }

                break;
        }
    }

    private static IEnumerable<string> ConfigKeys(FileKind kind, string text)
    {
        switch (kind)
        {
            case FileKind.AppSettings:
                if (JsonKey().Match(text) is { Success: true } j && !JsonParent().IsMatch(text))
                {
                    yield return j.Groups["k"].Value;
                }

                break;
            case FileKind.Ini or FileKind.Toml:
                if (!text.TrimStart().StartsWith('#') && !text.TrimStart().StartsWith(';') && IniKey().Match(text) is { Success: true } i)
                {
                    yield return i.Groups["k"].Value;
                }

                break;
            case FileKind.Code:
                foreach (Match c in CodeConfigRead().Matches(text))
                {
                    yield return c.Groups["k"].Value;
                }

                break;
        }
    }

    private static IEnumerable<string> Hosts(string text, bool anyScheme)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match m in ServiceUrl().Matches(text))
        {
            var scheme = m.Groups["scheme"].Value.ToLowerInvariant();
            var host = m.Groups["host"].Value;

            // In code, http(s) URLs are mostly documentation links and XML namespaces; other schemes name a service.
            if ((!anyScheme && scheme is "http" or "https") || LocalHosts.Contains(host) || host.EndsWith(".example", StringComparison.OrdinalIgnoreCase) || !host.Contains('.', StringComparison.Ordinal) && scheme is "http" or "https")
            {
                continue;
            }

            if (seen.Add(host))
            {
                yield return host;
            }
        }

        if (anyScheme)
        {
            foreach (Match m in ConnectionHost().Matches(text))
            {
                var host = m.Groups["host"].Value;
                if (!LocalHosts.Contains(host) && seen.Add(host))
                {
                    yield return host;
                }
            }
        }
    }

    private static (string Name, string Service)? Package(string fileName, FileKind kind, string text)
    {
        string? package = null;
        var lower = fileName.ToLowerInvariant();
        if (kind == FileKind.ProjectFile && lower.EndsWith("proj", StringComparison.Ordinal) || lower == "directory.packages.props")
        {
            package = NuGetReference().Match(text) is { Success: true } m ? m.Groups["p"].Value : null;
        }
        else if (lower == "package.json")
        {
            package = NpmDependency().Match(text) is { Success: true } m ? m.Groups["p"].Value : null;
        }
        else if (lower == "go.mod")
        {
            package = GoRequire().Match(text) is { Success: true } m ? m.Groups["p"].Value : null;
        }
        else if (lower.StartsWith("requirements", StringComparison.Ordinal) && lower.EndsWith(".txt", StringComparison.Ordinal) || lower == "pyproject.toml" || lower == "pipfile")
        {
            package = !text.TrimStart().StartsWith('#') && PythonRequirement().Match(text) is { Success: true } m ? m.Groups["p"].Value : null;
        }

        if (package is null)
        {
            return null;
        }

        foreach (var (prefix, service) in NetworkPackages)
        {
            var matches = prefix.EndsWith('.') || prefix.EndsWith('/')
                ? package.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                : package.Equals(prefix, StringComparison.OrdinalIgnoreCase) || package.StartsWith(prefix + ".", StringComparison.OrdinalIgnoreCase) && prefix.Contains('.', StringComparison.Ordinal) || package.StartsWith(prefix + "/", StringComparison.OrdinalIgnoreCase);
            if (matches)
            {
                return (package, service);
            }
        }

        return null;
    }

    private static bool IsMigration(string lowerPath, FileKind kind)
    {
        if (kind is FileKind.EfMigration)
        {
            return true;
        }

        if (kind is FileKind.EfSnapshot or FileKind.Test or FileKind.Docs)
        {
            return false;
        }

        var name = lowerPath[(lowerPath.LastIndexOf('/') + 1)..];
        return FileKinds.IsUnder(lowerPath, "migrations") || FileKinds.IsUnder(lowerPath, "migration") || FileKinds.IsUnder(lowerPath, "migrate")
            || lowerPath.Contains("alembic/versions/", StringComparison.Ordinal) || Regex.IsMatch(name, @"^v\d+(?:[._]\d+)*__.+\.sql$")
            || kind == FileKind.Sql && name.Contains("migration", StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="text"/> names <paramref name="term"/> (case-insensitive; identifiers must not run on).</summary>
    public static bool Mentions(string text, string term)
    {
        if (string.IsNullOrEmpty(term) || string.IsNullOrEmpty(text))
        {
            return false;
        }

        var index = 0;
        while ((index = text.IndexOf(term, index, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var before = index == 0 ? ' ' : text[index - 1];
            var afterIndex = index + term.Length;
            var after = afterIndex >= text.Length ? ' ' : text[afterIndex];
            if (!IsWordChar(before, term[0]) && !IsWordChar(after, term[^1]))
            {
                return true;
            }

            index++;
        }

        return false;
    }

    private static bool IsWordChar(char c, char edge) => (char.IsLetterOrDigit(edge) || edge == '_') && (char.IsLetterOrDigit(c) || c == '_');
}
