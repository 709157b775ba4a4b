using Kse.Core.Policy;
using Kse.Core.Specs;

namespace Kse.TestKit;

/// <summary>
/// Three projects for rollouts whose operations are harmless local commands: billing the provider with a database migration,
/// storefront a consumer of its API on two instances, reports a consumer of its database. <see cref="Change"/> removes an API path
/// and drops a column, so it rolls out in three waves: billing expands, the consumers migrate, billing contracts.
/// </summary>
public static class RolloutFixtures
{
    public const string Dependencies = """
        version: 1
        projects:
          - name: billing
            provides:
              - api: billing-api
                version: 2.3.0
                protocol: http
              - database: billing-db
          - name: storefront
            consumes:
              - project: billing
                api: billing-api
                version: "^2.0"
                uses: ["GET /api/invoices/{id}"]
          - name: reports
            consumes:
              - project: billing
                database: billing-db
        """;

    public const string Change = """
        diff --git a/services/billing/openapi.yaml b/services/billing/openapi.yaml
        index 1111111..2222222 100644
        --- a/services/billing/openapi.yaml
        +++ b/services/billing/openapi.yaml
        @@ -10,8 +10,3 @@ paths:
                   responses:
                     '201':
                       description: created
        -  /api/invoices/{id}:
        -    get:
        -      operationId: getInvoice
        -      responses:
        -        '200':
        -          description: ok
        +  /api/invoices/{id}/summary:
        diff --git a/services/billing/db/migrations/V7__drop_legacy.sql b/services/billing/db/migrations/V7__drop_legacy.sql
        new file mode 100644
        index 0000000..3333333
        --- /dev/null
        +++ b/services/billing/db/migrations/V7__drop_legacy.sql
        @@ -0,0 +1 @@
        +ALTER TABLE invoices DROP COLUMN legacy_ref;

        """;

    private static string Op(string name, string role, string risk, string command, string? rollback = null, string? parameters = null) => $"""

        ```kse-operation
        name: {name}
        description: {name} (a harmless local stand-in)
        risk: {risk}
        {(role.Length > 0 ? $"rollout: {role}\n" : "")}command: {command}
        timeout: 10s
        {(parameters is null ? "" : $"parameters:\n  {parameters}\n")}{(rollback is null ? "" : $"rollback: {rollback}\n")}```

        """;

    /// <summary>The three projects in the host's workspace; <paramref name="storefrontHealth"/> is the storefront health check's command.</summary>
    /// <paramref name="versionedDeploy"/>: billing's deploy takes a required <c>version</c> parameter (a rollout passes <c>--to-version</c>).
    public static void Seed(TempWorkspace ws, string storefrontHealth = "[\"true\"]", string reportsMigrateRisk = "normal", bool versionedDeploy = false)
    {
        ws.Write(".sce/dependencies.yaml", Dependencies);
        void Project(string name, string ops, params (string Id, EnvironmentKind Env)[] instances)
        {
            SpecFixtures.WriteValidSpec(ws.Workspace, name, ops);
            new ProjectManifest
            {
                Name = name,
                SystemType = SystemType.Kse,
                Instances = instances.Select(i => new ProjectInstance { Id = i.Id, Environment = i.Env, Host = "local" }).ToList(),
            }.Save(ws.Workspace);
        }

        Project("billing",
            Op("b-migrate", "migrate", "normal", "[echo, billing-migrate]", "b-migrate-down") + Op("b-migrate-down", "", "normal", "[echo, billing-migrate-down]")
            + (versionedDeploy
                ? Op("b-deploy", "deploy", "normal", "[echo, billing-deploy, \"{version}\"]", "b-undeploy", "version: { type: string, pattern: \"^[0-9]+\\\\.[0-9]+\\\\.[0-9]+$\" }")
                : Op("b-deploy", "deploy", "normal", "[echo, billing-deploy]", "b-undeploy")) + Op("b-undeploy", "", "normal", "[echo, billing-undeploy]")
            + Op("b-health", "health-check", "read", "[\"true\"]"),
            ("b-dev", EnvironmentKind.Development), ("b-pp", EnvironmentKind.PreProduction));
        Project("storefront",
            Op("s-deploy", "deploy", "normal", "[echo, storefront-deploy]", "s-undeploy") + Op("s-undeploy", "", "normal", "[echo, storefront-undeploy]")
            + Op("s-health", "health-check", "read", storefrontHealth),
            ("s-dev-1", EnvironmentKind.Development), ("s-dev-2", EnvironmentKind.Development), ("s-pp", EnvironmentKind.PreProduction));
        Project("reports",
            Op("r-migrate", "migrate", reportsMigrateRisk, "[echo, reports-migrate]", "r-migrate-down") + Op("r-migrate-down", "", "normal", "[echo, reports-migrate-down]")
            + Op("r-health", "health-check", "read", "[\"true\"]"),
            ("r-dev", EnvironmentKind.Development), ("r-pp", EnvironmentKind.PreProduction));
    }

}
