namespace Kse.Core.Changes;

/// <summary>What a rule id means: its level, the system it touches, its default risk and how it can be migrated.</summary>
public sealed record ChangeRule(
    string Id,
    ChangeLevel Level,
    string System,
    RiskRating Likelihood,
    RiskRating Impact,
    MigrationKind Migration,
    bool? Breaking,
    string Summary);

/// <summary>Every rule id the classifier can emit. Ids are stable: tools and people key on them.</summary>
public static class ChangeRuleCatalog
{
    private const RiskRating Low = RiskRating.Low;
    private const RiskRating Med = RiskRating.Medium;
    private const RiskRating High = RiskRating.High;
    private const MigrationKind Online = MigrationKind.Online;
    private const MigrationKind Phased = MigrationKind.Hybrid;
    private const MigrationKind Offline = MigrationKind.Offline;

    public static IReadOnlyList<ChangeRule> All { get; } =
    [
        // L1 code
        new("code.source", ChangeLevel.L1, "application", Low, Low, Online, null, "source code changed"),
        new("code.test", ChangeLevel.L1, "tests", Low, Low, Online, null, "tests changed"),
        new("code.docs", ChangeLevel.L1, "documentation", Low, Low, Online, null, "documentation changed"),
        new("code.asset", ChangeLevel.L1, "application", Low, Low, Online, null, "static asset changed"),
        new("code.build", ChangeLevel.L1, "build", Med, Low, Online, null, "build script or dependency manifest changed"),

        // L2 configuration, and what the classifier does not understand
        new("change.unknown-file", ChangeLevel.L2, "unknown", Med, Med, Online, null, "a file type the classifier does not understand"),
        new("change.binary-file", ChangeLevel.L2, "unknown", Med, Med, Online, null, "a binary file the classifier cannot read"),
        new("config.app-settings", ChangeLevel.L2, "configuration", Med, Med, Online, null, "application settings changed"),
        new("config.env-file", ChangeLevel.L2, "configuration", Med, Med, Online, null, "environment file changed"),
        new("config.ini", ChangeLevel.L2, "configuration", Med, Med, Online, null, "INI/conf settings changed"),
        new("config.toml", ChangeLevel.L2, "configuration", Med, Med, Online, null, "TOML settings changed"),
        new("config.yaml", ChangeLevel.L2, "configuration", Med, Med, Online, null, "YAML/JSON/XML configuration changed"),
        new("config.helm-values", ChangeLevel.L2, "configuration", Med, Med, Online, null, "Helm values changed"),
        new("config.k8s-configmap", ChangeLevel.L2, "configuration", Med, Med, Online, null, "Kubernetes ConfigMap or Secret changed"),
        new("config.feature-flag", ChangeLevel.L2, "configuration", Med, Med, Online, null, "feature flag changed"),
        new("config.connection-string", ChangeLevel.L2, "configuration", Med, High, Online, null, "connection string or endpoint changed"),
        new("config.port", ChangeLevel.L2, "configuration", Med, High, Online, null, "listening port or URL binding changed"),
        new("config.container-image", ChangeLevel.L2, "deployment", Med, Med, Online, null, "container build (Dockerfile) changed"),
        new("config.pipeline", ChangeLevel.L2, "deployment", Med, Med, Online, null, "CI/CD pipeline changed"),

        // L3 API: OpenAPI
        new("api.openapi.path-removed", ChangeLevel.L3, "http-api", High, High, Phased, true, "OpenAPI path removed or renamed"),
        new("api.openapi.operation-removed", ChangeLevel.L3, "http-api", High, High, Phased, true, "OpenAPI operation removed"),
        new("api.openapi.parameter-removed", ChangeLevel.L3, "http-api", High, Med, Phased, true, "OpenAPI parameter removed or renamed"),
        new("api.openapi.required-added", ChangeLevel.L3, "http-api", High, Med, Phased, true, "OpenAPI request parameter or field became required"),
        new("api.openapi.type-changed", ChangeLevel.L3, "http-api", High, High, Phased, true, "OpenAPI schema or response type changed"),
        new("api.openapi.added", ChangeLevel.L3, "http-api", Low, Low, Online, false, "OpenAPI path, operation or optional field added"),
        new("api.openapi.changed", ChangeLevel.L3, "http-api", Med, Low, Online, false, "OpenAPI document edited (descriptions, examples, metadata)"),

        // L3 API: protobuf
        new("api.proto.field-removed", ChangeLevel.L3, "grpc-api", High, High, Phased, true, "protobuf field or enum value removed"),
        new("api.proto.field-number-changed", ChangeLevel.L3, "grpc-api", High, High, Phased, true, "protobuf field number changed"),
        new("api.proto.field-type-changed", ChangeLevel.L3, "grpc-api", High, High, Phased, true, "protobuf field type changed"),
        new("api.proto.rpc-removed", ChangeLevel.L3, "grpc-api", High, High, Phased, true, "protobuf RPC or service removed"),
        new("api.proto.message-removed", ChangeLevel.L3, "grpc-api", High, High, Phased, true, "protobuf message or enum removed"),
        new("api.proto.added", ChangeLevel.L3, "grpc-api", Low, Low, Online, false, "protobuf field, message or RPC added"),
        new("api.proto.changed", ChangeLevel.L3, "grpc-api", Med, Low, Online, false, "protobuf file edited (comments, options)"),

        // L3 API: GraphQL
        new("api.graphql.type-removed", ChangeLevel.L3, "graphql-api", High, High, Phased, true, "GraphQL type removed"),
        new("api.graphql.field-removed", ChangeLevel.L3, "graphql-api", High, High, Phased, true, "GraphQL field removed"),
        new("api.graphql.type-changed", ChangeLevel.L3, "graphql-api", High, High, Phased, true, "GraphQL field or argument type changed"),
        new("api.graphql.required-argument-added", ChangeLevel.L3, "graphql-api", High, Med, Phased, true, "GraphQL required argument or input field added"),
        new("api.graphql.added", ChangeLevel.L3, "graphql-api", Low, Low, Online, false, "GraphQL type or optional field added"),

        // L3 API: ASP.NET routes and controller actions
        new("api.aspnet.route-removed", ChangeLevel.L3, "http-api", High, High, Phased, true, "ASP.NET route or controller action removed"),
        new("api.aspnet.route-changed", ChangeLevel.L3, "http-api", High, High, Phased, true, "ASP.NET route template or HTTP method changed"),
        new("api.aspnet.signature-changed", ChangeLevel.L3, "http-api", Med, Med, Phased, true, "ASP.NET controller action signature changed"),
        new("api.aspnet.route-added", ChangeLevel.L3, "http-api", Low, Low, Online, false, "ASP.NET route or controller action added"),

        // L3 API: shipped public API listings
        new("api.public.removed", ChangeLevel.L3, "public-api", High, High, Phased, true, "public API member removed or changed in a shipped listing"),
        new("api.public.added", ChangeLevel.L3, "public-api", Low, Low, Online, false, "public API member added"),

        // L4 data structure (SQL, EF Core, Flyway, Liquibase, Prisma share these ids)
        new("data.table-created", ChangeLevel.L4, "database", Low, Low, Online, false, "table created"),
        new("data.table-dropped", ChangeLevel.L4, "database", High, High, Phased, true, "table or schema dropped"),
        new("data.column-added", ChangeLevel.L4, "database", Low, Low, Online, false, "nullable or defaulted column added"),
        new("data.column-dropped", ChangeLevel.L4, "database", High, High, Phased, true, "column dropped"),
        new("data.column-type-changed", ChangeLevel.L4, "database", High, High, Offline, true, "column type changed (table rewrite under lock)"),
        new("data.not-null-without-default", ChangeLevel.L4, "database", High, Med, Phased, true, "NOT NULL without a default on an existing table"),
        new("data.renamed", ChangeLevel.L4, "database", High, High, Phased, true, "table, column or index renamed"),
        new("data.index-blocking", ChangeLevel.L4, "database", Med, Med, Offline, false, "index built while blocking writes"),
        new("data.index-created", ChangeLevel.L4, "database", Low, Low, Online, false, "index built online"),
        new("data.constraint-validating", ChangeLevel.L4, "database", Med, Med, Offline, false, "constraint added and validated under lock"),
        new("data.data-rewrite", ChangeLevel.L4, "database", Med, High, Phased, false, "rows updated, deleted or truncated"),
        new("data.schema-changed", ChangeLevel.L4, "database", Med, Med, Online, null, "schema object changed"),
        new("data.applied-migration-edited", ChangeLevel.L4, "database", High, High, Offline, null, "an existing (probably applied) migration edited or deleted"),
        new("data.ef.model-snapshot", ChangeLevel.L4, "database", Low, Low, Online, null, "EF Core model snapshot changed"),
        new("data.raw-sql", ChangeLevel.L4, "database", Med, Med, Phased, null, "raw SQL inside a migration"),

        // L5 architecture
        new("arch.service-added", ChangeLevel.L5, "architecture", Med, Med, Phased, false, "service added (project, Dockerfile, workload)"),
        new("arch.service-removed", ChangeLevel.L5, "architecture", High, High, Phased, true, "service removed"),
        new("arch.compose-changed", ChangeLevel.L5, "deployment", Med, Med, Online, null, "docker-compose topology changed"),
        new("arch.k8s-workload-changed", ChangeLevel.L5, "deployment", Med, High, Online, null, "Kubernetes workload (Deployment, StatefulSet, …) changed"),
        new("arch.k8s-network-changed", ChangeLevel.L5, "deployment", Med, High, Online, null, "Kubernetes Service, Ingress or network policy changed"),
        new("arch.iac.terraform", ChangeLevel.L5, "infrastructure", Med, High, Online, null, "Terraform infrastructure changed"),
        new("arch.iac.bicep", ChangeLevel.L5, "infrastructure", Med, High, Online, null, "Bicep/ARM infrastructure changed"),
        new("arch.iac.cloudformation", ChangeLevel.L5, "infrastructure", Med, High, Online, null, "CloudFormation infrastructure changed"),
        new("arch.iac.resource-removed", ChangeLevel.L5, "infrastructure", High, High, Phased, true, "infrastructure resource removed (destroyed on apply)"),
        new("arch.broker-topology", ChangeLevel.L5, "message-broker", Med, High, Phased, null, "message-broker topology (queues, topics, exchanges) changed"),
        new("arch.dependencies-declaration", ChangeLevel.L5, "project-graph", Med, Med, Online, null, ".sce/dependencies.yaml changed"),
    ];

    private static readonly Dictionary<string, ChangeRule> ById = All.ToDictionary(r => r.Id, StringComparer.Ordinal);

    public static ChangeRule Get(string id) =>
        ById.TryGetValue(id, out var rule) ? rule : throw new InvalidOperationException($"rule '{id}' is not in the catalog");

    public static bool Contains(string id) => ById.ContainsKey(id);
}
