using Kse.Core.Audit;
using Kse.Core.Changes;
using Kse.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace Kse.Core.Tests.Changes;

public sealed class GateAndChangeLogTests
{
    private static ChangeImpactService Service(TempWorkspace ws, TimeProvider? clock = null, IAuditTrail? audit = null) =>
        new(ws.Workspace, new ChangeClassifier(), clock ?? TimeProvider.System, audit);

    [Fact]
    public void Gate_L4WithoutMigrationPlan_FailsAndNamesEverySection()
    {
        using var ws = ChangeFixtures.Workspace();
        var service = Service(ws);
        var result = service.Gate(service.Assess(ChangeFixtures.DropColumnDiff), null);
        Assert.False(result.Passed);
        Assert.Equal("billing", result.Project);
        Assert.Equal(ChangeImpactService.MigrationPlanSections, result.MissingSections);
        Assert.Contains("data.column-dropped", result.Rules);
    }

    [Fact]
    public void Gate_TemplatePlaceholders_CountAsUnfilled_AndMissingHeadingsAsMissing()
    {
        using var ws = ChangeFixtures.Workspace();
        ws.Write(".sce/specs/billing/operations/migration-plan.md",
            "# Plan\n\n## Migration Strategy\n\n<!-- kse:fill online, offline or hybrid -->\n\n## Data Mapping\n\nold -> new\n\n## Validation Steps\n\n  <!-- kse:fill checks -->  \n<!-- kse:fill more -->\n");
        var service = Service(ws);
        var result = service.Gate(service.Assess(ChangeFixtures.DropColumnDiff), "billing");
        Assert.False(result.Passed);
        Assert.Equal(["Rollback Plan"], result.MissingSections);
        Assert.Equal(["Migration Strategy", "Validation Steps"], result.UnfilledSections);
        Assert.Contains("Rollback Plan", result.Reason);
    }

    [Fact]
    public void Gate_CompletePlan_Passes_AndBelowL4_NeedsNoPlan()
    {
        using var ws = ChangeFixtures.Workspace();
        ws.Write(".sce/specs/billing/operations/migration-plan.md", ChangeFixtures.CompleteMigrationPlan.Replace("\n", "\r\n", StringComparison.Ordinal));
        var service = Service(ws);
        var passed = service.Gate(service.Assess(ChangeFixtures.DropColumnDiff), "billing");
        Assert.True(passed.Passed);
        Assert.Empty(passed.Warnings);
        var l3 = service.Gate(service.Assess(ChangeFixtures.RemoveInvoicePathDiff), null);
        Assert.True(l3.Passed);
        Assert.False(l3.RequiresMigrationPlan);
    }

    [Fact]
    public void Gate_FilledPlanForAnotherChange_PassesWithWarnings()
    {
        using var ws = ChangeFixtures.Workspace();
        ws.Write(".sce/specs/billing/operations/migration-plan.md", "# p\n\n## Migration Strategy\n\nOnline, nothing special.\n\n## Data Mapping\n\ncustomers.fax -> none\n\n## Validation Steps\n\ncount rows\n\n## Rollback Plan\n\nrestore\n");
        var service = Service(ws);
        var result = service.Gate(service.Assess(ChangeFixtures.DropColumnDiff), "billing");
        Assert.True(result.Passed);
        Assert.Equal(2, result.Warnings.Count);
        Assert.Contains("does not mention hybrid", result.Warnings[0]);
        Assert.Contains("invoices.legacy_ref", result.Warnings[1]);
    }

    [Fact]
    public void Gate_DiffTouchingSeveralProjectsAtL4_ChecksEachPlan()
    {
        using var ws = ChangeFixtures.Workspace();
        ws.Write(".sce/specs/billing/operations/migration-plan.md", ChangeFixtures.CompleteMigrationPlan);
        var ledgerDrop = ChangeFixtures.DropColumnDiff.Replace("services/billing/", "services/ledger/", StringComparison.Ordinal).Replace("V7__", "V3__", StringComparison.Ordinal);
        var service = Service(ws);
        var result = service.Gate(service.Assess(ChangeFixtures.DropColumnDiff + ledgerDrop), null);
        Assert.False(result.Passed);
        Assert.Null(result.Project);
        Assert.Equal([("billing", true), ("ledger", false)], result.Plans!.Select(p => (p.Project!, p.Passed)));
        Assert.Contains("incomplete migration plans: ledger", result.Reason);
        Assert.Equal(ChangeImpactService.MigrationPlanSections, result.Plans![1].MissingSections);
    }

    [Fact]
    public void Gate_L4WithoutAnyProject_AsksForOne()
    {
        using var ws = new TempWorkspace();
        var service = Service(ws);
        var diff = ChangeFixtures.DropColumnDiff;
        var ex = Assert.Throws<KseException>(() => service.Gate(service.Assess(diff), null));
        Assert.Equal("change.project_required", ex.Code);
    }

