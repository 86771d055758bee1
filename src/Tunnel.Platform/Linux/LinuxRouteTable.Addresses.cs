using System.Net;
using System.Net.Sockets;
using Tunnel.Configuration;
using Tunnel.Platform.Linux.Internal;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux;

public sealed partial class LinuxRouteTable
{
    private readonly HashSet<InterfaceAddress> _addresses = [];

    /// <summary>The addresses this object has put on the interface and not removed: a snapshot, for diagnostics.</summary>
    public IReadOnlyCollection<InterfaceAddress> InstalledAddresses
    {
        get
        {
            lock (_gate)
            {
                return [.. _addresses];
            }
        }
    }

    /// <summary>
    /// Puts an address on the interface (<c>ip address replace A/L dev X</c>), with the prefix route the kernel
    /// adds for it in the main table. Adding an address the interface already has is not an error.
    /// </summary>
    /// <param name="address">An IPv4 or IPv6 address.</param>
    /// <param name="prefixLength">Its prefix length: 0-32 for IPv4, 0-128 for IPv6.</param>
    /// <exception cref="LinuxNetlinkException">The kernel refused.</exception>
    public void AddAddress(IPAddress address, int prefixLength)
    {
        ValidateAddress(address, prefixLength);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RtNetlinkRequests.Address(_socket.Request, add: true, InterfaceIndex, address, prefixLength);
            int errno = _socket.Execute(out string? reason);
            if (errno != 0)
            {
                throw new LinuxNetlinkException($"Adding address {address}/{prefixLength} to {InterfaceName}", errno, reason);
            }

            _addresses.Add(new InterfaceAddress(address, prefixLength));
        }
    }

    /// <summary>
    /// Takes an address off the interface (<c>ip address del A/L dev X</c>). An address that is not there, or
    /// an interface that is gone (<c>EADDRNOTAVAIL</c>, <c>ENODEV</c>), is not an error.
    /// </summary>
    /// <param name="address">The address.</param>
    /// <param name="prefixLength">Its prefix length.</param>
    /// <exception cref="LinuxNetlinkException">The kernel refused for another reason.</exception>
    public void RemoveAddress(IPAddress address, int prefixLength)
    {
        ValidateAddress(address, prefixLength);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int errno = DeleteAddress(address, prefixLength, out string? reason);
            if (errno != 0)
            {
                throw new LinuxNetlinkException($"Removing address {address}/{prefixLength} from {InterfaceName}", errno, reason);
            }

            _addresses.Remove(new InterfaceAddress(address, prefixLength));
        }
    }

    /// <summary>Deletes an address; 0 also when it was already gone.</summary>
    private int DeleteAddress(IPAddress address, int prefixLength, out string? reason)
    {
        RtNetlinkRequests.Address(_socket.Request, add: false, InterfaceIndex, address, prefixLength);
        int errno = _socket.Execute(out reason);
        return errno is Errors.EADDRNOTAVAIL or Errors.ENODEV ? 0 : errno;
    }

    private static void ValidateAddress(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        int bits = address.AddressFamily switch
        {
            AddressFamily.InterNetwork => 32,
            AddressFamily.InterNetworkV6 => 128,
            _ => throw new ArgumentException($"{address} is neither IPv4 nor IPv6.", nameof(address)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, bits);
    }
}
