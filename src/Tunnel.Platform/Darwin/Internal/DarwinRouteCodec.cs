using System.Globalization;
using System.Net;
using Tunnel.Platform.Internal;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>A <see cref="DarwinRoute"/> as a journal line: destination, gateway (or <c>-</c>), interface index, flags.</summary>
internal sealed class DarwinRouteCodec : IRouteCodec<DarwinRoute>
{
    public static DarwinRouteCodec Instance { get; } = new();

    public string Format(DarwinRoute route) =>
        string.Create(CultureInfo.InvariantCulture, $"{route.Destination} {(route.Gateway?.ToString() ?? "-")} {route.InterfaceIndex} {route.Flags}");

    public bool TryParse(string line, out DarwinRoute route)
    {
        route = default;
        string[] fields = line.Split(' ');
        if (fields.Length != 4 || !IPNetwork.TryParse(fields[0], out IPNetwork destination) || destination.ToString() != fields[0] // canonical only: host bits mean an edited file
            || !ushort.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out ushort index)
            || !int.TryParse(fields[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int flags))
        {
            return false;
        }

        IPAddress? gateway = null;
        if (fields[1] != "-" && !IPAddress.TryParse(fields[1], out gateway))
        {
            return false;
        }

        route = new DarwinRoute(destination, gateway, index, flags);
        return true;
    }
}
