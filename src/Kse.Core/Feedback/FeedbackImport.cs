using System.Globalization;
using System.Text.Json;

namespace Kse.Core.Feedback;

/// <summary>Submissions from JSON (an import line, the <c>POST /api/feedback</c> body); every wrong field is named.</summary>
public static class FeedbackImport
{
    private static readonly HashSet<string> Fields = ["project", "channel", "title", "body", "version", "instance", "environment", "reporter", "score", "labels", "diff"];

    public static FeedbackSubmission ParseLine(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 16 });
            return FromJson(doc.RootElement);
        }
        catch (JsonException ex)
        {
            throw KseException.BadInput("feedback.json_invalid", $"not a JSON object ({ex.Message})");
        }
    }

    public static FeedbackSubmission FromJson(JsonElement o)
    {
        if (o.ValueKind != JsonValueKind.Object)
        {
            throw KseException.BadInput("feedback.json_invalid", $"expected a JSON object, not {o.ValueKind.ToString().ToLowerInvariant()}");
        }

        foreach (var p in o.EnumerateObject())
        {
            if (!Fields.Contains(p.Name))
            {
                throw KseException.BadInput("feedback.field_unknown", $"unknown field '{Clip(p.Name)}' (known: {string.Join(", ", Fields)})");
            }
        }

        return new FeedbackSubmission
        {
            Project = Required(o, "project"),
            Channel = Required(o, "channel"),
            Title = Required(o, "title"),
            Body = Optional(o, "body") ?? "",
            Version = Optional(o, "version"),
            Instance = Optional(o, "instance"),
            Environment = Optional(o, "environment"),
            Reporter = Optional(o, "reporter"),
            Diff = Optional(o, "diff"),
            Score = o.TryGetProperty("score", out var s) && s.ValueKind != JsonValueKind.Null
                ? s.ValueKind == JsonValueKind.Number && s.TryGetInt32(out var n) ? n : throw KseException.BadInput("feedback.field_invalid", "'score' must be a whole number 1 to 5")
                : null,
            Labels = o.TryGetProperty("labels", out var l) && l.ValueKind != JsonValueKind.Null ? Labels(l, "labels") : null,
        };
    }

    /// <summary>An object of string values, as Alertmanager sends labels.</summary>
    public static IReadOnlyDictionary<string, string> Labels(JsonElement l, string path)
    {
        if (l.ValueKind != JsonValueKind.Object)
        {
            throw KseException.BadInput("feedback.field_invalid", $"'{path}' must be an object of strings, not {l.ValueKind.ToString().ToLowerInvariant()}");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in l.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
            {
                throw KseException.BadInput("feedback.field_invalid", $"'{path}.{Clip(p.Name)}' must be a string");
            }

            if (p.Name.Length > 128 || p.Value.GetString()!.Length > 1024)
            {
                throw KseException.BadInput("feedback.field_invalid", $"'{path}.{Clip(p.Name)}' is too long");
            }

            labels[p.Name] = p.Value.GetString()!;
        }

        return labels;
    }

    internal static string Required(JsonElement o, string name, string? path = null) =>
        Optional(o, name, path) is { Length: > 0 } v ? v : throw KseException.BadInput("feedback.field_missing", $"'{path ?? name}' is required");

    internal static string? Optional(JsonElement o, string name, string? path = null)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number when name is "version" => v.GetRawText(),
            _ => throw KseException.BadInput("feedback.field_invalid", $"'{path ?? name}' must be a string, not {v.ValueKind.ToString().ToLowerInvariant()}"),
        };
    }

    internal static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";

    internal static DateTimeOffset? Time(JsonElement o, string name, string path)
    {
        var text = Optional(o, name, path);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw KseException.BadInput("feedback.field_invalid", $"'{path}' is not a time: '{Clip(text)}'");
    }
}

/// <summary>One alert of an Alertmanager webhook, as a submission (firing) or a resolution (resolved).</summary>
public sealed record AlertmanagerAlert(string Status, string AlertId, FeedbackSubmission Submission);

/// <summary>
/// Prometheus Alertmanager's webhook payload (version 4), taken as it is: labels give project, environment, instance and severity;
/// annotations the text. The whole payload is checked before anything is stored; a problem names its field (<c>alerts[1].labels</c>).
/// </summary>
public static class AlertmanagerPayload
{
    public const int MaxAlerts = 500;

