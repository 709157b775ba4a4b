using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Completion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kse.Cli;

/// <summary>Services that serve MCP clients beyond the capabilities themselves: name completion.</summary>
internal static class ClientContractCapability
{
    public static IServiceCollection AddClientContractCapability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => new NameCompletion(sp.GetRequiredService<KseWorkspace>(), sp.GetRequiredService<ApprovalService>()));
        return services;
    }
}
