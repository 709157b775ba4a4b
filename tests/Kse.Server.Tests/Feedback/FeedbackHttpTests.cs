using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kse.Core.Audit;
using Kse.Core.Feedback;
using Kse.Server.Tests.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Server.Tests.Feedback;

/// <summary>Feedback over real HTTP on 127.0.0.1: Alertmanager's webhook end to end, intake, and webhook notifications to a local listener.</summary>
public sealed class FeedbackHttpTests
{
    private static string AlertPayload(string status, string name = "ShopHighErrorRate", bool badSecond = false, string severity = "critical")
    {
        JsonObject Alert(string n) => new()
        {
            ["status"] = status,
            ["labels"] = new JsonObject { ["alertname"] = n, ["severity"] = severity, ["project"] = "shop", ["environment"] = "production", ["instance"] = "prod-1" },
            ["annotations"] = new JsonObject { ["summary"] = "Shop answers HTTP 5xx to 30% of requests", ["description"] = "5xx ratio above 0.3 for 10 minutes" },
            ["startsAt"] = "2026-11-30T10:00:00.000Z",
            ["endsAt"] = status == "resolved" ? "2026-11-30T10:25:00.000Z" : "0001-01-01T00:00:00Z",
            ["generatorURL"] = "http://prometheus.internal:9090/graph",
            ["fingerprint"] = "fp-" + n,
        };
        var alerts = new JsonArray { Alert(name) };
        if (badSecond)
        {
            var bad = Alert(name + "2");
            bad["labels"] = "severity=critical";
            alerts.Add(bad);
        }

        return new JsonObject { ["version"] = "4", ["status"] = status, ["receiver"] = "kse", ["groupKey"] = "{}:{alertname=\"x\"}", ["alerts"] = alerts }.ToJsonString();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Alertmanager_FiringFoldsAndResolves_AMalformedPayloadIs400NamingTheField_WithNothingStored()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var feedback = host.Services.GetRequiredService<FeedbackService>();

        var anonymous = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback/alertmanager", null, Json(AlertPayload("firing"))));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var firing = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback/alertmanager", KseHttpTestHost.CarolToken, Json(AlertPayload("firing"))));
        Assert.Equal(HttpStatusCode.OK, firing.StatusCode);
        var again = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback/alertmanager", KseHttpTestHost.AliceToken, Json(AlertPayload("firing"))));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var item = Assert.Single((await feedback.ListAsync(new FeedbackQuery { Project = "shop" })).Items);
        Assert.Equal(("critical", "monitoring-alert", 2, "production", "prod-1"), (item.Severity, item.Channel, item.Occurrences, item.Environment, item.Instance));
        Assert.Contains(item.Rules, r => r is { Id: "channel.alert_label", Decided: true });

        var bad = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback/alertmanager", KseHttpTestHost.AliceToken, Json(AlertPayload("firing", "Other", badSecond: true))));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("alerts[1].labels", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single((await feedback.ListAsync(new FeedbackQuery { Project = "shop" })).Items);

        var notJson = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback/alertmanager", KseHttpTestHost.AliceToken, Json("{\"alerts\": [")));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);

        var resolved = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback/alertmanager", KseHttpTestHost.AliceToken, Json(AlertPayload("resolved"))));
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var after = Assert.Single((await feedback.ListAsync(new FeedbackQuery { Project = "shop" })).Items);
        Assert.Equal((item.Id, "resolved"), (after.Id, after.State));
        Assert.Equal("system:feedback", after.History[^1].By);
    }

    [Fact]
    public async Task PostFeedback_NeedsAToken_AndStoresAsTheOperator()
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var body = """{"project":"shop","channel":"api","title":"POST /orders returns 500","body":"for carts over 200 lines","instance":"dev-1"}""";

        var anonymous = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback", null, Json(body)));
        var created = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback", KseHttpTestHost.CarolToken, Json(body)));
        var unknownField = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback", KseHttpTestHost.CarolToken, Json("""{"project":"shop","channel":"api","title":"x","severity":"critical"}""")));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Contains("severity", await unknownField.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var submit = (await host.Services.GetRequiredService<IAuditReader>().ScanAsync(new AuditQuery { OperationType = FeedbackService.SubmitAuditType }).ToListAsync()).Single();
        Assert.Equal(("operator", "carol"), (submit.ActorKind, submit.ActorName));
    }

    [Fact]
    public async Task AnAgentsToken_OpensFeedbackIntakeOnly_WithinItsProjects()
    {
        await using var host = await KseHttpTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Kse:Agents:0:Name"] = "support-bot",
            ["Kse:Agents:0:TokenSha256"] = Kse.Core.Policy.OperatorDirectory.HashToken("support-bot-token"),
            ["Kse:Agents:1:Name"] = "other-bot",
            ["Kse:Agents:1:TokenSha256"] = Kse.Core.Policy.OperatorDirectory.HashToken("other-bot-token"),
            ["Kse:Agents:1:Projects:0"] = "billing",
        });
        var body = """{"project":"shop","channel":"api","title":"Orders API returns 500","body":"for carts over 200 lines"}""";

        var submitted = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback", "support-bot-token", Json(body)));
        var alert = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback/alertmanager", "support-bot-token", Json(AlertPayload("firing"))));
        var list = await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/feedback", "support-bot-token"));
        var approvals = await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/approvals", "support-bot-token"));
        var outOfScope = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback", "other-bot-token", Json(body)));

        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alert.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, approvals.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outOfScope.StatusCode);
        var audit = (await host.Services.GetRequiredService<IAuditReader>().ScanAsync(new AuditQuery()).ToListAsync()).ToList();
        Assert.Equal(2, audit.Count(e => e is { OperationType: FeedbackService.SubmitAuditType, ActorKind: "ai", ActorName: "support-bot" }));
        Assert.Contains(audit, e => e is { OperationType: "operator.api", ActorKind: "ai", ActorName: "support-bot", Target: "POST /api/feedback" });
        Assert.Equal(2, (await host.Services.GetRequiredService<FeedbackService>().ListAsync(new FeedbackQuery())).Count);
    }

    [Theory]
    [InlineData("huge", "feedback.body_too_large")]
    [InlineData("deep", "feedback.json_invalid")]
    [InlineData("many", "feedback.alertmanager_invalid")]
    [InlineData("unknown-project", "feedback.alertmanager_invalid")]
    [InlineData("array", "feedback.alertmanager_invalid")]
    public async Task HostileAlertmanagerBodies_Are400_NamingTheProblem_AndStoreNothing(string kind, string code)
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var body = kind switch
        {
            "huge" => "{\"alerts\": [], \"pad\": \"" + new string('x', 5 * 1024 * 1024) + "\"}",
            "deep" => new string('[', 5000) + new string(']', 5000),
            "many" => "{\"alerts\": [" + string.Join(",", Enumerable.Repeat("{}", 501)) + "]}",
            "unknown-project" => AlertPayload("firing").Replace("\"project\":\"shop\"", "\"project\":\"nope\"", StringComparison.Ordinal),
            _ => "[1, 2]",
        };

        var r = await host.Http.SendAsync(host.Request(HttpMethod.Post, "/api/feedback/alertmanager", KseHttpTestHost.AliceToken, Json(body)));

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal(code, JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Empty((await host.Services.GetRequiredService<FeedbackService>().ListAsync(new FeedbackQuery())).Items);
    }

    [Fact]
    public async Task Webhooks_AreRetried_UntilTheListenerTakesThem_InBothFormats()
    {
        using var listener = new Listener(failFirst: 2);
        await using var host = await KseHttpTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Kse:Feedback:WebhookRetryDelay"] = "00:00:00.010",
            ["Kse:Feedback:Webhooks:0:Name"] = "ops-json",
            ["Kse:Feedback:Webhooks:0:Url"] = listener.Url + "json",
            ["Kse:Feedback:Webhooks:0:MinSeverity"] = "high",
            ["Kse:Feedback:Webhooks:1:Name"] = "ops-slack",
            ["Kse:Feedback:Webhooks:1:Url"] = listener.Url + "slack",
            ["Kse:Feedback:Webhooks:1:Format"] = "slack",
            ["Kse:Feedback:Webhooks:1:Project"] = "shop",
            ["Kse:Feedback:Webhooks:1:MinSeverity"] = "critical",
        });
        var feedback = host.Services.GetRequiredService<FeedbackService>();

        var low = await feedback.SubmitAsync(new FeedbackSubmission { Project = "shop", Channel = "user-report", Title = "Typo on the receipt", Body = "'recieved'" }, Actor.OsUser("t"));
        Assert.Empty(listener.Received);
        var r = await feedback.SubmitAsync(new FeedbackSubmission { Project = "shop", Channel = "support-ticket", Title = "Checkout is down for everyone", Body = "HTTP 503 for all users" }, Actor.OsUser("t"));

        Assert.Equal("low", low.Item.Severity);
        Assert.Equal(["ops-json", "ops-slack"], r.Item.Response!.Notified);
        var json = JsonDocument.Parse(listener.Received.Single(x => x.Path == "/json").Body).RootElement;
        Assert.Equal((r.Id, "critical"), (json.GetProperty("id").GetString(), json.GetProperty("severity").GetString()));
        var slack = JsonDocument.Parse(listener.Received.Single(x => x.Path == "/slack").Body).RootElement;
        Assert.StartsWith("[CRITICAL] shop: Checkout is down for everyone", slack.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("section", slack.GetProperty("blocks")[0].GetProperty("type").GetString());
        var delivered = (await host.Services.GetRequiredService<IAuditReader>().ScanAsync(new AuditQuery { OperationType = FeedbackNotifier.AuditType }).ToListAsync()).ToList();
        Assert.Equal("3", delivered.Single(e => e.Target == "ops-json").Parameters!["attempts"]);
        Assert.All(delivered, e => Assert.Equal("delivered", e.Outcome));
    }

    [Fact]
    public async Task AWebhookThatNeverAnswers2xx_IsAuditedAsFailed_AndTheReportIsStillStored()
    {
        using var listener = new Listener(failFirst: int.MaxValue);
        await using var host = await KseHttpTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Kse:Feedback:WebhookRetries"] = "2",
            ["Kse:Feedback:WebhookRetryDelay"] = "00:00:00.010",
            ["Kse:Feedback:Webhooks:0:Url"] = listener.Url + "down",
            ["Kse:Feedback:Webhooks:0:MinSeverity"] = "low",
        });
        var feedback = host.Services.GetRequiredService<FeedbackService>();

        var r = await feedback.SubmitAsync(new FeedbackSubmission { Project = "shop", Channel = "api", Title = "Please add pagination to /orders" }, Actor.OsUser("t"));

        Assert.Equal(r.Id, (await feedback.GetAsync(r.Id)).Id);
        var failed = (await host.Services.GetRequiredService<IAuditReader>().ScanAsync(new AuditQuery { OperationType = FeedbackNotifier.AuditType }).ToListAsync()).Single();
        Assert.Equal(("failed", "HTTP 500", "3"), (failed.Outcome, failed.ErrorContext, failed.Parameters!["attempts"]));
        Assert.Equal(3, listener.Attempts);
    }

    /// <summary>A local HTTP listener on 127.0.0.1 that answers 500 to the first <c>failFirst</c> requests, then 200.</summary>
    private sealed class Listener : IDisposable
    {
        private readonly HttpListener _http = new();
        private readonly int _failFirst;
        private int _attempts;

        public Listener(int failFirst)
        {
            _failFirst = failFirst;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/";
            _http.Prefixes.Add(Url);
            _http.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public int Attempts => _attempts;

        public ConcurrentBag<(string Path, string Body)> Received { get; } = [];

        private async Task LoopAsync()
        {
            while (_http.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await _http.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var reader = new StreamReader(ctx.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                if (Interlocked.Increment(ref _attempts) <= _failFirst)
                {
                    ctx.Response.StatusCode = 500;
                }
                else
                {
                    Received.Add((ctx.Request.Url!.AbsolutePath, body));
                    ctx.Response.StatusCode = 200;
                }

                ctx.Response.Close();
            }
        }

        public void Dispose() => _http.Close();
    }
}
