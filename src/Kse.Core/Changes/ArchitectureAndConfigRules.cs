using System.Text.RegularExpressions;

namespace Kse.Core.Changes;

/// <summary>L2 configuration and L5 architecture rules, and the sniffing of structured files (YAML, JSON, XML) by their content.</summary>
internal static partial class ArchitectureAndConfigRules
{
    [GeneratedRegex("""(?i)(feature[_\-. ]?(flag|toggle|management|gate)s?|^\s*"?features?"?\s*[:=]|^\s*"?(enable|disable|use)[A-Z_][\w]*"?\s*[:=]\s*"?(true|false|on|off|0|1)\b|launchdarkly|unleash|flagd)""")]
    private static partial Regex FeatureFlag();

    [GeneratedRegex("""(?i)(connection_?strings?|\bdsn\b|database_url|_url\s*[=:]|jdbc:|(postgres(ql)?|mysql|mariadb|mongodb(\+srv)?|redis|rediss|amqps?|sqlserver|kafka|nats)://|\b(server|host|data source|address)\s*=[^;]+;)""")]
    private static partial Regex ConnectionString();

    [GeneratedRegex("""(?i)(\bports?\b"?\s*[:=]|_port\b"?\s*[:=]|\burls?\b"?\s*[:=].*:\d{2,5}|aspnetcore_urls|\blisten\s+\d+|\bcontainerport\b|\btargetport\b|\bnodeport\b|\bendpoints?\b.*:\d{2,5})""")]
    private static partial Regex Port();

    /// <summary>Line-level config rules (flags, connection strings, ports); without any, one file-level finding of <paramref name="fileRule"/>.</summary>
    public static void Config(DiffFile f, FindingSink s, string fileRule, string what)
    {
        foreach (var hunk in f.Hunks)
        {
            for (var i = 0; i < hunk.Lines.Count; i++)
            {
                var l = hunk.Lines[i];
                if (l.Kind != DiffLineKind.Context)
                {
                    ConfigLine(f, s, l, HunkScan.Enclosing(hunk, i, ParentKey())?.Value);
                }
            }
        }

        if (s.CountFor(f.Path) == 0)
        {
            s.Add(fileRule, f, f.FirstChangedLine, f.Status == DiffFileStatus.Deleted ? $"{what} deleted" : f.Status == DiffFileStatus.Added ? $"{what} added" : $"{what} changed");
        }
    }

    [GeneratedRegex("""^\s*(?:"?[\w.\-:]+"?\s*[:=]\s*\{?\s*$|\[[^\]]+\]\s*$)""")]
    private static partial Regex ParentKey();

    /// <summary>One changed config line, judged with its parent key (<c>"FeatureManagement": {</c>, <c>[database]</c>) so nested values count.</summary>
    private static void ConfigLine(DiffFile f, FindingSink s, DiffLine l, string? parent)
    {
        var verb = l.Kind == DiffLineKind.Added ? "set" : "removed";
        if (FeatureFlag().IsMatch(l.Text) || (parent is not null && FeatureFlag().IsMatch(parent)))
        {
            s.Add("config.feature-flag", f, l.Line, $"feature flag {verb}: behaviour switches without a deploy", subject: Key(l.Text), dedupeByRule: true);
        }
        else if (ConnectionString().IsMatch(l.Text) || (parent is not null && ConnectionString().IsMatch(parent)))
        {
            s.Add("config.connection-string", f, l.Line, $"connection string or endpoint {verb}: the service talks to a different backend", subject: Key(l.Text), dedupeByRule: true);
        }
        else if (Port().IsMatch(l.Text) || (parent is not null && Port().IsMatch(parent.Trim() + " " + l.Text.Trim())))
        {
            s.Add("config.port", f, l.Line, $"port or URL binding {verb}: clients, probes and firewalls must follow", subject: Key(l.Text), dedupeByRule: true);
        }
    }

    [GeneratedRegex("""^\s*"?(?<k>[\w.\-:]+)"?\s*[:=]""")]
    private static partial Regex KeyPattern();

    private static string? Key(string text) => KeyPattern().Match(text) is { Success: true } m ? m.Groups["k"].Value : null;

    /// <summary>The version line, or keys only OpenAPI documents use (the version line is often outside the hunk).</summary>
    [GeneratedRegex("""^\s*"?(?:(?:openapi|swagger)"?\s*:\s*["']?\d|(?:operationId|requestBody|responses)"?\s*:)""")]
    private static partial Regex OpenApiMarker();

    [GeneratedRegex(@"^\s*kind\s*:\s*(?<k>\w+)")]
    private static partial Regex K8sKind();

