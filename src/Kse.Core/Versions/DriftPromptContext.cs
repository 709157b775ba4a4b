using Kse.Core.Changes;
using Kse.Core.Specs;

namespace Kse.Core.Versions;

/// <summary>The drift report and the diff for the prompt <c>update_operations_spec</c>.</summary>
public sealed class DriftPromptContext(DriftService drift, ChangeImpactService changes) : IPromptContext
{
    public const string PromptName = "update_operations_spec";

    /// <summary>The diff shown to the assistant is cut here; the drift report always covers all of it.</summary>
    public const int MaxDiffChars = 60_000;

    public string Prompt => PromptName;

    public async Task<IReadOnlyDictionary<string, string>> ValuesAsync(IReadOnlyDictionary<string, string?> arguments, CancellationToken cancellationToken)
    {
        if (!arguments.TryGetValue("project", out var project) || string.IsNullOrWhiteSpace(project))
        {
            // The library names the missing argument.
            return new Dictionary<string, string>();
        }

        string? Arg(string name) => arguments.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        var staged = string.Equals(Arg("staged"), "true", StringComparison.OrdinalIgnoreCase);
        var source = staged ? new DiffSource { Staged = true } : new DiffSource { Base = Arg("base") ?? "HEAD~1", Head = Arg("head") ?? "HEAD" };
        var report = await drift.CheckAsync(ProjectName.Validate(project), source, cancellationToken);
        var text = await changes.ReadDiffAsync(source, cancellationToken);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["drift"] = KseJson.Serialize(report, indented: true),
            ["drift_source"] = staged ? "the staged changes" : $"{source.Base}..{source.Head}",
            ["diff"] = text.Length > MaxDiffChars ? text[..MaxDiffChars] + $"\n... (cut at {MaxDiffChars} characters; the drift report covers the whole change)" : text,
        };
    }
}
