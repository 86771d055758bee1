using System.Globalization;
using System.Net;
using Tunnel.Configuration;

namespace Tunnel.Connections.Internal;

/// <summary>
/// wg-quick's routing decisions, without <c>ip</c>: which routes a configuration's allowed IPs become, in
/// which table, and when a default route turns into the firewall-mark scheme (a table of its own, the
/// socket's mark, and two policy rules per family).
/// </summary>
internal static class TunnelInterfacePlan
{
    /// <summary>The first table (and mark) wg-quick tries for a full tunnel.</summary>
    public const uint FirstDefaultTable = 51820;

    /// <summary>The addresses alone, for a connection whose routing installs its own routes (as <c>Table = off</c> would).</summary>
    /// <param name="configuration">The <c>.conf</c>.</param>
    /// <param name="failClosed">Whether routes get refusing routes behind them.</param>
    public static TunnelInterfaceSettings AddressesOnly(WireGuardConfiguration configuration, bool failClosed) =>
        new() { Addresses = configuration.Interface.Addresses, FailClosed = failClosed };

    /// <summary>The settings for <paramref name="configuration"/>.</summary>
    /// <param name="configuration">The <c>.conf</c>.</param>
    /// <param name="findUnusedTable">Chooses the table when a default route needs one and the configuration names no mark.</param>
    /// <param name="failClosed">Whether routes get refusing routes behind them.</param>
    /// <param name="firewallMark">The mark the socket needs (the full tunnel's table), or 0 when none is needed.</param>
    /// <exception cref="ArgumentException">The configuration's <c>Table</c> is a name this library cannot resolve.</exception>
    public static TunnelInterfaceSettings Create(WireGuardConfiguration configuration, Func<uint, uint> findUnusedTable, bool failClosed, out uint firewallMark)
    {
        firewallMark = 0;
        var settings = AddressesOnly(configuration, failClosed);
        string table = configuration.Interface.Table ?? "auto";
        if (table.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return settings;
        }

        // An IPNetwork never has host bits set (its constructor refuses them), so equal prefixes compare equal.
        var destinations = configuration.Peers
            .SelectMany(peer => peer.AllowedIps)
            .Distinct()
            .OrderByDescending(network => network.PrefixLength) // wg-quick adds the longest prefixes first
            .ThenBy(network => network.BaseAddress.AddressFamily)
            .ThenBy(network => network.ToString(), StringComparer.Ordinal)
            .ToList();

        if (!table.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            uint? explicitTable = ParseTable(table);
            return settings with { Routes = [.. destinations.Select(destination => new TunnelRoute(destination, explicitTable))] };
        }

        var routes = new List<TunnelRoute>();
        var rules = new List<TunnelPolicyRule>();
        foreach (IPNetwork destination in destinations)
        {
            if (destination.PrefixLength != 0)
            {
                routes.Add(new TunnelRoute(destination));
                continue;
            }

            if (firewallMark == 0)
            {
                firewallMark = configuration.Interface.FwMark is { } mark and not 0 ? mark : findUnusedTable(FirstDefaultTable);
            }

            routes.Add(new TunnelRoute(destination, firewallMark));
            rules.Add(new TunnelPolicyRule(destination.BaseAddress.AddressFamily, firewallMark, firewallMark));
        }

        return settings with { Routes = routes, PolicyRules = rules };
    }

    /// <summary>A table named in a <c>.conf</c>: <c>main</c> (null) or a number.</summary>
    private static uint? ParseTable(string table)
    {
        if (table.Equals("main", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (uint.TryParse(table, NumberStyles.None, CultureInfo.InvariantCulture, out uint number) && number != 0)
        {
            return number == 254 ? null : number;
        }

        throw new ArgumentException($"Table = {table}: a connection takes 'off', 'auto', 'main' or a table number (names from rt_tables are not read).", nameof(table));
    }
}
