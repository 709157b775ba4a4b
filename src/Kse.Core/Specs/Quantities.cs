using System.Globalization;
using System.Text.RegularExpressions;

namespace Kse.Core.Specs;

/// <summary>
/// Sizes (<c>50GB</c>, <c>1.5 TiB</c>), throughputs (<c>40MB/s</c>) and durations (<c>2h</c>, <c>1h30m</c>, <c>90s</c>) as operators write them.
/// KB/MB/GB/TB are decimal (1 GB = 10^9 bytes), KiB/MiB/GiB/TiB binary; a bare number is bytes.
/// </summary>
public static partial class Quantities
{
    [GeneratedRegex(@"^\s*(?<n>\d+(?:\.\d+)?)\s*(?<u>[KMGTP]i?B|B)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"^\s*(?:(?<h>\d+(?:\.\d+)?)\s*h)?\s*(?:(?<m>\d+(?:\.\d+)?)\s*m(?:in)?)?\s*(?:(?<s>\d+(?:\.\d+)?)\s*s)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    private const long MaxBytes = long.MaxValue / 4;

    public static bool TryParseSize(string? text, out long bytes)
    {
        bytes = 0;
        var m = SizePattern().Match(text ?? "");
        if (!m.Success || !double.TryParse(m.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        var unit = m.Groups["u"].Success ? m.Groups["u"].Value.ToUpperInvariant() : "B";
        double factor = unit switch
        {
            "B" => 1,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "TB" => 1e12,
            "PB" => 1e15,
            "KIB" => 1024d,
            "MIB" => 1024d * 1024,
            "GIB" => 1024d * 1024 * 1024,
            "TIB" => 1024d * 1024 * 1024 * 1024,
            _ => 1024d * 1024 * 1024 * 1024 * 1024,
        };
        var value = n * factor;
        if (value > MaxBytes)
        {
            return false;
        }

        bytes = (long)Math.Round(value);
        return true;
    }

    /// <summary>Bytes per second from <c>40MB/s</c> (the <c>/s</c> is required).</summary>
    public static bool TryParseThroughput(string? text, out double bytesPerSecond)
    {
        bytesPerSecond = 0;
        var t = text?.Trim() ?? "";
        if (!t.EndsWith("/s", StringComparison.OrdinalIgnoreCase) || !TryParseSize(t[..^2], out var bytes) || bytes <= 0)
        {
            return false;
        }

        bytesPerSecond = bytes;
        return true;
    }

    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var m = DurationPattern().Match(text ?? "");
        if (!m.Success || !(m.Groups["h"].Success || m.Groups["m"].Success || m.Groups["s"].Success))
        {
            return false;
        }

        static double N(Group g) => g.Success ? double.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        var seconds = (N(m.Groups["h"]) * 3600) + (N(m.Groups["m"]) * 60) + N(m.Groups["s"]);
        if (seconds <= 0 || seconds > TimeSpan.FromDays(365).TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    public static string FormatSize(double bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB", "PB"];
        var i = 0;
        while (bytes >= 1000 && i < units.Length - 1)
        {
            bytes /= 1000;
            i++;
        }

        var rounded = bytes >= 100 || i == 0 ? Math.Round(bytes) : bytes >= 10 ? Math.Round(bytes, 1) : Math.Round(bytes, 2);
        return string.Create(CultureInfo.InvariantCulture, $"{rounded} {units[i]}");
    }

    public static string FormatDuration(TimeSpan d)
    {
        if (d.TotalMinutes < 1)
        {
            return $"{Math.Max(1, (int)Math.Ceiling(d.TotalSeconds))}s";
        }

        if (d.TotalHours < 1)
        {
            return $"{(int)Math.Ceiling(d.TotalMinutes)}m";
        }

        var h = (int)d.TotalHours;
        var m = (int)Math.Ceiling(d.TotalMinutes - (h * 60));
        if (m == 60)
        {
            h++;
            m = 0;
        }

        return m == 0 ? $"{h}h" : $"{h}h{m:00}m";
    }
}