    [GeneratedRegex(@"^\s*apiVersion\s*:")]
    private static partial Regex K8sApiVersion();

    private static readonly HashSet<string> Workloads = new(StringComparer.Ordinal) { "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod", "Rollout", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Namespace", "PersistentVolumeClaim" };
    private static readonly HashSet<string> Network = new(StringComparer.Ordinal) { "Service", "Ingress", "IngressClass", "Gateway", "HTTPRoute", "GRPCRoute", "NetworkPolicy", "VirtualService", "DestinationRule", "ServiceEntry", "EndpointSlice", "Endpoints" };
    private static readonly HashSet<string> BrokerKinds = new(StringComparer.Ordinal) { "KafkaTopic", "KafkaUser", "RabbitmqCluster", "Queue", "Exchange", "Binding", "Topic", "Subscription", "Policy" };

    /// <summary>YAML, JSON and XML files: decide by name and content what they are, then apply that rule set.</summary>
    public static void Structured(DiffFile f, FindingSink s, bool helmValues)
    {
        var name = Path.GetFileName(f.Path).ToLowerInvariant();
        var texts = HunkScan.Sniffable(f).ToList();
        bool Any(Func<string, bool> p) => texts.Any(p);

        var folders = f.Path.Replace('\\', '/').ToLowerInvariant();
        if (name.Contains("openapi", StringComparison.Ordinal) || name.Contains("swagger", StringComparison.Ordinal)
            || FileKinds.IsUnder(folders, "openapi") || FileKinds.IsUnder(folders, "swagger")
            || Any(t => OpenApiMarker().IsMatch(t))
            || (Any(t => Regex.IsMatch(t, """^\s*"?operationId"?\s*:""")) && Any(t => Regex.IsMatch(t, """^\s*"?/[^\s"]*"?\s*:\s*\{?\s*$"""))))
        {
            ApiRules.OpenApi(f, s);
            return;
        }

        var lowerPath = f.Path.Replace('\\', '/').ToLowerInvariant();
        if (Any(t => t.Contains("databaseChangeLog", StringComparison.Ordinal) || t.Contains("changeSet", StringComparison.Ordinal))
            || name.Contains("changelog", StringComparison.Ordinal) || FileKinds.IsUnder(lowerPath, "changelog") || FileKinds.IsUnder(lowerPath, "changelogs"))
        {
            DataRules.Liquibase(f, s);
            return;
        }

        if (Any(t => t.Contains("AWSTemplateFormatVersion", StringComparison.Ordinal) || CloudFormationType().IsMatch(t)))
        {
            Iac(f, s, "arch.iac.cloudformation", "CloudFormation template", CloudFormationType());
            return;
        }

        if (name.Contains("asyncapi", StringComparison.Ordinal) || Any(t => Regex.IsMatch(t, """^\s*"?asyncapi"?\s*:""")))
        {
            s.Add("arch.broker-topology", f, f.FirstChangedLine, "AsyncAPI document changed: channels and messages between services change", subject: f.Path);
            return;
        }

        if ((name.EndsWith(".json", StringComparison.Ordinal) && Any(t => Regex.IsMatch(t, """^\s*"(exchanges|queues|bindings|vhosts)"\s*:""")))
            || Regex.IsMatch(name, "(topic|queue|exchange|kafka|rabbit|broker|servicebus|sns|sqs)"))
        {
            s.Add("arch.broker-topology", f, f.FirstChangedLine, $"message-broker definitions ({Path.GetFileName(f.Path)}) changed: queues, topics or bindings change", subject: f.Path);
            return;
        }

        var kinds = texts.Select(t => K8sKind().Match(t)).Where(m => m.Success).Select(m => m.Groups["k"].Value).ToHashSet(StringComparer.Ordinal);
        var k8sPath = FileKinds.IsUnder(lowerPath, "k8s") || FileKinds.IsUnder(lowerPath, "kubernetes") || FileKinds.IsUnder(lowerPath, "manifests") || FileKinds.IsUnder(lowerPath, "templates") && FileKinds.IsUnder(lowerPath, "charts");
        if (kinds.Count > 0 && (Any(t => K8sApiVersion().IsMatch(t)) || k8sPath))
        {
            Kubernetes(f, s, kinds);
            return;
        }

        if (helmValues || FileKinds.IsUnder(lowerPath, "charts") || FileKinds.IsUnder(lowerPath, "helm"))
        {
            Config(f, s, "config.helm-values", "Helm values");
            return;
        }

        if (k8sPath)
        {
            // The kind line is outside the hunk: fall back to the conventional file name (billing-service.yaml, app-configmap.yaml).
            var guessed = KindFromName(name);
            if (guessed is not null)
            {
                Kubernetes(f, s, [guessed]);
            }
            else
            {
                s.Add("arch.k8s-workload-changed", f, f.FirstChangedLine, "Kubernetes manifest changed (kind not visible in the diff)");
            }

            return;
        }

        Config(f, s, "config.yaml", $"configuration file {Path.GetFileName(f.Path)}");
    }

    private static string? KindFromName(string lowerName)
    {
        foreach (var (token, kind) in new[] { ("configmap", "ConfigMap"), ("secret", "Secret"), ("ingress", "Ingress"), ("networkpolicy", "NetworkPolicy"), ("service", "Service"), ("svc", "Service"), ("statefulset", "StatefulSet"), ("daemonset", "DaemonSet"), ("cronjob", "CronJob"), ("deployment", "Deployment"), ("deploy", "Deployment"), ("hpa", "HorizontalPodAutoscaler") })
        {
            if (lowerName.Contains(token, StringComparison.Ordinal))
            {
                return kind;
            }
        }

        return null;
    }

    private static void Kubernetes(DiffFile f, FindingSink s, HashSet<string> kinds)
    {
        if (kinds.Overlaps(BrokerKinds) && kinds.Any(k => k.StartsWith("Kafka", StringComparison.Ordinal) || k is "Queue" or "Exchange" or "Binding" or "Topic" or "Subscription"))
        {
            s.Add("arch.broker-topology", f, f.FirstChangedLine, $"broker resources ({string.Join(", ", kinds.Intersect(BrokerKinds))}) changed", subject: f.Path);
            return;
        }

        var workload = kinds.FirstOrDefault(Workloads.Contains);
        var network = kinds.FirstOrDefault(Network.Contains);
        if (workload is not null && f.Status == DiffFileStatus.Added)
        {
            s.Add("arch.service-added", f, 1, $"new Kubernetes {workload}: a service is added to the system", subject: f.Path);
            return;
        }

        if (workload is not null && f.Status == DiffFileStatus.Deleted)
        {
            s.Add("arch.service-removed", f, 1, $"Kubernetes {workload} deleted: a service leaves the system", subject: f.Path);
            return;
        }

        if (workload is not null)
        {
            s.Add("arch.k8s-workload-changed", f, f.FirstChangedLine, $"Kubernetes {workload} changed: pods are rescheduled", subject: workload);
        }

        if (network is not null)
        {
            s.Add("arch.k8s-network-changed", f, f.FirstChangedLine, $"Kubernetes {network} changed: traffic routing changes", subject: network);
        }

        if (workload is null && network is null)
        {
            if (kinds.Contains("ConfigMap") || kinds.Contains("Secret"))
            {
                Config(f, s, "config.k8s-configmap", "Kubernetes ConfigMap/Secret");
            }
            else
            {
                s.Add("arch.k8s-workload-changed", f, f.FirstChangedLine, $"Kubernetes {string.Join(", ", kinds)} changed", subject: string.Join(",", kinds));
            }
        }
    }

    [GeneratedRegex("""^\s*(?<kind>resource|module|data)\s+"(?<t>[\w-]+)"(?:\s+"(?<n>[\w-]+)")?""")]
    private static partial Regex TerraformBlock();

    [GeneratedRegex("""^\s*(?:resource|module)\s+(?<n>\w+)\s+'(?<t>[^']+)'""")]
    private static partial Regex BicepBlock();

    public static void Terraform(DiffFile f, FindingSink s)
    {
        if (f.Path.EndsWith(".tfvars", StringComparison.OrdinalIgnoreCase))
        {
            s.Add("arch.iac.terraform", f, f.FirstChangedLine, "Terraform variables changed: sizes, counts or endpoints of infrastructure change");
            return;
        }

        Iac(f, s, "arch.iac.terraform", "Terraform", TerraformBlock(), m => m.Groups["kind"].Value == "data" ? null : $"{m.Groups["t"].Value}{(m.Groups["n"].Success ? "." + m.Groups["n"].Value : "")}");
    }

    public static void Bicep(DiffFile f, FindingSink s) =>
        Iac(f, s, "arch.iac.bicep", "Bicep", BicepBlock(), m => $"{m.Groups["n"].Value} ({m.Groups["t"].Value})");

    private static void Iac(DiffFile f, FindingSink s, string rule, string what, Regex resource, Func<Match, string?>? subjectOf = null)
    {
        subjectOf ??= m => m.Groups[1].Value;
        var removed = new List<(string Subject, DiffLine Line)>();
        var added = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in HunkScan.Changed(f))
        {
            if (resource.Match(l.Text) is { Success: true } m && subjectOf(m) is { } subject)
            {
                if (l.Kind == DiffLineKind.Removed)
                {
                    removed.Add((subject, l));
                }
                else
                {
                    added.Add(subject);
                }
            }
        }

        foreach (var r in removed.Where(r => !added.Contains(r.Subject)))
        {
            s.Add("arch.iac.resource-removed", f, r.Line.Line, $"{what} resource {r.Subject} removed: applying destroys it", subject: r.Subject);
        }

        s.Add(rule, f, f.FirstChangedLine, f.Status == DiffFileStatus.Added ? $"new {what} file: infrastructure is added" : $"{what} changed: infrastructure changes on the next apply");
    }

