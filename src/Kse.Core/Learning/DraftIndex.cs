using System.Text.Json;

namespace Kse.Core.Learning;

/// <summary>
/// What <c>kse learn draft</c> knew about each section it wrote (<c>.sce/state/drafts/&lt;project&gt;.json</c>, beside the other state, so the
/// drafts folder holds only the drafts): its confidence, operations and
/// evidence, and the SHA-256 of its body as drafted. A proposal takes a section's confidence from here, never from the text (which a
/// reviewer may edit), and says when the text was edited after drafting.
/// </summary>
public sealed record DraftIndex
{
    /// <summary>Where a project's index lives.</summary>
    public static string PathFor(KseWorkspace workspace, string project) => Path.Combine(workspace.StateDir, "drafts", ProjectName.Validate(project) + ".json");

    public required string Project { get; init; }

    public string? Environment { get; init; }

    public required DateTimeOffset DraftedAt { get; init; }

    public required int Observations { get; init; }

    /// <summary>The planner that wrote the prose: <c>deterministic</c>, <c>model</c> or <c>fallback</c>.</summary>
    public required string Planner { get; init; }

    public required IReadOnlyList<DraftIndexDocument> Documents { get; init; }

    public static DraftIndex? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<DraftIndex>(InputLimits.ReadText(path, "learn.draft", Path.GetFileName(path)), KseJson.Options);
        }
        catch (JsonException)
        {
            // A damaged index only loses the drafted confidences: proposals then say the confidence is unknown.
            return null;
        }
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, KseJson.Serialize(this, indented: true));
    }

    public DraftIndexSection? Find(string document, string heading) =>
        Documents.FirstOrDefault(d => d.Name == document)?.Sections.FirstOrDefault(s => Specs.SpecDocuments.NormalizeHeading(s.Heading) == Specs.SpecDocuments.NormalizeHeading(heading));
}

public sealed record DraftIndexDocument(string Name, string Sha256, IReadOnlyList<DraftIndexSection> Sections);

/// <summary>One drafted section: whether anything was observed for it, its confidence, operations and evidence, and its body's hash.</summary>
public sealed record DraftIndexSection
{
    public required string Heading { get; init; }

    public required bool Observed { get; init; }

    public required double Confidence { get; init; }

    public IReadOnlyList<string> Operations { get; init; } = [];

    /// <summary>Operation name → its own confidence.</summary>
    public IReadOnlyDictionary<string, double> OperationConfidence { get; init; } = new Dictionary<string, double>();

    /// <summary>Operation name → the command as observed most often (secrets masked).</summary>
    public IReadOnlyDictionary<string, string> OperationCommand { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Evidence { get; init; } = [];

    public string Author { get; init; } = "deterministic";

    /// <summary>SHA-256 of the body as written (trimmed).</summary>
    public required string BodySha256 { get; init; }
}
