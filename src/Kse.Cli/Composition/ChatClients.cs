using System.Globalization;
using Kse.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace Kse.Cli;

/// <summary>
/// A chat model from a settings section (<c>Kse:Llm</c> for feedback triage, <c>Kse:Learning:Model</c> for drafting): an
/// OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI's v1 API, Ollama's <c>/v1</c>, vLLM, ...). Endpoint and Model are required
/// together; the API key is read from the environment variable named by ApiKeyVariable (never from a settings file); TimeoutSeconds
/// defaults to 20.
/// </summary>
internal static class ChatClients
{
    /// <summary>How to create the section's client, or null when the section names no endpoint. Bad settings are <c>config.invalid</c>.</summary>
    public static Func<IChatClient>? Configured(IConfiguration configuration, string section, double defaultSeconds = 20)
    {
        var s = configuration.GetSection(section);
        var endpoint = s["Endpoint"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw KseException.BadInput("config.invalid", $"{section}:Endpoint '{endpoint}' is not an http(s) URL");
        }

        var model = s["Model"] is { Length: > 0 } m ? m : throw KseException.BadInput("config.invalid", $"{section}:Model is required with {section}:Endpoint");
        var keyVariable = s["ApiKeyVariable"];
        var key = string.IsNullOrWhiteSpace(keyVariable) ? "unused" : Environment.GetEnvironmentVariable(keyVariable) is { Length: > 0 } k ? k
            : throw KseException.BadInput("config.invalid", $"{section}:ApiKeyVariable names '{keyVariable}', which is not set");
        var seconds = s["TimeoutSeconds"] is { Length: > 0 } t
            ? double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is > 0 and <= 300 ? v : throw KseException.BadInput("config.invalid", $"{section}:TimeoutSeconds must be a number in (0, 300]; got '{t}'")
            : defaultSeconds;
        return () => new OpenAI.Chat.ChatClient(
                model,
                new System.ClientModel.ApiKeyCredential(key),
                new OpenAI.OpenAIClientOptions { Endpoint = uri, NetworkTimeout = TimeSpan.FromSeconds(seconds), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) })
            .AsIChatClient();
    }
}
