using Microsoft.Extensions.DependencyInjection;

namespace Kse.Server;

/// <summary>Prompts served from the <c>prompts/</c> files (list and get handlers).</summary>
internal static class KsePromptRegistration
{
    public static void Add(IMcpServerBuilder builder)
    {
        // Filled by the specs capability: prompts are files under prompts/.
        _ = builder;
    }
}
