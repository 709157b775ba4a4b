namespace Kse.TestKit;

/// <summary>
/// A small multi-project workspace for change-impact tests: billing (HTTP API, database, queue) is consumed by ledger
/// (which uses GET /invoices/{id}) and reports (which reads the billing database); web consumes reports.
/// </summary>
public static class ChangeFixtures
{
    public const string Dependencies = """
        version: 1
        projects:
          - name: billing
            path: services/billing
            hosts: [billing.internal]
            provides:
              - api: billing-api
                version: 2.3.0
                protocol: http
                contract: services/billing/openapi.yaml
              - database: billing-db
              - queue: invoices.created
          - name: ledger
            path: services/ledger
            provides:
              - api: ledger-api
                version: 1.4.0
                protocol: grpc
            consumes:
              - project: billing
                api: billing-api
                version: ">=2.0 <3"
                uses: ["GET /invoices/{id}"]
              - project: billing
                queue: invoices.created
          - name: reports
            path: services/reports
            provides:
              - api: reports-api
                version: 0.9.0
            consumes:
              - project: ledger
                api: ledger-api
                version: ^1.2
              - project: billing
                database: billing-db
          - name: web
            consumes:
              - project: reports
                api: reports-api
        """;

    public const string OpenApi = """
        openapi: 3.0.3
        info:
          title: Billing API
          version: 2.3.0
        paths:
          /invoices:
            post:
              operationId: createInvoice
              responses:
                '201':
                  description: created
          /invoices/{id}:
            get:
              operationId: getInvoice
              responses:
                '200':
                  description: ok
        """;

    /// <summary>Removes GET /invoices/{id} from billing's OpenAPI document (ledger uses it).</summary>
    public const string RemoveInvoicePathDiff = """
        diff --git a/services/billing/openapi.yaml b/services/billing/openapi.yaml
        index 1111111..2222222 100644
        --- a/services/billing/openapi.yaml
        +++ b/services/billing/openapi.yaml
        @@ -10,8 +10,3 @@ paths:
                   responses:
                     '201':
                       description: created
        -  /invoices/{id}:
        -    get:
        -      operationId: getInvoice
        -      responses:
        -        '200':
        -          description: ok
        +  /invoices/{id}/summary:

        """;

    /// <summary>Drops a column of the billing database (reports reads it) in a new migration.</summary>
    public const string DropColumnDiff = """
        diff --git a/services/billing/db/migrations/V7__drop_legacy.sql b/services/billing/db/migrations/V7__drop_legacy.sql
        new file mode 100644
        index 0000000..3333333
        --- /dev/null
        +++ b/services/billing/db/migrations/V7__drop_legacy.sql
        @@ -0,0 +1 @@
        +ALTER TABLE invoices DROP COLUMN legacy_ref;

        """;

    /// <summary>Adds a nullable column: additive, nobody breaks.</summary>
    public const string AddColumnDiff = """
        diff --git a/services/billing/db/migrations/V8__note.sql b/services/billing/db/migrations/V8__note.sql
        new file mode 100644
        index 0000000..4444444
        --- /dev/null
        +++ b/services/billing/db/migrations/V8__note.sql
        @@ -0,0 +1 @@
        +ALTER TABLE invoices ADD COLUMN note text;

        """;

    public const string CompleteMigrationPlan = """
        # Billing: migration plan

        ## Migration Strategy

        Hybrid: add the new column first, backfill, drop the old column in the next release.

        ## Data Mapping

        invoices.legacy_ref -> invoice_refs.ref (one row per invoice)

        ## Validation Steps

        - SELECT count(*) FROM invoice_refs equals SELECT count(*) FROM invoices WHERE legacy_ref IS NOT NULL

        ## Rollback Plan

        Restore the column from the 02:00 backup with `pg_restore -t invoices`.
        """;

    /// <summary>A workspace with the graph above, deployment steps and health checks for every project, and rollback steps for billing.</summary>
    public static TempWorkspace Workspace()
    {
        var ws = new TempWorkspace();
        ws.Write(".sce/dependencies.yaml", Dependencies);
        ws.Write("services/billing/openapi.yaml", OpenApi);
        foreach (var project in new[] { "billing", "ledger", "reports", "web" })
        {
            ws.Write($".sce/specs/{project}/operations/deployment.md", $"""
                # {project}: deployment

                ## Deployment Steps

                1. kubectl rollout restart deployment/{project}
                2. kubectl rollout status deployment/{project} --timeout=5m

                ## Health Checks

                - curl -fsS http://{project}.internal/health

                """);
        }

        ws.Write(".sce/specs/billing/operations/rollback.md", "# billing: rollback\n\n## Rollback Steps\n\n1. helm rollback billing\n2. flyway undo -target=6\n");
        ws.Write(".sce/specs/billing/operations/change-impact.md", "# billing: change impact\n\n## Change Classification\n\nL1-L5 as kse classifies.\n\n## Risk Assessment\n\nSee kse change classify.\n");
        return ws;
    }
}
