using System.Globalization;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>Which utun unit a requested interface name asks the kernel for.</summary>
internal static class UtunUnit
{
    /// <summary>
    /// <c>N + 1</c> for <c>utunN</c>; 0 (the next free interface) for any other name, since macOS names utun
    /// interfaces itself.
    /// </summary>
    public static uint For(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.StartsWith("utun", StringComparison.Ordinal) && name.Length > 4
            && uint.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out uint number)
            && number < int.MaxValue
            ? number + 1
            : 0;
    }
}
