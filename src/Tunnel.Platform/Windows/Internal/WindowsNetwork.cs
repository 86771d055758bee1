using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Tunnel.Configuration;
using Tunnel.Platform.Interop.Windows;
using static Tunnel.Platform.Interop.Windows.Interop;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>The real <see cref="IWindowsNetwork"/>: <c>CreateUnicastIpAddressEntry</c>, <c>CreateIpForwardEntry2</c>, <c>GetBestRoute2</c> and their inverses.</summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class WindowsNetwork : IWindowsNetwork
{
    public static WindowsNetwork Instance { get; } = new();

    /// <summary>An interface's LUID from its name.</summary>
    /// <exception cref="IOException">There is no such interface.</exception>
    public static ulong LuidOf(string interfaceName)
    {
        ulong luid;
        fixed (char* alias = interfaceName)
        {
            WindowsInterfaceControl.Check(ConvertInterfaceAliasToLuid(alias, &luid), $"find the interface {interfaceName}");
        }

        return luid;
    }

    /// <summary>Whether an interface of that name exists.</summary>
    public static bool Exists(string interfaceName)
    {
        ulong luid;
        fixed (char* alias = interfaceName)
        {
            return ConvertInterfaceAliasToLuid(alias, &luid) == 0;
        }
    }

    public void AddAddress(ulong luid, InterfaceAddress address)
    {
        UnicastIpAddressRow row = AddressRow(luid, address);
        WindowsInterfaceControl.Check(CreateUnicastIpAddressEntry(&row), $"add {address.Address}/{address.PrefixLength}");
    }

    public bool RemoveAddress(ulong luid, InterfaceAddress address)
    {
        UnicastIpAddressRow row = AddressRow(luid, address);
        int error = DeleteUnicastIpAddressEntry(&row);
        if (error is Errors.ERROR_NOT_FOUND or Errors.ERROR_FILE_NOT_FOUND)
        {
            return false;
        }

        WindowsInterfaceControl.Check(error, $"remove {address.Address}/{address.PrefixLength}");
        return true;
    }

    public void AddRoute(WindowsRoute route)
    {
        IpForwardRow2 row = RouteRow(route);
        int error = CreateIpForwardEntry2(&row);
        WindowsInterfaceControl.Check(error, error == Errors.ERROR_OBJECT_ALREADY_EXISTS
            ? $"add the route to {route.Destination} (it exists, and is never replaced)"
            : $"add the route to {route.Destination}");
    }

    public bool DeleteRoute(WindowsRoute route)
    {
        IpForwardRow2 row = RouteRow(route);
        int error = DeleteIpForwardEntry2(&row);
        if (error is Errors.ERROR_NOT_FOUND or Errors.ERROR_FILE_NOT_FOUND)
        {
            return false;
        }

        WindowsInterfaceControl.Check(error, $"remove the route to {route.Destination}");
        return true;
    }

    public WindowsRoute? GetBestRoute(IPAddress destination)
    {
        SocketAddressInet target = SocketAddressInet.From(destination);
        IpForwardRow2 best = default;
        SocketAddressInet source = default;
        int error = GetBestRoute2(null, 0, null, &target, 0, &best, &source);
        if (error != 0)
        {
            return null;
        }

        IPAddress? nextHop = best.NextHop.ToAddress();
        bool onLink = nextHop is null || nextHop.Equals(IPAddress.Any) || nextHop.Equals(IPAddress.IPv6Any);
        IPAddress prefix = best.DestinationPrefix.Prefix.ToAddress() ?? (destination.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any);
        return new WindowsRoute(new IPNetwork(prefix, best.DestinationPrefix.PrefixLength), best.InterfaceLuid, onLink ? null : nextHop, best.Metric);
    }

    private static UnicastIpAddressRow AddressRow(ulong luid, InterfaceAddress address)
    {
        UnicastIpAddressRow row = default;
        InitializeUnicastIpAddressEntry(&row);
        row.Address = SocketAddressInet.From(address.Address);
        row.InterfaceLuid = luid;
        row.OnLinkPrefixLength = (byte)address.PrefixLength;
        row.DadState = UnicastIpAddressRow.DadStatePreferred;
        return row;
    }

    private static IpForwardRow2 RouteRow(WindowsRoute route)
    {
        IpForwardRow2 row = default;
        InitializeIpForwardEntry(&row);
        row.InterfaceLuid = route.InterfaceLuid;
        row.DestinationPrefix.Prefix = SocketAddressInet.From(route.Destination.BaseAddress);
        row.DestinationPrefix.PrefixLength = (byte)route.Destination.PrefixLength;
        row.NextHop = SocketAddressInet.From(route.NextHop ?? (route.Destination.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any));
        row.Metric = route.Metric;
        row.Protocol = IpForwardRow2.ProtocolNetworkManagement; // Initialize leaves it illegal
        return row;
    }
}
