using Kse.Core;
using Kse.Core.Specs;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Kse.Server;

/// <summary>Prompts served from the <c>prompts/</c> files through <see cref="PromptLibrary"/>.</summary>
internal static class KsePromptRegistration
{
    public static void Add(IMcpServerBuilder builder)
    {
        builder
            .WithListPromptsHandler((context, _) =>
            {
                var library = context.Services!.GetRequiredService<PromptLibrary>();
                return ValueTask.FromResult(new ListPromptsResult
                {
                    Prompts = library.Prompts.Select(p => new Prompt
                    {
                        Name = p.Name,
                        Title = p.Title,
                        Description = p.Description,
                        Arguments = p.Arguments.Select(a => new PromptArgument { Name = a.Name, Description = a.Description, Required = a.Required }).ToList(),
                    }).ToList(),
                });
            })
            .WithGetPromptHandler(async (context, cancellationToken) =>
            {
                var library = context.Services!.GetRequiredService<PromptLibrary>();
                var name = context.Params?.Name ?? string.Empty;
                var args = (context.Params?.Arguments ?? new Dictionary<string, System.Text.Json.JsonElement>())
                    .ToDictionary(kv => kv.Key, kv => kv.Value.ValueKind == System.Text.Json.JsonValueKind.String ? kv.Value.GetString() : kv.Value.ToString());
                string text;
                try
                {
                    var extra = context.Services!.GetServices<IPromptContext>().FirstOrDefault(c => c.Prompt == name) is { } capability && library.Prompts.Any(p => p.Name == name)
                        ? await capability.ValuesAsync(args, cancellationToken)
                        : null;
                    text = library.Render(name, args, extra);
                }
                catch (KseException ex)
                {
                    throw new McpProtocolException($"error {ex.Code}: {ex.Message}", McpErrorCode.InvalidParams);
                }

                var prompt = library.Prompts.First(p => p.Name == name);
                return new GetPromptResult
                {
                    Description = prompt.Description,
                    Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = text } }],
                };
            });
    }
}
