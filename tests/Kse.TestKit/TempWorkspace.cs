using Kse.Core;

namespace Kse.TestKit;

/// <summary>A real workspace in a fresh temporary folder, deleted on dispose.</summary>
public sealed class TempWorkspace : IDisposable
{
    public TempWorkspace(bool initialize = true)
    {
        Root = Path.Combine(Path.GetTempPath(), "kse-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Workspace = new KseWorkspace(Root);
        if (initialize)
        {
            Directory.CreateDirectory(Workspace.SpecsDir);
            Directory.CreateDirectory(Workspace.SharedOperationsDir);
            Directory.CreateDirectory(Workspace.StateDir);
        }
    }

    public string Root { get; }

    public KseWorkspace Workspace { get; }

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public string Write(string relativePath, string content)
    {
        var full = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
