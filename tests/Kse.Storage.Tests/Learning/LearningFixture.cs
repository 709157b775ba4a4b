using Kse.Core.Audit;
using Kse.Core.Learning;
using Kse.Core.Specs;
using Kse.Storage.Learning;
using Kse.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace Kse.Storage.Tests.Learning;

/// <summary>The real observation store and audit trail in a temp workspace with project 'shop' (its spec from the templates); only the clock is fake.</summary>
public sealed class LearningFixture : IDisposable
{
    public LearningFixture(IDraftPlanner? planner = null)
    {
        Workspace = new TempWorkspace();
        new SpecService(Workspace.Workspace, new TemplateLibrary(), []).InitProject("shop");
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        AuditDatabase = new AuditDatabase(Workspace.Workspace);
        Audit = new LiteDbAuditTrail(AuditDatabase, Clock);
        AuditReader = new LiteDbAuditReader(AuditDatabase);
        Store = new LiteObservationStore(LiteObservationStore.PathIn(Workspace.Workspace));
        Learning = new LearningService(Workspace.Workspace, Store, Audit, Clock, AuditReader, planner);
    }

    public TempWorkspace Workspace { get; }

    public FakeTimeProvider Clock { get; }

    public AuditDatabase AuditDatabase { get; }

    public LiteDbAuditTrail Audit { get; }

    public LiteDbAuditReader AuditReader { get; }

    public LiteObservationStore Store { get; }

    public LearningService Learning { get; }

    public static Actor Ops { get; } = Actor.OsUser("ops");

    /// <summary>Every file of the workspace, as bytes decoded loosely, with its path (stores, drafts, specs).</summary>
    public IEnumerable<(string Path, string Text)> Files()
    {
        Store.Dispose();
        AuditDatabase.Dispose();
        foreach (var f in Directory.GetFiles(Workspace.Root, "*", SearchOption.AllDirectories))
        {
            yield return (f, System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f)));
        }
    }

    public void Dispose()
    {
        Store.Dispose();
        AuditDatabase.Dispose();
        Workspace.Dispose();
    }
}
