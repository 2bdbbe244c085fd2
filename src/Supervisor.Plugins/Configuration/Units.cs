using System.Globalization;
using System.Text.RegularExpressions;

namespace Supervisor.Plugins.Configuration;

/// <summary>Durations (<c>10s</c>, <c>500ms</c>, <c>2m</c>) and sizes (<c>256MiB</c>, <c>64KiB</c>, <c>1GB</c>) as a user writes them.</summary>
internal static partial class Units
{
    /// <summary>A duration: a number and a unit (ms, s, m, h); a bare number is seconds.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var m = Quantity().Match(text.Trim());
        if (!m.Success) throw new ArgumentException($"\"{text}\" is not a duration; write it like 10s, 500ms or 2m");
        var value = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        return m.Groups["u"].Value.ToLowerInvariant() switch
        {
            "" or "s" => TimeSpan.FromSeconds(value),
            "ms" => TimeSpan.FromMilliseconds(value),
            "m" or "min" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            var u => throw new ArgumentException($"\"{text}\": unknown unit \"{u}\" for a duration (ms, s, m, h)"),
        };
    }

    /// <summary>A size in bytes: a number and a unit (B, KiB, MiB, GiB, or KB, MB, GB in powers of ten); a bare number is bytes.</summary>
    public static long ParseSize(string text)
    {
        var m = Quantity().Match(text.Trim());
        if (!m.Success) throw new ArgumentException($"\"{text}\" is not a size; write it like 256MiB, 64KiB or 1GB");
        var value = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        double factor = m.Groups["u"].Value.ToLowerInvariant() switch
        {
            "" or "b" => 1,
            "kib" or "k" => 1L << 10,
            "mib" or "m" => 1L << 20,
            "gib" or "g" => 1L << 30,
            "kb" => 1e3,
            "mb" => 1e6,
            "gb" => 1e9,
            var u => throw new ArgumentException($"\"{text}\": unknown unit \"{u}\" for a size (B, KiB, MiB, GiB, KB, MB, GB)"),
        };
        var bytes = value * factor;
        if (bytes > long.MaxValue) throw new ArgumentException($"\"{text}\" is too large");
        return (long)Math.Round(bytes);
    }

    /// <summary>
    /// A size for people: bytes below 1 KiB (<c>11 B</c>), else one decimal in the largest binary unit that keeps the number
    /// at least 1 (<c>1.2 KiB</c>, <c>10.0 MiB</c>); JSON output keeps exact bytes.
    /// </summary>
    public static string FormatSize(long bytes)
    {
        if (bytes < 1024) return $"{bytes.ToString(CultureInfo.InvariantCulture)} B";
        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        var value = bytes / 1024.0;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return $"{value.ToString("0.0", CultureInfo.InvariantCulture)} {units[unit]}";
    }

    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?)\s*(?<u>[a-zA-Z]*)$")]
    private static partial Regex Quantity();
}
