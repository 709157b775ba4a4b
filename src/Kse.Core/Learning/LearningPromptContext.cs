using Kse.Core.Specs;

namespace Kse.Core.Learning;

/// <summary>The values of the <c>review_drafted_spec</c> prompt: the mined operations with their confidence and evidence (read only: nothing is written).</summary>
public sealed class LearningPromptContext(LearningService learning) : IPromptContext
{
    public string Prompt => "review_drafted_spec";

    public async Task<IReadOnlyDictionary<string, string>> ValuesAsync(IReadOnlyDictionary<string, string?> arguments, CancellationToken cancellationToken)
    {
        var project = arguments.TryGetValue("project", out var p) ? p?.Trim() ?? "" : "";
        var document = arguments.TryGetValue("document", out var d) && !string.IsNullOrWhiteSpace(d) ? SpecDocuments.Find(d).Name : null;
        var mined = await learning.MineAsync(project, null, cancellationToken);
        var operations = mined.Recurring.Where(r => r.Count >= SpecDrafter.MinSupport && r.Category != "noise")
            .Select(r => new { r.Command, r.Category, r.Risk, r.Count, r.Schedule.Description, r.Confidence, r.ConfidenceFactors, Evidence = r.Evidence.Take(10) })
            .Take(40);
        return new Dictionary<string, string>
        {
            ["document_scope"] = document is null ? "(all drafted documents)" : $"(only {document})",
            ["drafted_operations"] = KseJson.Serialize(new { mined.Observations, operations, mined.Sequences, mined.FailureFixes, mined.Formula }, indented: true),
        };
    }
}
