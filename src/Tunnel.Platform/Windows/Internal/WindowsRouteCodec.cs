using System.Globalization;
using System.Net;
using Tunnel.Platform.Internal;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>A <see cref="WindowsRoute"/> as a journal line: destination, interface LUID, next hop (or <c>-</c>), metric.</summary>
internal sealed class WindowsRouteCodec : IRouteCodec<WindowsRoute>
{
    public static WindowsRouteCodec Instance { get; } = new();

    public string Format(WindowsRoute route) =>
        string.Create(CultureInfo.InvariantCulture, $"{route.Destination} {route.InterfaceLuid} {(route.NextHop?.ToString() ?? "-")} {route.Metric}");

    public bool TryParse(string line, out WindowsRoute route)
    {
        route = default;
        string[] fields = line.Split(' ');
        if (fields.Length != 4 || !IPNetwork.TryParse(fields[0], out IPNetwork destination) || destination.ToString() != fields[0] // canonical only: host bits mean an edited file
            || !ulong.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong luid)
            || !uint.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out uint metric))
        {
            return false;
        }

        IPAddress? nextHop = null;
        if (fields[2] != "-" && !IPAddress.TryParse(fields[2], out nextHop))
        {
            return false;
        }

        route = new WindowsRoute(destination, luid, nextHop, metric);
        return true;
    }
}
