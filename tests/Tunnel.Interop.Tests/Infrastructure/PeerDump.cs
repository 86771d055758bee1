using System.Globalization;

namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>One peer line of <c>wg show IF dump</c>.</summary>
internal sealed record PeerDump(string PublicKey, string PresharedKey, string Endpoint, string AllowedIps, long LatestHandshake, long ReceivedBytes, long SentBytes, string PersistentKeepalive)
{
    public static IReadOnlyList<PeerDump> Parse(string dump) => dump
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Skip(1) // the interface line
        .Select(line => line.Split('\t'))
        .Select(f => new PeerDump(f[0], f[1], f[2], f[3], long.Parse(f[4], CultureInfo.InvariantCulture), long.Parse(f[5], CultureInfo.InvariantCulture), long.Parse(f[6], CultureInfo.InvariantCulture), f[7]))
        .ToList();
}