    private sealed class RecordingTrail : IAuditTrail
    {
        public List<AuditDraft> Drafts { get; } = [];

        public ValueTask<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken = default)
        {
            Drafts.Add(draft);
            return ValueTask.FromResult(new AuditEntry { Sequence = Drafts.Count, Timestamp = DateTimeOffset.UnixEpoch, ActorKind = draft.Actor.Kind, ActorName = draft.Actor.Name, OperationType = draft.OperationType, PreviousHash = "", Hash = "" });
        }
    }

    [Fact]
    public async Task RecordThenActual_AppendUnderChangeLog_AndReportTheDifference()
    {
        using var ws = ChangeFixtures.Workspace();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        var trail = new RecordingTrail();
        var service = Service(ws, clock, trail);
        var recorded = await service.RecordAsync("billing", "PR-412", service.Assess(ChangeFixtures.DropColumnDiff), Actor.OsUser("ana"));
        Assert.Equal(ChangeLevel.L4, recorded.PredictedLevel);
        Assert.Equal(["ledger", "reports"], recorded.RelatedProjects);

        clock.Advance(TimeSpan.FromDays(1));
        var actual = await service.ActualAsync("billing", "PR-412", "succeeded", ChangeLevel.L3, Actor.OsUser("ana"), "no backfill was needed");
        Assert.Equal((-1, "over-estimated"), (actual.LevelDifference, actual.Assessment));
        Assert.Equal("over-estimated by 1 level: predicted L4, actual L3", actual.Difference);

        var text = File.ReadAllText(ws.PathOf(".sce", "specs", "billing", "operations", "change-impact.md"));
        var log = text[text.IndexOf("## Change Log", StringComparison.Ordinal)..];
        Assert.Contains("### PR-412 (predicted)", log);
        Assert.Contains("- Recorded: 2026-11-26T08:00:00Z by user:ana", log);
        Assert.Contains("- Predicted level: L4", log);
        Assert.Contains("### PR-412 (actual)", log);
        Assert.Contains("- Difference: over-estimated by 1 level: predicted L4, actual L3", log);
        Assert.True(log.IndexOf("(predicted)", StringComparison.Ordinal) < log.IndexOf("(actual)", StringComparison.Ordinal));
        Assert.Contains("## Risk Assessment", text[..text.IndexOf("## Change Log", StringComparison.Ordinal)]);

        Assert.Equal(["change.record", "change.record", "change.actual", "change.actual"], trail.Drafts.Select(d => d.OperationType));
        Assert.Equal(["decided", "succeeded", "decided", "succeeded"], trail.Drafts.Select(d => d.Outcome));
        Assert.Equal(trail.Drafts[0].CorrelationId, trail.Drafts[1].CorrelationId);
        Assert.Equal(["ledger", "reports"], trail.Drafts[0].RelatedProjects);
        Assert.Equal("billing", trail.Drafts[0].Project);
    }

    [Fact]
    public async Task Record_KeepsLaterSectionsAfterTheChangeLog()
    {
        using var ws = ChangeFixtures.Workspace();
        ws.Write(".sce/specs/billing/operations/change-impact.md", "# ci\n\n## Change Log\n\n### OLD-1 (predicted)\n\n- Predicted level: L1\n\n## Affected Systems\n\nbilling only\n");
        var service = Service(ws);
        await service.RecordAsync("billing", "PR-2", service.Assess(ChangeFixtures.AddColumnDiff), Actor.OsUser("ana"));
        var text = File.ReadAllText(ws.PathOf(".sce", "specs", "billing", "operations", "change-impact.md"));
        Assert.True(text.IndexOf("### PR-2 (predicted)", StringComparison.Ordinal) < text.IndexOf("## Affected Systems", StringComparison.Ordinal));
        Assert.True(text.IndexOf("### OLD-1", StringComparison.Ordinal) < text.IndexOf("### PR-2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Actual_WithoutPrediction_IsNotFound_AndBadValuesAreRejected()
    {
        using var ws = ChangeFixtures.Workspace();
        var service = Service(ws);
        var missing = await Assert.ThrowsAsync<KseException>(() => service.ActualAsync("billing", "PR-9", "succeeded", ChangeLevel.L2, Actor.OsUser("ana")));
        Assert.Equal((KseErrorKind.NotFound, "change.not_recorded"), (missing.Kind, missing.Code));
        var outcome = await Assert.ThrowsAsync<KseException>(() => service.ActualAsync("billing", "PR-9", "meh", ChangeLevel.L2, Actor.OsUser("ana")));
        Assert.Equal("change.outcome_unknown", outcome.Code);
        var id = await Assert.ThrowsAsync<KseException>(() => service.RecordAsync("billing", "../x", service.Assess(""), Actor.OsUser("ana")));
        Assert.Equal("change.id_invalid", id.Code);
    }
}