    [GeneratedRegex("""^\s*"?Type"?\s*:\s*"?(?<r>AWS::[\w:]+)""")]
    private static partial Regex CloudFormationType();

    [GeneratedRegex(@"^(?<k>\w+)\s*:")]
    private static partial Regex TopLevelKey();

    [GeneratedRegex(@"^  (?<svc>[A-Za-z0-9][\w.\-]*)\s*:\s*$")]
    private static partial Regex ComposeService();

    public static void Compose(DiffFile f, FindingSink s)
    {
        var removed = new List<(string Name, DiffLine Line)>();
        var added = new List<(string Name, DiffLine Line)>();
        foreach (var hunk in f.Hunks)
        {
            for (var i = 0; i < hunk.Lines.Count; i++)
            {
                var l = hunk.Lines[i];
                if (l.Kind == DiffLineKind.Context || ComposeService().Match(l.Text) is not { Success: true } m)
                {
                    continue;
                }

                var top = HunkScan.Enclosing(hunk, i, TopLevelKey());
                if (top is not null && top.Groups["k"].Value != "services")
                {
                    continue;
                }

                (l.Kind == DiffLineKind.Removed ? removed : added).Add((m.Groups["svc"].Value, l));
            }
        }

        foreach (var r in removed.Where(r => added.All(a => a.Name != r.Name)))
        {
            s.Add("arch.service-removed", f, r.Line.Line, $"compose service '{r.Name}' removed", subject: r.Name);
        }

        foreach (var a in added.Where(a => removed.All(r => r.Name != a.Name)))
        {
            s.Add("arch.service-added", f, a.Line.Line, $"compose service '{a.Name}' added", subject: a.Name);
        }

        if (s.CountFor(f.Path) == 0)
        {
            s.Add("arch.compose-changed", f, f.FirstChangedLine, "docker-compose topology changed (images, ports, links, volumes)");
        }
    }

