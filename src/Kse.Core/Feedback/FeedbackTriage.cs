using System.Globalization;

namespace Kse.Core.Feedback;

/// <summary>
/// The deterministic triage rules. They match whole words and phrases (never substrings: "Download" is not "down", "address"
/// is not "add"), skip a match that is negated in its own sentence ("billing is not down"), read the scope of a report
/// ("for everyone", "only one user"), consider the channel (an alert's own severity label wins; a survey is never critical by
/// wording alone), and name every rule that matched, marking the ones that decided.
/// </summary>
public sealed class FeedbackTriage
{
    /// <summary>A set of phrases meaning one thing. A phrase is words separated by spaces; <c>a|b</c> is either word, <c>#</c> any number, <c>_</c> any word.</summary>
    private sealed record Signal(string Id, string Meaning, double Weight, string[] Phrases, string[]? Except = null, bool Negatable = true)
    {
        public string[][][] Compiled { get; } = Phrases.SelectMany(Expand).Select(Compile).ToArray();

        public string[][][] CompiledExcept { get; } = (Except ?? []).SelectMany(Expand).Select(Compile).ToArray();

        /// <summary>Phrase indexes by their first word; phrases starting with <c>#</c> or <c>_</c> are candidates everywhere.</summary>
        public (Dictionary<string, int[]> ByFirst, int[] Anywhere) Index { get; } = BuildIndex(Phrases.SelectMany(Expand).Select(Compile).ToArray());

        public (Dictionary<string, int[]> ByFirst, int[] Anywhere) ExceptIndex { get; } = BuildIndex((Except ?? []).SelectMany(Expand).Select(Compile).ToArray());

        private static (Dictionary<string, int[]>, int[]) BuildIndex(string[][][] phrases)
        {
            var byFirst = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            var anywhere = new List<int>();
            for (var i = 0; i < phrases.Length; i++)
            {
                foreach (var first in phrases[i][0])
                {
                    if (first is "#" or "_")
                    {
                        anywhere.Add(i);
                    }
                    else
                    {
                        (byFirst.TryGetValue(first, out var l) ? l : byFirst[first] = []).Add(i);
                    }
                }
            }

            return (byFirst.ToDictionary(kv => kv.Key, kv => kv.Value.Distinct().ToArray(), StringComparer.Ordinal), anywhere.Distinct().ToArray());
        }

        private static string[][] Compile(string phrase) => phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Split('|')).ToArray();

