using System.Globalization;

namespace Tunnel.Cli.Output;

/// <summary>Byte counts and durations the way people read them; invariant culture, so output does not vary by locale.</summary>
internal static class Units
{
    private static readonly string[] s_byteUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    /// <summary>Binary units with one decimal below 10 (<c>1.2 MiB</c>) and none above (<c>340 KiB</c>).</summary>
    /// <param name="bytes">A byte count.</param>
    public static string Bytes(long bytes)
    {
        double value = bytes;
        int unit = 0;
        while (Math.Abs(value) >= 1024 && unit < s_byteUnits.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        string number = unit == 0 || Math.Abs(value) >= 10
            ? value.ToString("0", CultureInfo.InvariantCulture)
            : value.ToString("0.0", CultureInfo.InvariantCulture);
        return $"{number} {s_byteUnits[unit]}";
    }

    /// <summary>The two largest units of a duration: <c>12 s</c>, <c>4 min 10 s</c>, <c>2 h 5 min</c>, <c>3 d 4 h</c>.</summary>
    /// <param name="seconds">A duration in seconds; negative counts as zero.</param>
    public static string Duration(double seconds)
    {
        long total = (long)Math.Round(Math.Max(0, seconds));
        return total switch
        {
            < 60 => $"{total} s",
            < 3600 => Two(total / 60, "min", total % 60, "s"),
            < 86400 => Two(total / 3600, "h", total % 3600 / 60, "min"),
            _ => Two(total / 86400, "d", total % 86400 / 3600, "h"),
        };

        static string Two(long first, string firstUnit, long second, string secondUnit) =>
            second == 0 ? $"{first} {firstUnit}" : $"{first} {firstUnit} {second} {secondUnit}";
    }

    /// <summary>A count with thousands separators (<c>1,234,567</c>).</summary>
    /// <param name="count">The count.</param>
    public static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A time in the local zone, to the second, with its offset.</summary>
    /// <param name="time">The time.</param>
    public static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    /// <summary><c>yes</c> or <c>no</c>.</summary>
    /// <param name="value">The flag.</param>
    public static string YesNo(bool value) => value ? "yes" : "no";
}
