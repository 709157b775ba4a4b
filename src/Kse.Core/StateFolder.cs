namespace Kse.Core;

/// <summary>
/// <c>.sce/state/</c> holds the approval queue (with arguments as given), levels and the audit trail: it is created readable
/// by its owner only (folder 0700, files 0600), and a server refuses to start on one that others can write, where anybody
/// could rewrite levels or approvals under it.
/// </summary>
public static class StateFolder
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OthersWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>Creates <paramref name="dir"/> (owner-only) when it does not exist; an existing folder is left as its owner set it.</summary>
    public static void Create(string dir)
    {
        if (Directory.Exists(dir))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, OwnerOnlyFolder);
        }
    }

    /// <summary>Makes an existing state file readable and writable by its owner only.</summary>
    public static void ProtectFile(string file)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(file))
        {
            return;
        }

        try
        {
            if ((File.GetUnixFileMode(file) & ~OwnerOnlyFile) != 0)
            {
                File.SetUnixFileMode(file, OwnerOnlyFile);
            }
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours to change (another user's file in a shared folder): RequireNotWritableByOthers says so at start.
        }
    }

    /// <summary>Throws <c>state.insecure</c> (exit 4) when the state folder, or a store in it, can be written by other users.</summary>
    public static void RequireNotWritableByOthers(KseWorkspace workspace)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var path in new[] { workspace.StateDir, workspace.DatabasePath, workspace.AuditDatabasePath })
        {
            var exists = Directory.Exists(path) || File.Exists(path);
            if (exists && (File.GetUnixFileMode(path) & OthersWrite) != 0)
            {
                var mode = Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');
                throw KseException.Refused(
                    "state.insecure",
                    $"{Path.GetRelativePath(workspace.Root, path)} can be written by other users (mode {mode}): they could rewrite levels, approvals or the trail under the server; make it owner-only (chmod -R go-rwx {Path.GetRelativePath(workspace.Root, workspace.StateDir)}) and start again");
            }
        }
    }
}