        /// <summary><c>{does not,doesnt} work</c> is two phrases: a brace group lists alternatives of several words.</summary>
        private static IEnumerable<string> Expand(string phrase)
        {
            var open = phrase.IndexOf('{', StringComparison.Ordinal);
            if (open < 0)
            {
                return [phrase];
            }

            var close = phrase.IndexOf('}', open);
            var head = phrase[..open];
            var tail = phrase[(close + 1)..];
            return phrase[(open + 1)..close].Split(',').SelectMany(alt => Expand(head + alt.Trim() + tail));
        }
    }

    private sealed record Hit(Signal Signal, string Matched, int Start, bool Negated);

    private static readonly HashSet<string> Negators = ["not", "no", "never", "isnt", "arent", "wasnt", "werent", "without", "nor", "neither", "hasnt", "havent", "aint"];

    private static readonly string[] DownExceptions =
    [
        "scroll|scrolling|scrolled down", "drop down", "dropdown", "slow|slows|slowed down", "down arrow|menu|list|key", "count down", "turn|turned down", "break|breaks down",
        "narrow|narrowed down", "mark|marked down", "up and down", "down payment", "sit down", "write down", "wrote down", "shut down the|my", "calm down", "cut down", "look down", "pull down", "pulldown", "put down", "trickle down", "half down", "scrolls down", "rounded down", "round down", "round|rounds|rounding half down",
    ];

    // ---- type signals ----
    private static readonly Signal[] TypeSignals =
    [
        new("type.feature.request", "feature", 3,
        [
            "please add", "please support", "please allow", "please make", "please let", "please provide", "please consider", "please include", "please offer",
            "add a|an|the|support|more|some|dark|export|option|ability|filter|search|sorting|setting|field|column|way|button|shortcut|link|new",
            "can|could|would you add|support|allow|provide|offer|include|make",
            "feature request", "enhancement request", "would be nice|great|helpful|useful|good|awesome|handy", "it would help", "would love", "would like", "id like", "wed like",
            "we want", "i want", "wish", "wishlist", "suggest", "suggestion", "option to", "ability to", "possibility to", "allow me|us|users|customers|admins to",
            "support for", "integration with", "integrate with", "how about", "nice to have", "missing feature", "new feature", "feature", "dark mode", "request",
            "should support", "should allow", "should be able to", "let us", "let me", "make it possible",
        ], Except: ["add to cart|basket|invoice", "add button", "add item|line", "request timeout|timeouts|timed|failed|fails|failing|errors|error|rate|latency", "requests", "feature flag|flags", "request id"]),
        new("type.performance.slowness", "performance", 2.5,
        [
            "slow", "slowly", "slower", "slowness", "sluggish", "laggy", "lag", "lags", "latency", "load time|times", "response time|times", "takes|took|take|taking # seconds|minutes|secs|s|sec|min|mins", "takes|took|take|taking about|around|over|up # seconds|minutes|secs|s|sec|min|mins", "# to # seconds|minutes|secs",
            "# seconds|minutes|secs|sec to load|render|open|respond|appear|finish|complete", "timeout", "timeouts", "timing out", "timed out", "times out", "hangs", "hanging", "freezes", "frozen",
            "spinner|spinning", "p95", "p99", "query time|times", "slow queries", "slow query", "performance", "speed", "takes forever", "takes ages", "forever to", "ages to", "high cpu", "cpu usage", "memory usage", "memory leak", "out of memory",
        ], Except: ["slow down"]),
        new("type.operational.infrastructure", "operational", 2.5,
        [
            "disk", "disk space", "cpu", "memory", "certificate|cert|certificates|tls|ssl", "backup|backups", "cron", "job failed", "queue depth", "backlog", "error rate", "5xx",
            "replica|replicas|replication", "node|nodes", "pod|pods", "container|containers", "outage", "scheduler", "worker",
            "unavailable", "unreachable", "offline", "503", "502", "504", "connection pool", "database connection|connections", "health check|checks", "healthcheck", "dns", "oom", "oomkilled",
            "probe", "scrape", "alerting", "load balancer", "firewall", "rabbitmq|kafka|redis|postgres|postgresql|nginx", "dead letter", "dlq", "lock",
        ], Except: ["server error", "alert box|dialog|message|popup"]),
        new("type.operational.context", "operational", 1,
        [
            "deploy|deployment|deployments|deployed", "restart|restarted|restarts|restarting", "instance|instances", "server|servers", "host", "alert", "migration", "job", "prod", "production",
        ], Except: ["server error", "alert box|dialog|message|popup"]),
        new("type.bug.cosmetic", "bug", 1, ["typo", "typos", "misspelled", "spelling", "font", "fonts", "looks odd", "looks off", "misaligned", "pixelated", "blurry", "colour|color", "overlaps"]),
        new("type.operational.down", "operational", 3, ["is|are|was|were|went|goes|go|been|be|being|seems|appears|looks|completely|totally|still|gone down", "down for|since|again|everywhere|completely|right|now|today|until", "down $"], Except: DownExceptions),
        new("type.bug.defect", "bug", 1.5,
        [
            "bug", "broken", "breaks", "error", "errors", "fails", "failing", "failed", "failure", "wrong", "incorrect", "crash", "crashes", "crashed", "crashing", "exception", "stack trace",
            "doesnt work", "does not work", "dont work", "not working", "nobody|noone can", "no one can", "stopped working", "no longer works", "does nothing", "nothing happens", "cut off", "truncated", "missing", "blank",
            "cannot", "cant", "unable", "duplicate", "duplicated", "twice", "typo", "misspelled", "misaligned", "overlaps", "overlapping", "instead of", "invalid", "glitch", "404", "500",
            "{doesnt,dont,does not,didnt,did not,do not,wont,will not} load|show|save|open|send|update|work|appear|match|arrive|print|display|respond|change|apply|sync|download|upload|find|return|calculate|accept",
            "never arrives|arrived|arrive|loads|loaded|shows|showed|works|worked|comes|came", "returns|shows nothing", "returns|shows no", "no results|entries|data", "is|are|was empty", "empty",
            "not shown|showing|displayed|saved|sent|updated|loading|found|arriving|printed", "disappears", "disappeared", "shows the wrong", "lost", "deleted", "corrupted", "reset", "charged twice", "double charged",
            "rounding", "off by", "confusing", "unclear", "hard to find|use|read|understand", "by itself", "on its own", "jumps back", "gets stuck", "stuck", "greyed|grayed out", "unresponsive", "ignored", "regression",
        ]),
    ];

    // ---- severity signals ----
    private static readonly Signal Outage = new("severity.outage", "system down", 0,
    [
        "is|are|was|were|went|goes|go|been|be|being|seems|appears|looks|completely|totally|still|gone down", "down for|since|again|everywhere|completely|right|now|today|until", "down $", "outage", "unavailable", "unreachable", "offline", "503", "502", "not responding", "no response", "{cannot,cant,unable to,can not} connect|reach|access", "{cannot,cant,unable to,can not} {open,load} the site|app|page|portal",
        "connection refused", "completely broken", "nothing works", "does not load at all", "doesnt load at all", "wont load", "blank page for", "is dead", "went dark", "every request fails|failed|failing",
    ], Except: DownExceptions);

    private static readonly Signal DataLoss = new("severity.data_loss", "data loss", 0,
    [
        "data loss", "lost data", "lost all", "lost {our,their,the,all our,my} data|invoices|orders|records|history|files|receipts", "data is|was gone", "were|was|got|been deleted", "wiped", "corrupted", "corruption", "overwritten",
        "disappeared from the database", "missing from the database", "rows are missing", "records are|were missing",
    ]);

    private static readonly Signal Exposure = new("severity.security_or_money", "data exposure or money taken wrongly", 0,
    [
        "data exposure", "exposed", "leak", "leaked", "leaking", "breach", "another customers|users|tenants", "{other,another} customers|users|tenants|customer|user|tenant data|invoices|orders|account|accounts", "someone elses", "somebody elses",
        "charged twice", "double charged", "double charge", "double charges", "double charging", "charged the wrong amount", "wrong amount charged", "sql injection", "xss", "privilege escalation",
    ]);

    private static readonly Signal AccessFailing = new("severity.payments_or_logins", "payments or logins failing", 0,
    [
        "{cannot,cant,unable to,couldnt,can not,could not,can no longer} pay|checkout|log|login|sign|signin|purchase|buy|authenticate|place", "{no,not a single} payment|payments|order|orders|checkout|checkouts|login {has,have} {gone,went,succeeded}", "gone through", "{no,none} {payment,payments,order,orders} {succeeded,succeed,went through}", "no integration can authenticate",
        "payment|payments|checkout|checkouts|login|logins|signin|authentication|card|cards|capture|captures {fail,fails,failing,failed,declined,rejected,broken,errors,are declined,are failing,are rejected,is broken,time out,times out,timed out}",
        "nobody can", "no one can", "noone can", "can no longer pay|log|login|sign", "login|logins|authentication is broken", "payments are not going through", "not going through",
    ]);

    private static readonly Signal Degraded = new("severity.degraded", "degraded service", 0,
    [
        "error rate", "5xx", "500 errors", "degraded", "intermittent", "intermittently", "elevated", "high latency", "timeouts", "timing out", "timed out", "times out", "crash", "crashes", "crashing", "crashed",
        "errors for", "failing for", "fails for", "# of requests|checkouts|payments|calls|users|customers|orders", "{disk,memory,cpu} {above,over,at} #", "above #", "backlog", "queue depth", "restarts|restarting|restarted", "oomkilled", "not ready", "replication lag",
        "{expires,expiring,expire} {in,tomorrow,today}", "expired",
    ]);

    private static readonly Signal Broken = new("severity.broken_function", "a function is broken", 0,
    [
        "broken", "fails", "failing", "failed", "does nothing", "nothing happens", "doesnt work", "does not work", "not working", "stopped working", "no longer works", "error", "errors", "wrong", "incorrect",
        "cannot", "cant", "unable", "cut off", "truncated", "missing", "stuck", "exception", "404", "500", "confusing", "hard to find", "lost", "deleted", "twice", "duplicate",
        "{doesnt,dont,does not,didnt,did not,do not,wont,will not} load|show|save|open|send|update|work|appear|match|arrive|print|display|respond|apply|sync|download|upload|find|return|calculate|accept",
        "never arrives|arrived|arrive|loads|loaded|shows|showed|works|worked|comes|came", "returns|shows nothing", "returns|shows no", "no results|entries|data", "is|are|was empty", "empty", "greyed|grayed out", "instead of", "off by", "skip|skips|skipped", "by itself", "on its own", "jumps back",
    ]);

    private static readonly Signal Cosmetic = new("severity.cosmetic", "cosmetic", 0,
    [
        "typo", "typos", "misspelled", "spelling", "grammar", "alignment", "misaligned", "not aligned", "colour|color|colors|colours", "font", "fonts", "spacing", "padding", "margin", "icon", "icons",
        "cosmetic", "looks odd", "looks off", "looks weird", "ugly", "wording", "capitalisation|capitalization", "pixel|pixels", "tooltip", "placeholder text", "label text", "overlaps", "overlapping",
    ]);

    private static readonly Signal Urgent = new("severity.blocking_request", "a blocking request", 0, ["blocker", "blocking", "urgent", "urgently", "asap", "must have", "cannot go live", "legal requirement", "compliance", "regulation"]);

    private static readonly Signal Workaround = new("severity.workaround", "a workaround exists", 0, ["workaround", "work around", "as a workaround", "still possible", "can still", "by refreshing", "after a refresh", "reload fixes", "refresh fixes", "manually"]);

    // ---- scope signals ----
    private static readonly Signal ScopeAll = new("scope.everyone", "affects everyone", 0,
    [
        "everyone", "everybody", "all users", "all customers", "all merchants", "all tenants", "all regions", "{all our,all of our} users|customers", "every user|customer|request|checkout|payment|login|order|call|merchant|tenant",
        "nobody", "no one", "noone", "entire", "whole site|app|platform|service", "completely", "100%", "site-wide", "sitewide", "globally", "for all", "all requests", "all instances", "all pods", "any user|customer",
    ], Negatable: true);

    private static readonly Signal ScopeSome = new("scope.some", "affects some", 0,
    [
        "some users|customers|merchants|people|accounts|requests|tenants", "a few", "several", "many users|customers", "multiple users|customers|accounts|tenants|merchants", "a group of", "a subset", "some of",
        "# of requests|users|customers|checkouts|payments", "one region", "certain users|customers|accounts", "a handful", "a number of", "intermittent", "intermittently", "sometimes", "occasionally", "not everyone", "not all",
    ], Negatable: false);

    private static readonly Signal ScopeOne = new("scope.one", "affects one", 0,
    [
        "one user", "one customer", "one merchant", "one account", "a single user|customer|account|merchant|tenant", "only one", "only me", "only for me", "for me", "just me", "just for me", "this user",
        "my account", "one tenant", "a customer", "a user", "our account", "one person", "single user",
    ], Negatable: false);

    /// <summary>Classifies one report. Deterministic; never throws for any text.</summary>
    public TriageResult Classify(string channel, string title, string body, IReadOnlyDictionary<string, string>? labels = null)
    {
        var ch = FeedbackNames.Channel(channel);
        var tokens = FeedbackText.Tokenize(Trim(title, FeedbackText.MaxTitleLength) + ".\n" + Trim(body, FeedbackText.MaxBodyLength));
        var rules = new List<TriageRule>();

        // Type: the strongest evidence wins.
        var typeHits = TypeSignals.SelectMany(s => Find(s, tokens)).ToList();
        foreach (var h in typeHits.Where(h => h.Negated).GroupBy(h => h.Matched).Select(g => g.First()))
        {
            rules.Add(new TriageRule("negation", $"'{h.Matched}' is negated in its sentence and does not count"));
        }

        var scores = FeedbackNames.Types.ToDictionary(t => t, _ => 0.0);
        foreach (var h in typeHits.Where(h => !h.Negated).GroupBy(h => h.Signal.Id + "|" + h.Matched).Select(g => g.First()))
        {
            scores[h.Signal.Meaning] += h.Signal.Weight;
        }

        if (ch == FeedbackNames.MonitoringAlert)
        {
            scores["operational"] += 2;
        }

        string type;
        string typeRule;
        string typeText;
        var best = scores.OrderByDescending(kv => kv.Value).ThenBy(kv => TypeOrder(kv.Key)).First();
        var total = scores.Values.Sum();
        if (best.Value <= 0)
        {
            type = ch == FeedbackNames.CustomerSurvey ? "feature" : "bug";
            typeRule = "type.default";
            typeText = ch == FeedbackNames.CustomerSurvey ? "no type words: a survey comment defaults to feature" : "no type words: a report defaults to bug";
        }
        else
        {
            type = best.Key;
            var decisive = typeHits.Where(h => !h.Negated && h.Signal.Meaning == type).Select(h => h.Matched).Distinct().Take(4).ToList();
            typeRule = typeHits.FirstOrDefault(h => !h.Negated && h.Signal.Meaning == type)?.Signal.Id ?? "channel.alert_type";
            typeText = decisive.Count > 0
                ? $"{type}: matched {string.Join(", ", decisive.Select(d => $"'{d}'"))}{(ch == FeedbackNames.MonitoringAlert ? " (alert channel leans operational)" : "")}"
                : $"{type}: the alert channel leans operational";
            if (decisive.Count == 0)
            {
                typeRule = "channel.alert_type";
            }
        }

        rules.Insert(0, new TriageRule(typeRule, typeText, Decided: true));
        var typeConfidence = best.Value <= 0 ? 0.4 : Math.Clamp(0.5 + 0.5 * (best.Value / Math.Max(total, 0.001)) * Math.Min(1, best.Value / 3), 0.45, 0.97);

        // Scope.
        string? scope = null;
        foreach (var (signal, name) in new[] { (ScopeSome, "some"), (ScopeAll, "all"), (ScopeOne, "one") })
        {
            var hit = Find(signal, tokens).FirstOrDefault(h => !h.Negated);
            if (hit is not null)
            {
                scope = name;
                rules.Add(new TriageRule(signal.Id, $"scope: '{hit.Matched}' ({signal.Meaning})"));
                break;
            }
        }

        // Severity.
        var (severity, sevRule, sevText, sevConfidence) = Severity(ch, type, tokens, scope, labels, rules);
        if (ch == FeedbackNames.CustomerSurvey && severity == "critical" && sevRule != "channel.alert_label")
        {
            rules.Add(new TriageRule(sevRule, sevText));
            (severity, sevRule, sevText) = ("high", "channel.survey_cap", "a survey is never critical by its wording alone: capped at high");
        }

        rules.Insert(1, new TriageRule(sevRule, sevText, Decided: true));
        return new TriageResult
        {
            Type = type,
            Severity = severity,
            Confidence = Math.Round(Math.Min(typeConfidence, sevConfidence), 2),
            Rules = rules,
            DecidedBy = "rules",
        };
    }

    private static (string Severity, string Rule, string Text, double Confidence) Severity(string channel, string type, IReadOnlyList<TextToken> tokens, string? scope, IReadOnlyDictionary<string, string>? labels, List<TriageRule> rules)
    {
        if (channel == FeedbackNames.MonitoringAlert && labels is not null && labels.TryGetValue("severity", out var label) && MapAlertSeverity(label) is { } mapped)
        {
            return (mapped, "channel.alert_label", $"the alert's own severity label '{label}' decides: {mapped}", 0.97);
        }

        if (channel == FeedbackNames.MonitoringAlert && AlertLabelInText(tokens) is { } inText)
        {
            return (inText.Severity, "channel.alert_label", $"the alert's own severity label '{inText.Label}' decides: {inText.Severity}", 0.95);
        }

        Hit? First(Signal s)
        {
            var hits = Find(s, tokens).ToList();
            foreach (var n in hits.Where(h => h.Negated).GroupBy(h => h.Matched).Select(g => g.First()))
            {
                rules.Add(new TriageRule("negation", $"'{n.Matched}' is negated in its sentence ({s.Meaning} does not count)"));
            }

            return hits.FirstOrDefault(h => !h.Negated);
        }

        var scopeText = scope switch { "all" => "for everyone", "some" => "for some", "one" => "for one", _ => "scope not stated" };
        if (First(DataLoss) is { } loss)
        {
            return ("critical", loss.Signal.Id, $"critical: '{loss.Matched}' ({loss.Signal.Meaning})", 0.85);
        }

        if (First(Exposure) is { } exposure)
        {
            return ("critical", exposure.Signal.Id, $"critical: '{exposure.Matched}' ({exposure.Signal.Meaning})", 0.85);
        }

        if (First(Outage) is { } outage)
        {
            return scope is "one" or "some"
                ? ("high", outage.Signal.Id, $"high: '{outage.Matched}' ({outage.Signal.Meaning}) but {scopeText}", 0.75)
                : ("critical", outage.Signal.Id, $"critical: '{outage.Matched}' ({outage.Signal.Meaning}, {scopeText})", scope == "all" ? 0.92 : 0.8);
        }

        if (First(AccessFailing) is { } access)
        {
            return scope == "all"
                ? ("critical", access.Signal.Id, $"critical: '{access.Matched}' ({access.Signal.Meaning}) for everyone", 0.9)
                : ("high", access.Signal.Id, $"high: '{access.Matched}' ({access.Signal.Meaning}, {scopeText})", 0.75);
        }

        if (First(Degraded) is { } degraded)
        {
            return scope == "one"
                ? ("medium", degraded.Signal.Id, $"medium: '{degraded.Matched}' ({degraded.Signal.Meaning}) but for one", 0.7)
                : ("high", degraded.Signal.Id, $"high: '{degraded.Matched}' ({degraded.Signal.Meaning}, {scopeText})", 0.75);
        }

        if (type == "feature")
        {
            return First(Urgent) is { } urgent
                ? ("medium", urgent.Signal.Id, $"medium: a feature request marked '{urgent.Matched}'", 0.7)
                : ("low", "severity.enhancement", "low: a feature request is an enhancement", 0.85);
        }

        if (type == "performance")
        {
            return scope == "all"
                ? ("high", "severity.slow_for_everyone", "high: slow for everyone (degraded)", 0.75)
                : ("medium", "severity.slow", $"medium: slow ({scopeText})", 0.7);
        }

        if (First(Cosmetic) is { } cosmetic && First(Broken) is null)
        {
            return ("low", cosmetic.Signal.Id, $"low: '{cosmetic.Matched}' ({cosmetic.Signal.Meaning})", 0.8);
        }

        if (First(Broken) is { } broken)
        {
            if (First(Workaround) is { } wa)
            {
                return ("medium", wa.Signal.Id, $"medium: '{broken.Matched}' but '{wa.Matched}' ({wa.Signal.Meaning})", 0.8);
            }

            return scope == "all"
                ? ("high", broken.Signal.Id, $"high: '{broken.Matched}' ({broken.Signal.Meaning}) for everyone", 0.7)
                : ("medium", broken.Signal.Id, $"medium: '{broken.Matched}' ({broken.Signal.Meaning}, {scopeText})", 0.75);
        }

        if (First(Cosmetic) is { } cosmetic2)
        {
            return ("low", cosmetic2.Signal.Id, $"low: '{cosmetic2.Matched}' ({cosmetic2.Signal.Meaning})", 0.7);
        }

        return type == "operational"
            ? ("medium", "severity.default", "medium: an operational report with no severity words", 0.5)
            : ("low", "severity.default", "low: no words of breakage, slowness or outage", 0.5);
    }

    /// <summary>Alertmanager/Prometheus severity names onto ours; null when the label is not a severity we know.</summary>
    public static string? MapAlertSeverity(string? label) => label?.Trim().ToLowerInvariant() switch
    {
        "critical" or "page" or "fatal" or "emergency" or "p1" or "sev1" => "critical",
        "high" or "error" or "major" or "p2" or "sev2" => "high",
        "warning" or "warn" or "medium" or "minor" or "p3" or "sev3" => "medium",
        "info" or "low" or "none" or "notice" or "p4" or "sev4" => "low",
        _ => null,
    };

    private static (string Label, string Severity)? AlertLabelInText(IReadOnlyList<TextToken> tokens)
    {
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (tokens[i].Word == "severity" && MapAlertSeverity(tokens[i + 1].Word) is { } s)
            {
                return (tokens[i + 1].Word, s);
            }
        }

        return null;
    }

    private static int TypeOrder(string type) => type switch { "bug" => 0, "performance" => 1, "operational" => 2, _ => 3 };

    private static string Trim(string? s, int max) => s is null ? "" : s.Length <= max ? s : s[..max];

    private static IEnumerable<Hit> Find(Signal signal, IReadOnlyList<TextToken> tokens)
    {
        var excluded = new bool[tokens.Count];
        if (signal.CompiledExcept.Length > 0)
        {
            var (exceptByFirst, exceptAnywhere) = signal.ExceptIndex;
            for (var i = 0; i < tokens.Count; i++)
            {
                var exceptCandidates = exceptByFirst.GetValueOrDefault(tokens[i].Word) ?? [];
                for (var c = 0; c < exceptCandidates.Length + exceptAnywhere.Length; c++)
                {
                    var except = signal.CompiledExcept[c < exceptCandidates.Length ? exceptCandidates[c] : exceptAnywhere[c - exceptCandidates.Length]];
                    if (Matches(except, tokens, i))
                    {
                        for (var k = i; k < i + Length(except); k++)
                        {
                            excluded[k] = true;
                        }
                    }
                }
            }
        }

        var (byFirst, anywhere) = signal.Index;
        for (var i = 0; i < tokens.Count; i++)
        {
            // The first phrase of the list that matches here names the hit.
            var best = -1;
            var candidates = byFirst.GetValueOrDefault(tokens[i].Word) ?? [];
            for (var c = 0; c < candidates.Length + anywhere.Length; c++)
            {
                var p = c < candidates.Length ? candidates[c] : anywhere[c - candidates.Length];
                if ((best < 0 || p < best) && Matches(signal.Compiled[p], tokens, i))
                {
                    var overlapsExcept = false;
                    for (var k = i; k < i + Length(signal.Compiled[p]); k++)
                    {
                        overlapsExcept |= excluded[k];
                    }

                    if (!overlapsExcept)
                    {
                        best = p;
                    }
                }
            }

            if (best < 0)
            {
                continue;
            }

            var phrase = signal.Compiled[best];
            var matched = string.Join(' ', tokens.Skip(i).Take(Length(phrase)).Select(t => t.Word));
            yield return new Hit(signal, matched, i, signal.Negatable && IsNegated(tokens, i, phrase));
        }
    }

    private static bool Matches(string[][] phrase, IReadOnlyList<TextToken> tokens, int at)
    {
        var length = Length(phrase);
        if (at + length > tokens.Count)
        {
            return false;
        }

        if (length < phrase.Length && at + length < tokens.Count && tokens[at + length].Sentence == tokens[at].Sentence)
        {
            // "$": the phrase must end its sentence.
            return false;
        }

        for (var k = 0; k < length; k++)
        {
            var word = tokens[at + k].Word;
            if (k > 0 && tokens[at + k].Sentence != tokens[at].Sentence)
            {
                return false;
            }

            var ok = false;
            foreach (var alt in phrase[k])
            {
                ok |= alt == "_" || alt == word || (alt == "#" && IsNumber(word));
            }

            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Words a phrase consumes (a final <c>$</c> consumes none).</summary>
    private static int Length(string[][] phrase) => phrase.Length > 0 && phrase[^1] is ["$"] ? phrase.Length - 1 : phrase.Length;

    private static bool IsNumber(string word) => word.Length > 0 && (double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || (char.IsDigit(word[0]) && word.Length <= 6));

    /// <summary>A negator up to three words before the match, in the same sentence ("no longer", "not only" are not negations).</summary>
    private static bool IsNegated(IReadOnlyList<TextToken> tokens, int start, string[][] phrase)
    {
        if (phrase.Any(p => p.Any(Negators.Contains)))
        {
            return false;
        }

        for (var k = start - 1; k >= Math.Max(0, start - 3); k--)
        {
            if (tokens[k].Sentence != tokens[start].Sentence)
            {
                return false;
            }

            var w = tokens[k].Word;
            if (w is "but" or "and" or "although" or "though" or "however" or "yet")
            {
                return false;
            }

            if (Negators.Contains(w))
            {
                var next = k + 1 < tokens.Count ? tokens[k + 1].Word : "";
                if ((w == "no" && next is "longer" or "matter" or "idea") || (w == "not" && next is "only" or "just" or "even" or "sure"))
                {
                    continue;
                }

                return true;
            }
        }

        return false;
    }
}