    public static void ProjectFile(DiffFile f, FindingSink s, bool isTest)
    {
        var name = Path.GetFileName(f.Path);
        if (isTest)
        {
            s.Add("code.test", f, f.FirstChangedLine, $"test project {name} {Verb(f)}");
        }
        else if (f.Status == DiffFileStatus.Added)
        {
            s.Add("arch.service-added", f, 1, $"new project {f.Path}: a new deployable or library enters the system", subject: f.Path);
        }
        else if (f.Status == DiffFileStatus.Deleted)
        {
            s.Add("arch.service-removed", f, 1, $"project {f.Path} removed", subject: f.Path);
        }
        else
        {
            s.Add("code.build", f, f.FirstChangedLine, $"project file {name} changed (dependencies or build settings)");
        }
    }

    public static void Dockerfile(DiffFile f, FindingSink s)
    {
        if (f.Status == DiffFileStatus.Added)
        {
            s.Add("arch.service-added", f, 1, $"new container image {f.Path}: a new service is packaged", subject: f.Path);
        }
        else if (f.Status == DiffFileStatus.Deleted)
        {
            s.Add("arch.service-removed", f, 1, $"container image {f.Path} removed", subject: f.Path);
        }
        else
        {
            var port = HunkScan.Changed(f).FirstOrDefault(l => l.Text.TrimStart().StartsWith("EXPOSE", StringComparison.OrdinalIgnoreCase));
            if (port.Text is not null)
            {
                s.Add("config.port", f, port.Line, "exposed container port changed", subject: port.Text.Trim());
            }

            s.Add("config.container-image", f, f.FirstChangedLine, "container build changed (base image, layers, entrypoint)");
        }
    }

    private static string Verb(DiffFile f) => f.Status switch
    {
        DiffFileStatus.Added => "added",
        DiffFileStatus.Deleted => "deleted",
        DiffFileStatus.Renamed => "renamed",
        _ => "changed",
    };
}
