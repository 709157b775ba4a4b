using Microsoft.Extensions.DependencyInjection;

namespace Kse.Server;

/// <summary>Resource handlers that are not attribute-based (subscriptions).</summary>
internal static class KseResourceRegistration
{
    public static void Add(IMcpServerBuilder builder)
    {
        _ = builder;
    }
}
