using System.Globalization;
using System.Text;

namespace Kse.Core;

/// <summary>
/// A cheap fingerprint of files and folders (names, sizes, modification times) so a parsed form can be reused across calls
/// until something on disk changes. Reading a stamp costs a few stat calls, never a read or a parse.
/// </summary>
public static class FileStamp
{
    /// <summary>The stamp of the given files (missing ones count as missing) and of the <c>*.md</c>/<c>*.yaml</c> files directly in the given folders.</summary>
    public static string Of(IEnumerable<string> files, IEnumerable<string> folders)
    {
        var sb = new StringBuilder(256);
        foreach (var file in files)
        {
            Append(sb, new FileInfo(file));
        }

        foreach (var folder in folders)
        {
            var dir = new DirectoryInfo(folder);
            sb.Append('[').Append(folder).Append(']');
            if (!dir.Exists)
            {
                sb.Append("-|");
                continue;
            }

            foreach (var f in dir.EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                Append(sb, f);
            }
        }

        return sb.ToString();
    }

    private static void Append(StringBuilder sb, FileInfo f)
    {
        sb.Append(f.FullName);
        if (f.Exists)
        {
            sb.Append(':').Append(f.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(f.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            sb.Append(":-");
        }

        sb.Append('|');
    }
}
