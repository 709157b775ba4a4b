using Kse.Core;
using Kse.Core.Specs;

namespace Kse.TestKit;

/// <summary>Writes operations specs into a workspace: from the real templates, then filled with real text.</summary>
public static class SpecFixtures
{
    public const string FilledTools = """
        version: 1
        tools:
          - name: systemctl
            purpose: Manage the unit
            command: systemctl
            native: true
        strategies:
          restart:
            preferred: [systemctl]
        """;

    /// <summary>Creates the project from the templates and fills every required section and tools.yaml.</summary>
    public static void CreateFilled(KseWorkspace workspace, string project, SystemType type = SystemType.Kse)
    {
        new SpecService(workspace, new TemplateLibrary(), []).InitProject(project, type);
        foreach (var doc in SpecDocuments.All)
        {
            File.WriteAllText(Path.Combine(workspace.OperationsDir(project), doc.Name), doc.IsYaml ? FilledTools : FilledMarkdown(project, doc));
        }
    }

    /// <summary>
    /// A project whose spec validates, with <paramref name="operationBlocks"/> (kse-operation blocks) in its operations.md: an AI
    /// may act on it (an invalid spec keeps the AI to observation).
    /// </summary>
    public static void WriteValidSpec(KseWorkspace workspace, string project, string operationBlocks)
    {
        var dir = workspace.OperationsDir(project);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "operations.md"), FilledMarkdown(project, SpecDocuments.All.Single(d => d.Name == "operations.md")) + "\n" + operationBlocks);
        FillMissing(workspace, project);
    }

    /// <summary>Writes a filled version of every operations document the project does not have yet, so its spec validates.</summary>
    public static void FillMissing(KseWorkspace workspace, string project)
    {
        var dir = workspace.OperationsDir(project);
        Directory.CreateDirectory(dir);
        foreach (var doc in SpecDocuments.All)
        {
            var path = Path.Combine(dir, doc.Name);
            if (!File.Exists(path))
            {
                File.WriteAllText(path, doc.IsYaml ? FilledTools : FilledMarkdown(project, doc));
            }
        }
    }

    public static string FilledMarkdown(string project, SpecDocumentKind doc) =>
        $"# {project}: {doc.Name}\n\n" + string.Concat(doc.RequiredSections.Select(s => $"## {s}\n\nFor {s.ToLowerInvariant()} run `systemctl status {project}` and read the exit code.\n\n"));
}
