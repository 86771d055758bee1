using System.Net;
using Tunnel.Configuration;
using Tunnel.Platform.Darwin.Internal;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>A kernel's single routing table and interface addresses in memory, refusing what the BSD kernel refuses (a second route to one destination).</summary>
internal sealed class FakeDarwinNetwork : IDarwinNetwork
{
    public Dictionary<string, uint> Interfaces { get; } = new() { ["utun4"] = 12, ["en0"] = 4 };

    public List<(string Interface, InterfaceAddress Address)> Addresses { get; } = [];

    public List<DarwinRoute> Routes { get; } = [];

    public List<string> Calls { get; } = [];

    /// <summary>A route destination whose addition fails, to test the undo.</summary>
    public IPNetwork? FailOn { get; set; }

    /// <summary>Routes the kernel refuses (for example one through an interface that just went away).</summary>
    public Func<DarwinRoute, bool>? Refuse { get; set; }

    public uint InterfaceIndex(string interfaceName) => Interfaces.GetValueOrDefault(interfaceName);

    public void AddAddress(string interfaceName, InterfaceAddress address)
    {
        Calls.Add($"address add {address.Address}/{address.PrefixLength}");
        Addresses.Add((interfaceName, address));
    }

    public bool RemoveAddress(string interfaceName, InterfaceAddress address)
    {
        Calls.Add($"address remove {address.Address}/{address.PrefixLength}");
        return Addresses.Remove((interfaceName, address));
    }

    public void AddRoute(DarwinRoute route)
    {
        Calls.Add($"route add {route.Destination}");
        if (route.Destination == FailOn || Refuse?.Invoke(route) == true || Routes.Any(existing => existing.Destination == route.Destination))
        {
            throw new IOException($"Cannot add the route to {route.Destination}: File exists (errno 17).");
        }

        Routes.Add(route);
    }

    public bool DeleteRoute(DarwinRoute route)
    {
        Calls.Add($"route delete {route.Destination}");
        return Routes.Remove(route);
    }

    /// <summary>Longest prefix match over the table, as RTM_GET answers.</summary>
    public DarwinRoute? GetRoute(IPAddress destination) =>
        Routes.Where(route => route.Destination.Contains(destination)).OrderByDescending(route => route.Destination.PrefixLength).Cast<DarwinRoute?>().FirstOrDefault();
}
