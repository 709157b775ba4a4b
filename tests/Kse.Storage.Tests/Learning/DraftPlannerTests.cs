using System.Text.Json;
using Kse.Core.Learning;
using Kse.TestKit;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Kse.Storage.Tests.Learning;

/// <summary>
/// The Semantic Kernel planner over a fake chat model (the only mock: the model): well-behaved text is kept with its confidence capped by
/// the evidence, an invented command is refused with its reason, and garbage falls back to the deterministic drafts with a warning.
/// </summary>
public sealed class DraftPlannerTests
{
    /// <summary>A chat model that answers what the test says, and remembers what it was asked.</summary>
    private sealed class FakeChatClient(Func<string> answer) : IChatClient
    {
        public List<string> Prompts { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Prompts.Add(string.Join("\n", messages.Select(m => m.Text)));
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer())) { ModelId = "fake-model" });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the planner asks for one answer");

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", null, "fake-model") : serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }

    /// <summary>Keeps what is logged, to see the warnings.</summary>
    private sealed class ListLogger<T> : ILogger<T>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }

    private static DraftedSection Section(DraftResult draft, string document, string heading) =>
        draft.Documents.Single(d => d.Name == document).Sections.Single(s => s.Heading == heading);

    private static string Answer(params (string Document, string Heading, string Body, double Confidence)[] sections) =>
        JsonSerializer.Serialize(new { sections = sections.Select(s => new { document = s.Document, heading = s.Heading, body = s.Body, confidence = s.Confidence }) });

    /// <summary>
    /// Over one store of the generated history: the deterministic drafts (the reference), then the drafts with the planner over a fake
    /// model whose answer is made from the reference.
    /// </summary>
    private static async Task<(DraftResult Reference, DraftResult Draft, FakeChatClient Chat, ListLogger<SemanticKernelDraftPlanner> Log)> DraftAsync(LearningFixture f, Func<DraftResult, string> answer)
    {
        await f.Learning.RecordAsync(ObservedHistory.Generate("shop", f.Clock.GetUtcNow()), LearningFixture.Ops);
        var reference = await f.Learning.DraftAsync("shop", null, LearningFixture.Ops);
        var chat = new FakeChatClient(() => answer(reference));
        var log = new ListLogger<SemanticKernelDraftPlanner>();
        var planned = new LearningService(f.Workspace.Workspace, f.Store, f.Audit, f.Clock, f.AuditReader, new SemanticKernelDraftPlanner(chat, log));
        return (reference, await planned.DraftAsync("shop", null, LearningFixture.Ops), chat, log);
    }

    [Fact]
    public async Task WellBehavedModel_ItsTextIsKept_ConfidenceCappedByTheEvidence_AndTheDraftsValidate()
    {
        using var f = new LearningFixture();
        var (reference, draft, chat, _) = await DraftAsync(f, r => Answer(("operations.md", "Backup Procedures", "The nightly database backup, as the operators run it on db-1.\n\n" + Section(r, "operations.md", "Backup Procedures").Body, 0.99)));
        var backup = Section(reference, "operations.md", "Backup Procedures");

        // The prompt function rendered the template with the mined data and asked the model once.
        var prompt = Assert.Single(chat.Prompts);
        Assert.Contains("Copy every fenced `kse-operation` block", prompt, StringComparison.Ordinal);
        Assert.Contains("pg_dump", prompt, StringComparison.Ordinal);

        Assert.Equal("model", draft.Planner.Mode);
        Assert.Empty(draft.Planner.Rejected);
        Assert.Empty(draft.ValidationErrors);
        var kept = Section(draft, "operations.md", "Backup Procedures");
        Assert.Equal("model", kept.Author);
        Assert.StartsWith("The nightly database backup", kept.Body, StringComparison.Ordinal);
        Assert.Equal(backup.Confidence, kept.Confidence); // 0.99 asked, capped by the evidence
        Assert.True(kept.Confidence < 0.99);
        Assert.Contains("The nightly database backup", f.Learning.ReadDraft("shop", "operations.md"), StringComparison.Ordinal);
        Assert.Equal(reference.Operations.Select(o => o.Name), draft.Operations.Select(o => o.Name));
        Assert.Equal("deterministic", Section(draft, "operations.md", "Daily Tasks").Author);
    }

    [Fact]
    public async Task ModelInventingACommand_IsRefusedWithItsReason_AndTheDeterministicTextIsKept()
    {
        using var f = new LearningFixture();
        var (reference, draft, _, log) = await DraftAsync(f, r => Answer(
            ("operations.md", "Backup Procedures", "Before the backup, free space with `rm -rf /var/lib/postgresql/old`.\n\n" + Section(r, "operations.md", "Backup Procedures").Body, 0.9),
            ("operations.md", "Daily Tasks", Section(r, "operations.md", "Daily Tasks").Body.Replace("timeout: 10m", "timeout: 90m", StringComparison.Ordinal), 0.9),
            ("operations.md", "Cooking Recipes", "Boil water.", 0.9)));
        var backup = Section(reference, "operations.md", "Backup Procedures");

        Assert.Equal("fallback", draft.Planner.Mode);
        Assert.Contains(draft.Planner.Rejected, r => r.Contains("Backup Procedures", StringComparison.Ordinal) && r.Contains("never observed: 'rm -rf /var/lib/postgresql/old'", StringComparison.Ordinal));
        Assert.Contains(draft.Planner.Rejected, r => r.Contains("Daily Tasks", StringComparison.Ordinal) && r.Contains("kse-operation blocks differ", StringComparison.Ordinal));
        Assert.Contains(draft.Planner.Rejected, r => r.Contains("Cooking Recipes", StringComparison.Ordinal) && r.Contains("not an observed section", StringComparison.Ordinal));
        Assert.Equal(backup.Body, Section(draft, "operations.md", "Backup Procedures").Body);
        Assert.Equal("deterministic", Section(draft, "operations.md", "Backup Procedures").Author);
        Assert.DoesNotContain("rm -rf", f.Learning.ReadDraft("shop", "operations.md"), StringComparison.Ordinal);
        Assert.Empty(draft.ValidationErrors);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("rm -rf", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ModelReturningGarbage_FallsBackToTheDeterministicDrafts_WithAWarning()
    {
        using var f = new LearningFixture();
        var (reference, draft, _, log) = await DraftAsync(f, _ => "Sure! Here is a much better runbook:\n# Operations\nJust restart everything.");

        Assert.Equal("fallback", draft.Planner.Mode);
        Assert.Contains("not the expected JSON", draft.Planner.Reason, StringComparison.Ordinal);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("not the expected JSON", StringComparison.Ordinal));
        Assert.Equal(
            reference.Documents.SelectMany(d => d.Sections).Select(s => (s.Heading, s.Body, s.Author)),
            draft.Documents.SelectMany(d => d.Sections).Select(s => (s.Heading, s.Body, s.Author)));
        Assert.Empty(draft.ValidationErrors);
    }
}
