using System.Net;
using Tunnel.Configuration;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform.Tests.Windows;

/// <summary>Windows' routing table and addresses in memory: several routes to one prefix may coexist on different interfaces, the same one twice may not.</summary>
internal sealed class FakeWindowsNetwork : IWindowsNetwork
{
    public List<(ulong Luid, InterfaceAddress Address)> Addresses { get; } = [];

    public List<WindowsRoute> Routes { get; } = [];

    public List<string> Calls { get; } = [];

    public void AddAddress(ulong luid, InterfaceAddress address)
    {
        Calls.Add($"address add {address.Address}/{address.PrefixLength}");
        if (Addresses.Contains((luid, address)))
        {
            throw new IOException("Cannot add the address: the object already exists (Win32 error 5010).");
        }

        Addresses.Add((luid, address));
    }

    public bool RemoveAddress(ulong luid, InterfaceAddress address)
    {
        Calls.Add($"address remove {address.Address}/{address.PrefixLength}");
        return Addresses.Remove((luid, address));
    }

    public void AddRoute(WindowsRoute route)
    {
        Calls.Add($"route add {route.Destination} luid {route.InterfaceLuid}");
        if (Routes.Any(existing => existing.Destination == route.Destination && existing.InterfaceLuid == route.InterfaceLuid && Equals(existing.NextHop, route.NextHop)))
        {
            throw new IOException("Cannot add the route: the object already exists (Win32 error 5010).");
        }

        Routes.Add(route);
    }

    public bool DeleteRoute(WindowsRoute route)
    {
        Calls.Add($"route delete {route.Destination}");
        return Routes.Remove(route);
    }

    /// <summary>Longest prefix, then lowest metric, as Windows chooses.</summary>
    public WindowsRoute? GetBestRoute(IPAddress destination) =>
        Routes.Where(route => route.Destination.Contains(destination))
            .OrderByDescending(route => route.Destination.PrefixLength).ThenBy(route => route.Metric)
            .Cast<WindowsRoute?>().FirstOrDefault();
}
