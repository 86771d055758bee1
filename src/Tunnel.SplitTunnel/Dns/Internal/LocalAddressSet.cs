using System.Net;
using System.Net.NetworkInformation;

namespace Tunnel.Dns.Internal;

/// <summary>
/// The addresses of this machine (of its network namespace): a query from one of them comes from a local
/// program, a query from any other from the network. Loopback is always local; the interface addresses are
/// read again on a miss at most once a second, so an address added later (the tunnel's) is found without a
/// flood of foreign queries costing an interface scan each.
/// </summary>
internal sealed class LocalAddressSet(TimeProvider time)
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private HashSet<IPAddress> _addresses = Load();
    private long _loadedAt = time.GetTimestamp();

    /// <summary>Whether <paramref name="address"/> is one of this machine's.</summary>
    internal bool Contains(IPAddress address)
    {
        address = Normalize(address);
        if (IPAddress.IsLoopback(address) || Volatile.Read(ref _addresses).Contains(address))
        {
            return true;
        }

        lock (_gate)
        {
            if (time.GetElapsedTime(_loadedAt) < RefreshInterval)
            {
                return false;
            }

            Volatile.Write(ref _addresses, Load());
            _loadedAt = time.GetTimestamp();
        }

        return _addresses.Contains(address);
    }

    private static HashSet<IPAddress> Load()
    {
        var addresses = new HashSet<IPAddress>();
        try
        {
            foreach (var networkInterface in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in networkInterface.GetIPProperties().UnicastAddresses)
                {
                    addresses.Add(Normalize(unicast.Address));
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Nothing readable: only loopback counts as local, which refuses rather than answers.
        }

        return addresses;
    }

    /// <summary>Without an IPv4 mapping or an IPv6 scope, which would make equal addresses compare unequal.</summary>
    private static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
        : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes())
        : address;
}
