using System.Net.Http.Json;
using Kse.Core.Audit;
using Polly;
using Polly.Retry;

namespace Kse.Core.Feedback;

/// <summary>
/// Tells humans about feedback through webhooks (per project and minimum severity), as generic JSON or Slack-compatible
/// messages. Deliveries are retried with Polly; every delivery, and every final failure, is audited.
/// </summary>
public sealed class FeedbackNotifier
{
    public const string AuditType = "feedback.notify";

    private readonly HttpClient _http;
    private readonly FeedbackOptions _options;
    private readonly IAuditTrail _audit;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public FeedbackNotifier(HttpClient http, FeedbackOptions options, IAuditTrail audit, TimeProvider clock)
    {
        _http = http;
        _options = options;
        _audit = audit;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(1, options.WebhookRetries),
                Delay = options.WebhookRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TaskCanceledException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || (int)r.StatusCode == 429 || (int)r.StatusCode == 408),
            })
            .AddTimeout(options.WebhookTimeout)
            .Build();
        if (options.WebhookRetries == 0)
        {
            _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }.AddTimeout(options.WebhookTimeout).Build();
        }
    }

    /// <summary>Sends the item to every matching webhook; returns the names of those that took it.</summary>
    public async Task<IReadOnlyList<string>> NotifyAsync(FeedbackItem item, CancellationToken cancellationToken)
    {
        var delivered = new List<string>();
        foreach (var hook in _options.Webhooks.Where(h => (h.Project is null || h.Project == item.Project) && FeedbackNames.AtLeast(item.Severity, h.MinSeverity)))
        {
            var attempts = 0;
            string? error = null;
            int? status = null;
            try
            {
                using var response = await _pipeline.ExecuteAsync(
                    async ct =>
                    {
                        attempts++;
                        using var content = JsonContent.Create(Payload(item, hook.Format), options: KseJson.Options);
                        return await _http.PostAsync(hook.Url, content, ct);
                    },
                    cancellationToken);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    delivered.Add(hook.Name);
                }
                else
                {
                    error = $"HTTP {status}";
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
            {
                error = $"{ex.GetType().Name}: {ex.Message}";
            }

            await _audit.AppendAsync(
                new AuditDraft
                {
                    Actor = FeedbackService.SystemActor,
                    OperationType = AuditType,
                    Project = item.Project,
                    Environment = item.Environment,
                    Target = hook.Name,
                    Parameters = new Dictionary<string, string?>
                    {
                        ["feedbackId"] = item.Id,
                        ["severity"] = item.Severity,
                        ["format"] = hook.Format,
                        ["url"] = hook.Url.GetLeftPart(UriPartial.Path),
                        ["attempts"] = attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["status"] = status?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    },
                    Decision = "notify",
                    Outcome = error is null ? "delivered" : "failed",
                    ErrorContext = error,
                    RecoveryAttempts = attempts > 1 ? Enumerable.Range(2, attempts - 1).Select(n => $"retry {n - 1} of {_options.WebhookRetries}").ToList() : null,
                    CorrelationId = item.Id,
                },
                CancellationToken.None);
        }

        return delivered;
    }

    /// <summary>The message: generic JSON (the item's fields) or Slack-compatible (<c>text</c> and <c>blocks</c>).</summary>
    public static object Payload(FeedbackItem item, string format)
    {
        var title = FeedbackText.Neutralise(item.Title);
        if (format == "slack")
        {
            var text = $"[{item.Severity.ToUpperInvariant()}] {item.Project}: {title} ({item.Type}, {item.Channel}, {item.Occurrences}x) — {item.Id}";
            return new
            {
                text,
                blocks = new object[]
                {
                    new { type = "section", text = new { type = "mrkdwn", text = $"*{Escape(text)}*" } },
                    new { type = "context", elements = new object[] { new { type = "mrkdwn", text = Escape($"state {item.State}; version {item.Version ?? "unknown"}; environment {item.Environment ?? "unknown"}") } } },
                },
            };
        }

        return new
        {
            @event = "feedback",
            id = item.Id,
            project = item.Project,
            title,
            type = item.Type,
            severity = item.Severity,
            state = item.State,
            channel = item.Channel,
            occurrences = item.Occurrences,
            environment = item.Environment,
            instance = item.Instance,
            version = item.Version,
            createdAt = item.CreatedAt,
        };
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
