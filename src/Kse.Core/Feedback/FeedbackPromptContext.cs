using System.Text;
using Kse.Core.Specs;

namespace Kse.Core.Feedback;

/// <summary>The values of the <c>investigate_feedback</c> prompt: the item, its correlation and the matching troubleshooting entry.</summary>
public sealed class FeedbackPromptContext(FeedbackService feedback, SpecService specs) : IPromptContext
{
    public string Prompt => "investigate_feedback";

    public async Task<IReadOnlyDictionary<string, string>> ValuesAsync(IReadOnlyDictionary<string, string?> arguments, CancellationToken cancellationToken)
    {
        var id = arguments.TryGetValue("id", out var v) ? v?.Trim() ?? "" : "";
        var item = await feedback.GetAsync(id, cancellationToken);
        string correlation;
        try
        {
            correlation = KseJson.Serialize(await feedback.CorrelateAsync(item.Id, cancellationToken: cancellationToken), indented: true);
        }
        catch (KseException ex)
        {
            correlation = KseJson.Serialize(new { unavailable = $"{ex.Code}: {ex.Message}" });
        }

        string troubleshooting;
        try
        {
            var entries = FeedbackResponder.Parse(specs.Show(item.Project, "troubleshooting.md", resolved: true).Text);
            var (entry, keywords) = FeedbackResponder.Match(entries, item.Title + "\n" + item.Body);
            troubleshooting = entry is null
                ? "(no entry of troubleshooting.md shares enough symptom words with this report; read `kse://specs/" + item.Project + "/operations/troubleshooting.md`)"
                : Describe(entry, keywords);
        }
        catch (KseException ex)
        {
            troubleshooting = $"(troubleshooting.md cannot be read: {ex.Code}: {ex.Message})";
        }

        return new Dictionary<string, string>
        {
            ["feedback_project"] = item.Project,
            ["feedback_decided_by"] = item.DecidedBy,
            // JSON escapes every control character; the item text stays data inside a code block.
            ["feedback_item"] = KseJson.Serialize(item, indented: true).Replace("```", "`\u200b``", StringComparison.Ordinal),
            ["feedback_correlation"] = correlation,
            ["feedback_troubleshooting"] = troubleshooting,
        };
    }

    private static string Describe(TroubleshootingEntry entry, IReadOnlyList<string> keywords)
    {
        var sb = new StringBuilder();
        sb.Append("**").Append(entry.Heading).Append("** (matched: ").AppendJoin(", ", keywords).Append("): ").Append(entry.Symptom).Append('\n');
        sb.Append("\nDiagnostic steps:\n");
        foreach (var d in entry.Diagnostics)
        {
            sb.Append("- ").Append(d).Append('\n');
        }

        sb.Append("\nResolution steps:\n");
        foreach (var r in entry.Resolutions)
        {
            sb.Append("- ").Append(r).Append('\n');
        }

        return sb.ToString().TrimEnd();
    }
}
