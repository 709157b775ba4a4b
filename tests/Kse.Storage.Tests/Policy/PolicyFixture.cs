using Kse.Core;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Kse.Core.Specs;
using Kse.Storage.Approvals;
using Kse.Storage.Policy;
using Kse.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace Kse.Storage.Tests.Policy;

/// <summary>Real LiteDB stores and the real audit trail in a temp workspace; only the clock is fake.</summary>
public sealed class PolicyFixture : IDisposable
{
    public PolicyFixture(params KseOperator[] operators)
    {
        Workspace = new TempWorkspace();
        new ProjectManifest { Name = "shop", SystemType = SystemType.Existing }.Save(Workspace.Workspace);
        new ProjectManifest { Name = "web", SystemType = SystemType.Kse }.Save(Workspace.Workspace);
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        Database = new KseDatabase(Workspace.Workspace);
        AuditDatabase = new AuditDatabase(Workspace.Workspace);
        Audit = new LiteDbAuditTrail(AuditDatabase, Clock);
        AuditReader = new LiteDbAuditReader(AuditDatabase);
        Operators = new OperatorDirectory(operators.Length > 0 ? operators :
        [
            new KseOperator { Name = "alice", Roles = [KseOperator.ApproverRole, KseOperator.EmergencyApproverRole] },
            new KseOperator { Name = "bob", Roles = [KseOperator.ApproverRole] },
        ]);
        Takeover = new LiteTakeoverStore(Database);
        Policy = new PolicyService(Workspace.Workspace, Takeover, Audit, new PolicyKernel(), Operators, Clock);
        Emergency = new EmergencyService(Workspace.Workspace, Takeover, Audit, Operators, Clock);
        ApprovalStore = new LiteApprovalStore(Database);
        Approvals = new ApprovalService(ApprovalStore, Audit, Operators, [new Kse.Core.Actions.EmergencyRequestExecutor(Emergency)], new ApprovalOptions(), Clock);
    }

    public TempWorkspace Workspace { get; }

    public FakeTimeProvider Clock { get; }

    public KseDatabase Database { get; }

    public AuditDatabase AuditDatabase { get; }

    public LiteDbAuditTrail Audit { get; }

    public LiteDbAuditReader AuditReader { get; }

    public OperatorDirectory Operators { get; }

    public LiteTakeoverStore Takeover { get; }

    public PolicyService Policy { get; }

    public EmergencyService Emergency { get; }

    public LiteApprovalStore ApprovalStore { get; }

    public ApprovalService Approvals { get; }

    public async Task<IReadOnlyList<AuditEntry>> AuditEntriesAsync() => (await AuditReader.ReadChainAsync().ToListAsync()).ToList();

    public void Dispose()
    {
        Audit.Dispose();
        AuditDatabase.Dispose();
        Database.Dispose();
        Workspace.Dispose();
    }
}
