using System.Globalization;
using Kse.Core;
using Kse.Core.Audit;
using Kse.Core.Changes;
using Kse.Core.Execution;
using Kse.Core.Feedback;
using Kse.Core.Specs;
using Kse.Storage;
using Kse.Storage.Feedback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kse.Cli;

/// <summary>Services of the Feedback capability: the store in kse.db, triage (rules, or a configured IChatClient first), webhooks, responses.</summary>
internal static class FeedbackCapability
{
    public static IServiceCollection AddFeedbackCapability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => ReadOptions(configuration));
        services.AddSingleton<IFeedbackStore>(sp => new LiteFeedbackStore(sp.GetRequiredService<KseDatabase>()));
        AddChatClient(services, configuration);
        services.AddSingleton<FeedbackTriage>();
        services.AddSingleton(sp => new FeedbackClassifier(sp.GetRequiredService<FeedbackTriage>(), sp.GetService<IChatClient>()));
        services.AddSingleton(sp => new FeedbackNotifier(new HttpClient(), sp.GetRequiredService<FeedbackOptions>(), sp.GetRequiredService<IAuditTrail>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IFeedbackActions>(sp => new GuardedPathFeedbackActions(sp.GetRequiredService<OperationExecutionService>(), sp.GetRequiredService<Kse.Core.Actions.ActionPipeline>()));
        services.AddSingleton(sp => new FeedbackResponder(sp.GetRequiredService<SpecService>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<IFeedbackActions>(), sp.GetService<ChangeImpactService>()));
        services.AddSingleton(sp => new FeedbackService(
            sp.GetRequiredService<IFeedbackStore>(),
            sp.GetRequiredService<FeedbackClassifier>(),
            sp.GetRequiredService<IAuditTrail>(),
            sp.GetRequiredService<KseWorkspace>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<FeedbackOptions>(),
            sp.GetService<IAuditReader>(),
            sp.GetRequiredService<FeedbackNotifier>(),
            sp.GetRequiredService<FeedbackResponder>()));
        services.AddSingleton<IPromptContext>(sp => new FeedbackPromptContext(sp.GetRequiredService<FeedbackService>(), sp.GetRequiredService<SpecService>()));
        return services;
    }

    /// <summary><c>Kse:Llm</c>: the chat model that classifies feedback before the rules (see <see cref="ChatClients"/>). Absent: the rules decide.</summary>
    internal static void AddChatClient(IServiceCollection services, IConfiguration configuration)
    {
        if (ChatClients.Configured(configuration, "Kse:Llm") is { } create)
        {
            services.TryAddSingleton<IChatClient>(_ => create());
        }
    }

    /// <summary>
    /// <c>Kse:Feedback</c>: DedupWindowHours, RecurringThreshold, RecurringWindowDays, Responses, WebhookRetries, WebhookRetryDelay,
    /// WebhookTimeoutSeconds, and Webhooks: [{ Name, Url, Project, MinSeverity, Format: json|slack }].
    /// </summary>
    internal static FeedbackOptions ReadOptions(IConfiguration configuration)
    {
        const string prefix = "Kse:Feedback";
        var s = configuration.GetSection(prefix);
        var d = new FeedbackOptions();
        double Number(string key, double fallback, double min, double max)
        {
            var text = s[key];
            if (string.IsNullOrWhiteSpace(text))
            {
                return fallback;
            }

            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? v
                : throw KseException.BadInput("config.invalid", $"{prefix}:{key} must be a number in [{min}, {max}]; got '{text}'");
        }

        var delayText = s["WebhookRetryDelay"];
        var delay = d.WebhookRetryDelay;
        if (!string.IsNullOrWhiteSpace(delayText) && (!TimeSpan.TryParse(delayText, CultureInfo.InvariantCulture, out delay) || delay < TimeSpan.Zero || delay > TimeSpan.FromMinutes(5)))
        {
            throw KseException.BadInput("config.invalid", $"{prefix}:WebhookRetryDelay '{delayText}' is not a time span like 00:00:01 (at most 5 minutes)");
        }

        var hooks = new List<FeedbackWebhook>();
        var n = 0;
        foreach (var h in s.GetSection("Webhooks").GetChildren())
        {
            var name = h["Name"] is { Length: > 0 } nm ? nm : $"webhook-{n}";
            if (!Uri.TryCreate(h["Url"], UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                throw KseException.BadInput("config.invalid", $"{prefix}:Webhooks:{n}:Url '{h["Url"]}' is not an http(s) URL");
            }

            string min;
            try
            {
                min = FeedbackNames.Severity(h["MinSeverity"] ?? "high");
            }
            catch (KseException ex)
            {
                throw KseException.BadInput("config.invalid", $"{prefix}:Webhooks:{n}:MinSeverity: {ex.Message}");
            }

            var format = (h["Format"] ?? "json").Trim().ToLowerInvariant();
            if (format is not ("json" or "slack"))
            {
                throw KseException.BadInput("config.invalid", $"{prefix}:Webhooks:{n}:Format must be json or slack, not '{format}'");
            }

            var project = h["Project"] is { Length: > 0 } p && p != "*" ? p : null;
            if (project is not null && !ProjectName.IsValid(project))
            {
                throw KseException.BadInput("config.invalid", $"{prefix}:Webhooks:{n}:Project '{project}' is not a project name");
            }

            hooks.Add(new FeedbackWebhook { Name = name, Url = url, Project = project, MinSeverity = min, Format = format });
            n++;
        }

        return new FeedbackOptions
        {
            DedupWindow = TimeSpan.FromHours(Number("DedupWindowHours", d.DedupWindow.TotalHours, 0.01, 24 * 365)),
            RecurringThreshold = (int)Number("RecurringThreshold", d.RecurringThreshold, 2, 1000),
            RecurringWindow = TimeSpan.FromDays(Number("RecurringWindowDays", d.RecurringWindow.TotalDays, 0.01, 365)),
            Responses = s.GetValue("Responses", d.Responses),
            WebhookRetries = (int)Number("WebhookRetries", d.WebhookRetries, 0, 10),
            WebhookRetryDelay = delay,
            WebhookTimeout = TimeSpan.FromSeconds(Number("WebhookTimeoutSeconds", d.WebhookTimeout.TotalSeconds, 0.1, 120)),
            Webhooks = hooks,
        };
    }
}
