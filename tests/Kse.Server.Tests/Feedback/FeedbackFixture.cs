using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.TestKit;

namespace Kse.Server.Tests.Feedback;

/// <summary>A workspace for feedback: project 'shop' (kse, so L3) with instances in test and production, harmless operations and a troubleshooting guide naming them.</summary>
internal static class FeedbackFixture
{
    public const string AliceToken = "alice-feedback-token";

    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["Kse:Operators:0:Name"] = "alice",
        ["Kse:Operators:0:Roles:0"] = "approver",
        ["Kse:Operators:0:TokenSha256"] = OperatorDirectory.HashToken(AliceToken),
    };

    public static void Seed(TempWorkspace ws)
    {
        var marker = ws.PathOf("diagnostics.txt");
        // A complete spec: an invalid one would keep the AI (and system:feedback) to observation (spec.invalid).
        SpecFixtures.WriteValidSpec(ws.Workspace, "shop", $$"""

            ```kse-operation
            name: collect-diagnostics
            description: Append a line to the diagnostics file
            risk: normal
            command: [sh, -c, 'printf "diag\n" >> "$1"', collect, "{{marker}}"]
            ```

            ```kse-operation
            name: health-check
            risk: read
            command: [echo, healthy]
            ```

            ```kse-operation
            name: restart-service
            risk: critical
            command: [echo, restarted]
            ```
            """);
        ws.Write(".sce/specs/shop/operations/troubleshooting.md", """
            # shop: troubleshooting

            ## Common Issues

            - **Checkout outage**: checkout answers HTTP 503 for everyone; the payment gateway pool is exhausted.
            - **Slow search**: search takes seconds; the index is rebuilding.

            ## Diagnostic Commands

            - `collect-diagnostics` — gather the gateway's state.
            - `health-check` — readiness of the instance.

            ## Resolution Steps

            - Checkout outage: `restart-service` on the affected instance, then verify with `health-check`.
            - Slow search: wait for the index rebuild to finish.
            """);
        new ProjectManifest
        {
            Name = "shop",
            SystemType = SystemType.Kse,
            Version = "1.4.0",
            Instances =
            [
                new ProjectInstance { Id = "test-1", Environment = EnvironmentKind.Test, Host = "local", Version = "1.5.0-rc1" },
                new ProjectInstance { Id = "prod-1", Environment = EnvironmentKind.Production, Host = "local", Version = "1.4.0" },
            ],
        }.Save(ws.Workspace);
    }

    public static string DiagnosticsFile(TempWorkspace ws) => ws.PathOf("diagnostics.txt");
}