    public static IReadOnlyList<AlertmanagerAlert> Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("(body)", "must be Alertmanager's webhook JSON object");
        }

        if (!root.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("alerts", "must be an array of alerts");
        }

        if (alerts.GetArrayLength() > MaxAlerts)
        {
            throw Invalid("alerts", $"has more than {MaxAlerts} alerts");
        }

        var common = root.TryGetProperty("commonLabels", out var cl) && cl.ValueKind == JsonValueKind.Object ? FeedbackImport.Labels(cl, "commonLabels") : null;
        var receiver = root.TryGetProperty("receiver", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        var result = new List<AlertmanagerAlert>();
        var i = 0;
        foreach (var a in alerts.EnumerateArray())
        {
            var path = $"alerts[{i}]";
            if (a.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "must be an object");
            }

            var status = FeedbackImport.Optional(a, "status", $"{path}.status")?.ToLowerInvariant();
            if (status is not ("firing" or "resolved"))
            {
                throw Invalid($"{path}.status", $"must be 'firing' or 'resolved', not '{status}'");
            }

            if (!a.TryGetProperty("labels", out var labelsElement))
            {
                throw Invalid($"{path}.labels", "is missing");
            }

            IReadOnlyDictionary<string, string> labels;
            try
            {
                labels = FeedbackImport.Labels(labelsElement, $"{path}.labels");
            }
            catch (KseException ex)
            {
                throw new KseException("feedback.alertmanager_invalid", ex.Message);
            }

            var merged = new Dictionary<string, string>(common ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            foreach (var (k, v) in labels)
            {
                merged[k] = v;
            }

            var annotations = a.TryGetProperty("annotations", out var an) && an.ValueKind != JsonValueKind.Null
                ? Wrap(() => FeedbackImport.Labels(an, $"{path}.annotations"))
                : new Dictionary<string, string>();
            var project = labels.GetValueOrDefault("project") ?? labels.GetValueOrDefault("service") ?? labels.GetValueOrDefault("job");
            if (!ProjectName.IsValid(project))
            {
                throw Invalid($"{path}.labels.project", project is null ? "is missing: every alert needs a 'project' label naming a kse project" : $"'{FeedbackImport.Clip(project)}' is not a project name");
            }

            var name = labels.GetValueOrDefault("alertname") ?? throw Invalid($"{path}.labels.alertname", "is missing");
            var startsAt = Wrap(() => FeedbackImport.Time(a, "startsAt", $"{path}.startsAt"));
            var fingerprint = FeedbackImport.Optional(a, "fingerprint", $"{path}.fingerprint");
            var alertId = fingerprint is { Length: > 0 } ? fingerprint : string.Join(",", labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
            var summary = annotations.GetValueOrDefault("summary") ?? annotations.GetValueOrDefault("message");
            var description = annotations.GetValueOrDefault("description") ?? "";
            var title = Clip(summary is null ? name : $"{name}: {summary}", FeedbackText.MaxTitleLength);
            var body = string.Join("\n", new[] { description, annotations.GetValueOrDefault("runbook_url") is { } rb ? "runbook: " + rb : null, a.TryGetProperty("generatorURL", out var g) && g.ValueKind == JsonValueKind.String ? "source: " + g.GetString() : null }.Where(x => !string.IsNullOrEmpty(x)));
            var environment = labels.GetValueOrDefault("environment") ?? labels.GetValueOrDefault("env");
            result.Add(new AlertmanagerAlert(status, alertId, new FeedbackSubmission
            {
                Project = project!,
                Channel = FeedbackNames.MonitoringAlert,
                Title = title,
                Body = Clip(body, FeedbackText.MaxBodyLength),
                Environment = environment,
                Instance = labels.GetValueOrDefault("instance"),
                Reporter = "alertmanager" + (receiver is null ? "" : ":" + FeedbackImport.Clip(receiver)),
                Labels = labels,
                ExternalId = alertId,
                At = startsAt,
            }));
            i++;
        }

        return result;
    }

    private static T Wrap<T>(Func<T> f)
    {
        try
        {
            return f();
        }
        catch (KseException ex) when (ex.Code != "feedback.alertmanager_invalid")
        {
            throw new KseException("feedback.alertmanager_invalid", ex.Message);
        }
    }

    private static KseException Invalid(string field, string message) => new("feedback.alertmanager_invalid", $"'{field}' {message}");

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}
