using Kse.Core;
using Kse.Core.Specs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services of the Specs capability.</summary>
internal static class SpecsCapability
{
    public static IServiceCollection AddSpecsCapability(this IServiceCollection services, IConfiguration configuration)
    {
        var templatesDir = configuration["Kse:Specs:TemplatesDir"];
        services.AddSingleton(new TemplateLibrary(string.IsNullOrWhiteSpace(templatesDir) ? null : Path.GetFullPath(templatesDir)));
        services.AddSingleton(sp => new SpecService(
            sp.GetRequiredService<KseWorkspace>(),
            sp.GetRequiredService<TemplateLibrary>(),
            sp.GetServices<ISpecDocumentCheck>(),
            sp.GetServices<IDevSpecCheck>()));
        var promptsDir = configuration["Kse:PromptsDir"];
        services.AddSingleton(sp => new PromptLibrary(sp.GetRequiredService<SpecService>(), string.IsNullOrWhiteSpace(promptsDir) ? null : Path.GetFullPath(promptsDir)));
        return services;
    }
}
