using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Tunnel.Configuration;
using Tunnel.Platform.Linux;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>The route table against the real kernel, each test in a network namespace of its own.</summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxRouteTableTests
{
    private static readonly IPNetwork TunnelV4 = IPNetwork.Parse("10.0.0.0/8");
    private static readonly IPNetwork BypassV4 = IPNetwork.Parse("10.1.0.0/16");
    private static readonly IPNetwork TunnelV6 = IPNetwork.Parse("fd00:10::/32");
    private static readonly IPNetwork BypassV6 = IPNetwork.Parse("fd00:10:1::/48");

    [Fact]
    public void Addresses_AppearOnTheInterface_AndRemovingOneTwiceIsFine()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create();
        lab.Table.AddAddress(IPAddress.Parse("10.64.0.2"), 24);
        lab.Table.AddAddress(IPAddress.Parse("fd00:64::2"), 64);
        lab.Table.AddAddress(IPAddress.Parse("10.64.0.2"), 24); // again: replaced, not an error

        Assert.Contains("inet 10.64.0.2/24", lab.Ip("-4", "address", "show", "dev", NamespaceLab.Tun), StringComparison.Ordinal);
        Assert.Contains("inet6 fd00:64::2/64", lab.Ip("-6", "address", "show", "dev", NamespaceLab.Tun), StringComparison.Ordinal);
        Assert.Equal(
            [new InterfaceAddress(IPAddress.Parse("10.64.0.2"), 24), new InterfaceAddress(IPAddress.Parse("fd00:64::2"), 64)],
            lab.Table.InstalledAddresses.OrderBy(a => a.Address.AddressFamily));

        lab.Table.RemoveAddress(IPAddress.Parse("10.64.0.2"), 24);
        lab.Table.RemoveAddress(IPAddress.Parse("10.64.0.2"), 24);
        Assert.DoesNotContain("10.64.0.2", lab.Ip("-4", "address", "show", "dev", NamespaceLab.Tun), StringComparison.Ordinal);
        Assert.Single(lab.Table.InstalledAddresses);
    }

    [Fact]
    public void Routes_GoInTheTable_AsDeviceAndThrowRoutes_AreReplaced_AndRemoved()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create();
        LinuxRouteTable table = lab.Table;
        table.SetLinkUp();
        table.AddRoute(TunnelV4, LinuxRouteKind.Tunnel);
        table.AddRoute(BypassV4, LinuxRouteKind.Bypass);
        table.AddRoute(TunnelV6, LinuxRouteKind.Tunnel);
        table.AddRoute(BypassV6, LinuxRouteKind.Bypass);

        string v4 = lab.Ip("-4", "route", "show", "table", "52820");
        string v6 = lab.Ip("-6", "route", "show", "table", "52820");
        Assert.Contains("10.0.0.0/8 dev tun0 proto 116 scope link", v4, StringComparison.Ordinal);
        Assert.Contains("throw 10.1.0.0/16 proto 116", v4, StringComparison.Ordinal);
        Assert.Contains("fd00:10::/32 dev tun0 proto 116", v6, StringComparison.Ordinal);
        Assert.Contains("throw fd00:10:1::/48", v6, StringComparison.Ordinal);
        Assert.Equal(4, table.InstalledRoutes.Count);

        // The same prefix again, as the other kind: replaced in place, in both families.
        table.AddRoute(BypassV4, LinuxRouteKind.Tunnel);
        table.AddRoute(TunnelV6, LinuxRouteKind.Bypass);
        v4 = lab.Ip("-4", "route", "show", "table", "52820");
        v6 = lab.Ip("-6", "route", "show", "table", "52820");
        Assert.Contains("10.1.0.0/16 dev tun0", v4, StringComparison.Ordinal);
        Assert.DoesNotContain("throw", v4, StringComparison.Ordinal);
        Assert.Contains("throw fd00:10::/32", v6, StringComparison.Ordinal);
        Assert.DoesNotContain("fd00:10::/32 dev tun0", v6, StringComparison.Ordinal);
        Assert.Equal(LinuxRouteKind.Tunnel, table.InstalledRoutes[BypassV4]);
        Assert.Equal(LinuxRouteKind.Bypass, table.InstalledRoutes[TunnelV6]);

        // Removing takes either kind; removing what is gone is fine.
        foreach (IPNetwork destination in new[] { TunnelV4, BypassV4, TunnelV6, BypassV6 })
        {
            table.RemoveRoute(destination);
            table.RemoveRoute(destination);
        }

        Assert.Empty(lab.Ip("-4", "route", "show", "table", "52820").Trim());
        Assert.Empty(lab.Ip("-6", "route", "show", "table", "52820").Trim());
        Assert.Empty(table.InstalledRoutes);
    }

    [Fact]
    public void PolicyRules_AreWgQuicksShape_AndSendTunnelRoutesToTheTunnel_AndBypassRoutesToTheMainTable()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create();
        lab.AddUplink();
        string[] rulesBefore = [lab.Ip("-4", "rule", "show"), lab.Ip("-6", "rule", "show")];
        LinuxRouteTable table = lab.Table;
        table.SetLinkUp();
        table.AddAddress(IPAddress.Parse("10.64.0.2"), 32);
        table.AddAddress(IPAddress.Parse("fd00:64::2"), 128);
        table.AddRoute(IPNetwork.Parse("0.0.0.0/0"), LinuxRouteKind.Tunnel);
        table.AddRoute(BypassV4, LinuxRouteKind.Bypass);
        table.AddRoute(IPNetwork.Parse("::/0"), LinuxRouteKind.Tunnel);
        table.AddRoute(BypassV6, LinuxRouteKind.Bypass);
        table.InstallPolicyRules();
        table.InstallPolicyRules(); // already there: nothing more

        foreach ((string family, string before) in new[] { "-4", "-6" }.Zip(rulesBefore))
        {
            string rules = lab.Ip(family, "rule", "show");
            Assert.Contains("32000:\tfrom all lookup main suppress_prefixlength 0", rules, StringComparison.Ordinal);
            Assert.Contains("32001:\tnot from all fwmark 0xce54 lookup 52820", rules, StringComparison.Ordinal);
            Assert.Equal(before.Trim().Split('\n').Length + 2, rules.Trim().Split('\n').Length);
        }

        Assert.Equal([AddressFamily.InterNetwork, AddressFamily.InterNetworkV6], table.PolicyRuleFamilies.Order());

        // Through the tunnel's table: its default route. A bypass prefix, the tunnel's own marked datagrams
        // and the uplink's own subnet: the main table.
        Assert.Contains("dev tun0 table 52820", lab.Ip("route", "get", "198.51.100.7"), StringComparison.Ordinal);
        Assert.Contains("via 192.0.2.254 dev veth0", lab.Ip("route", "get", "10.1.2.3"), StringComparison.Ordinal);
        Assert.Contains("via 192.0.2.254 dev veth0", lab.Ip("route", "get", "198.51.100.7", "mark", "52820"), StringComparison.Ordinal);
        Assert.Contains("dev veth0", lab.Ip("route", "get", "192.0.2.9"), StringComparison.Ordinal);
        Assert.DoesNotContain("via", lab.Ip("route", "get", "192.0.2.9"), StringComparison.Ordinal);
        Assert.Contains("dev tun0 table 52820", lab.Ip("-6", "route", "get", "2001:4860::1"), StringComparison.Ordinal);
        Assert.Contains("via 2001:db8::fe dev veth0", lab.Ip("-6", "route", "get", "fd00:10:1::5"), StringComparison.Ordinal);
        Assert.Contains("via 2001:db8::fe dev veth0", lab.Ip("-6", "route", "get", "2001:4860::1", "mark", "52820"), StringComparison.Ordinal);

        table.RemovePolicyRules();
        Assert.Equal<string>(rulesBefore, [lab.Ip("-4", "rule", "show"), lab.Ip("-6", "rule", "show")]);
        Assert.Empty(table.PolicyRuleFamilies);
        Assert.Contains("via 192.0.2.254 dev veth0", lab.Ip("route", "get", "198.51.100.7"), StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_LeavesTheNamespaceAsItFoundIt()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create();
        lab.AddUplink();
        lab.Table.SetLinkUp();
        string before = lab.Snapshot();

        lab.Table.AddAddress(IPAddress.Parse("10.64.0.2"), 24);
        lab.Table.AddAddress(IPAddress.Parse("fd00:64::2"), 64);
        lab.Table.AddRoute(TunnelV4, LinuxRouteKind.Tunnel);
        lab.Table.AddRoute(BypassV4, LinuxRouteKind.Bypass);
        lab.Table.AddRoute(TunnelV6, LinuxRouteKind.Tunnel);
        lab.Table.AddRoute(BypassV6, LinuxRouteKind.Bypass);
        lab.Table.InstallPolicyRules();
        Assert.NotEqual(before, lab.Snapshot());

        lab.Table.Dispose();
        lab.Table.Dispose();
        Assert.Equal(before, lab.Snapshot());
        Assert.Throws<ObjectDisposedException>(() => lab.Table.AddRoute(TunnelV4, LinuxRouteKind.Tunnel));
    }

    [Fact]
    public void RemoveStale_ClearsWhatACrashedProcessLeft_AndNothingElse()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create();
        lab.AddUplink();
        lab.Table.SetLinkUp();
        lab.Ip("route", "add", "203.0.113.0/24", "dev", NamespaceLab.Tun, "table", "100");
        lab.Ip("rule", "add", "pref", "1000", "lookup", "100");

        // Someone else's route in our table and rules at our priorities, one identical to ours but for its
        // protocol: not ours, so never removed.
        lab.Ip("route", "add", "198.18.0.0/15", "dev", NamespaceLab.Tun, "table", "52820");
        lab.Ip("-6", "route", "add", "prohibit", "fd00:99::/32", "table", "52820", "proto", "static");
        lab.Ip("rule", "add", "pref", "32000", "lookup", "main", "suppress_prefixlength", "0");
        lab.Ip("-6", "rule", "add", "pref", "32001", "lookup", "52820");
        string before = lab.Snapshot();

        // The "crashed" process: everything installed and never disposed.
        lab.Table.AddRoute(TunnelV4, LinuxRouteKind.Tunnel);
        lab.Table.AddRoute(BypassV4, LinuxRouteKind.Bypass);
        lab.Table.AddRoute(IPNetwork.Parse("0.0.0.0/0"), LinuxRouteKind.Bypass);
        lab.Table.AddRoute(TunnelV6, LinuxRouteKind.Tunnel);
        lab.Table.AddRoute(BypassV6, LinuxRouteKind.Bypass);
        lab.Table.InstallPolicyRules();
        Assert.NotEqual(before, lab.Snapshot());

        using LinuxRouteTable next = Tunnel.Platform.Linux.Internal.NetworkNamespace.Run(lab.Name, () => LinuxRouteTable.Create(lab.Table.Options));
        Assert.Equal(4 + 5 + 2, next.RemoveStale()); // rules, routes, and the prohibit routes behind the two tunnel routes
        Assert.Equal(before, lab.Snapshot());
        Assert.Equal(0, next.RemoveStale());
        Assert.Contains("203.0.113.0/24 dev tun0", lab.Ip("route", "show", "table", "100"), StringComparison.Ordinal);
        Assert.Contains("198.18.0.0/15 dev tun0", lab.Ip("route", "show", "table", "52820"), StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveStale_FindsTheRulesOfARunWithAnotherMark_ButNotThoseOfAnotherProtocol()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create(o => o with { FirewallMark = 0x1234 });
        lab.AddUplink();
        lab.Table.SetLinkUp();
        string before = lab.Snapshot();
        lab.Table.AddRoute(IPNetwork.Parse("0.0.0.0/0"), LinuxRouteKind.Tunnel);
        lab.Table.AddRoute(BypassV4, LinuxRouteKind.Bypass);
        lab.Table.InstallPolicyRules();
        Assert.Contains("32001:\tnot from all fwmark 0x1234 lookup 52820 proto 116", lab.Ip("-4", "rule", "show"), StringComparison.Ordinal);

        // A process of another program (another protocol) finds nothing; the next run with the default mark finds it all.
        Assert.Equal(0, NamespaceRun(lab, () => LinuxRouteTable.RemoveStale(new LinuxRouteTableOptions { InterfaceName = "gone0", Protocol = 117 })));
        Assert.Equal(4 + 2 + 1, NamespaceRun(lab, () => LinuxRouteTable.RemoveStale(new LinuxRouteTableOptions { InterfaceName = "gone0" })));
        Assert.Equal(before, lab.Snapshot());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FailClosed_PutsAProhibitRouteBehindEachTunnelRoute_WhichTakesOverWhenTheInterfaceGoes(bool failClosed)
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create(o => o with { FailClosed = failClosed });
        lab.AddUplink();
        lab.Table.SetLinkUp();
        lab.Table.AddRoute(IPNetwork.Parse("0.0.0.0/0"), LinuxRouteKind.Tunnel);
        lab.Table.AddRoute(TunnelV6, LinuxRouteKind.Tunnel);
        lab.Table.AddRoute(BypassV4, LinuxRouteKind.Bypass);
        lab.Table.AddRoute(TunnelV6, LinuxRouteKind.Tunnel); // again: still one behind it
        lab.Table.InstallPolicyRules();
        Assert.Contains("dev tun0 table 52820", lab.Ip("route", "get", "198.51.100.7"), StringComparison.Ordinal);
        Assert.Equal(failClosed ? 2 : 0, (lab.Ip("-4", "route", "show", "table", "52820") + lab.Ip("-6", "route", "show", "table", "52820")).Split('\n').Count(line => line.StartsWith("prohibit", StringComparison.Ordinal) && line.Contains("metric 4294967295", StringComparison.Ordinal)));

        // The interface goes (a crash, `ip link del`) and nothing else happens.
        lab.RemoveDevice();
        if (failClosed)
        {
            Assert.Contains("Permission denied", Assert.ThrowsAny<Exception>(() => lab.Ip("route", "get", "198.51.100.7")).Message, StringComparison.Ordinal);
            Assert.Contains("Permission denied", Assert.ThrowsAny<Exception>(() => lab.Ip("-6", "route", "get", "fd00:10::5")).Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("via 192.0.2.254 dev veth0", lab.Ip("route", "get", "198.51.100.7"), StringComparison.Ordinal);
        }

        Assert.Contains("via 192.0.2.254 dev veth0", lab.Ip("route", "get", "10.1.2.3"), StringComparison.Ordinal);

        // A prefix that changes kind loses the route behind it; disposing removes everything.
        lab.Table.AddRoute(TunnelV6, LinuxRouteKind.Bypass);
        Assert.DoesNotContain("prohibit", lab.Ip("-6", "route", "show", "table", "52820"), StringComparison.Ordinal);
        lab.Table.Dispose();
        Assert.Empty(lab.Ip("-4", "route", "show", "table", "52820").Trim());
        Assert.Empty(lab.Ip("-6", "route", "show", "table", "52820").Trim());
    }

    [Fact]
    public void BlockedRoutes_RefuseTraffic_OutliveTheInterface_AndASuccessorTakesOverAfterDetach()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create();
        lab.AddUplink();
        lab.Table.SetLinkUp();
        string before = Routing(lab); // the interface is made anew below, with a new index
        lab.Table.AddRoute(IPNetwork.Parse("0.0.0.0/0"), LinuxRouteKind.Tunnel);
        lab.Table.AddRoute(TunnelV6, LinuxRouteKind.Tunnel);
        lab.Table.AddRoute(BypassV4, LinuxRouteKind.Bypass);
        lab.Table.InstallPolicyRules();

        // The engine died: its tunnel routes become prohibit routes, then the interface goes.
        foreach (var (destination, _) in lab.Table.InstalledRoutes.Where(route => route.Value == LinuxRouteKind.Tunnel))
        {
            lab.Table.AddRoute(destination, LinuxRouteKind.Blocked);
        }

        lab.Table.Detach();
        lab.RemoveDevice();
        Assert.Contains("prohibit default proto 116", lab.Ip("-4", "route", "show", "table", "52820"), StringComparison.Ordinal);
        Assert.Contains("prohibit fd00:10::/32 dev lo proto 116", lab.Ip("-6", "route", "show", "table", "52820"), StringComparison.Ordinal);
        var refused = Assert.ThrowsAny<Exception>(() => lab.Ip("route", "get", "198.51.100.7"));
        Assert.Contains("Permission denied", refused.Message, StringComparison.Ordinal); // EACCES: prohibited, not direct
        Assert.Contains("via 192.0.2.254 dev veth0", lab.Ip("route", "get", "10.1.2.3"), StringComparison.Ordinal);

        // The successor: a new interface and table take the rules over, replace what they install again and
        // remove the rest; disposing it leaves the namespace as it was.
        using var device = NamespaceRun(lab, () => LinuxTunDevice.Create(NamespaceLab.Tun));
        lab.Ip("link", "set", NamespaceLab.Tun, "addrgenmode", "none");
        using var next = NamespaceRun(lab, () => LinuxRouteTable.Create(lab.Table.Options));
        next.SetLinkUp();
        next.AddRoute(IPNetwork.Parse("0.0.0.0/0"), LinuxRouteKind.Tunnel);
        next.InstallPolicyRules();
        Assert.Equal(3, next.RemoveStale()); // the IPv6 prohibit route and the one behind it, and the throw route: not installed again
        Assert.Contains("dev tun0 table 52820", lab.Ip("route", "get", "198.51.100.7"), StringComparison.Ordinal);
        next.Dispose();
        Assert.Equal(before, Routing(lab));
    }

    [Fact]
    public void Dispose_GoesOnPastWhatIsAlreadyGone()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create();
        lab.Table.SetLinkUp();
        lab.Table.AddAddress(IPAddress.Parse("10.64.0.2"), 24);
        lab.Table.AddRoute(TunnelV4, LinuxRouteKind.Tunnel);
        lab.Table.AddRoute(BypassV4, LinuxRouteKind.Bypass);
        lab.Table.InstallPolicyRules(AddressFamily.InterNetwork);

        // The interface goes first (its address and device route with it), an administrator deletes a rule.
        lab.RemoveDevice();
        lab.Ip("-4", "rule", "del", "pref", "32000");
        lab.Table.Dispose();

        Assert.Empty(lab.Ip("-4", "route", "show", "table", "52820").Trim());
        Assert.DoesNotContain("52820", lab.Ip("-4", "rule", "show"), StringComparison.Ordinal);
    }

    [Fact]
    public void ARuleAlreadyThere_IsLeftAlone()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create();
        lab.Ip("-4", "rule", "add", "pref", "32000", "lookup", "main", "suppress_prefixlength", "0");
        string before = lab.Ip("-4", "rule", "show");

        lab.Table.InstallPolicyRules(AddressFamily.InterNetwork);
        Assert.Contains("32001:\tnot from all fwmark 0xce54 lookup 52820", lab.Ip("-4", "rule", "show"), StringComparison.Ordinal);
        lab.Table.RemovePolicyRules();

        Assert.Equal(before, lab.Ip("-4", "rule", "show"));
    }

    [Fact]
    public void OtherTableMarkAndPriority_AreUsed()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create(o => o with { TableId = 1000, FirewallMark = 0x1234, RulePriority = 5000 });
        lab.Table.SetLinkUp();
        lab.Table.AddRoute(TunnelV4, LinuxRouteKind.Tunnel);
        lab.Table.InstallPolicyRules(AddressFamily.InterNetwork);

        Assert.Contains("10.0.0.0/8 dev tun0", lab.Ip("-4", "route", "show", "table", "1000"), StringComparison.Ordinal);
        string rules = lab.Ip("-4", "rule", "show");
        Assert.Contains("5000:\tfrom all lookup main suppress_prefixlength 0", rules, StringComparison.Ordinal);
        Assert.Contains("5001:\tnot from all fwmark 0x1234 lookup 1000", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Failures_NameTheOperation_TheObject_AndTheErrno()
    {
        Requirements.RootAndTun();
        using NamespaceLab lab = NamespaceLab.Create();

        // The kernel refuses a device route out of a link that is down, and says why.
        var down = Assert.Throws<LinuxNetlinkException>(() => lab.Table.AddRoute(TunnelV4, LinuxRouteKind.Tunnel));
        Assert.Equal(100, down.NativeErrorCode);
        Assert.StartsWith("Adding route 10.0.0.0/8 dev tun0 table 52820: Network is down (ENETDOWN); the kernel says: ", down.Message, StringComparison.Ordinal);
        Assert.NotNull(down.KernelMessage);
        Assert.Empty(lab.Table.InstalledRoutes);

        lab.RemoveDevice();
        var gone = Assert.Throws<LinuxNetlinkException>(() => lab.Table.AddRoute(TunnelV4, LinuxRouteKind.Tunnel));
        Assert.Equal(19, gone.NativeErrorCode);
        Assert.StartsWith("Adding route 10.0.0.0/8 dev tun0 table 52820: No such device (ENODEV)", gone.Message, StringComparison.Ordinal);
        lab.Table.RemoveRoute(TunnelV4);

        var missing = Assert.Throws<LinuxNetlinkException>(() => NamespaceRun(lab, () => LinuxRouteTable.Create(new LinuxRouteTableOptions { InterfaceName = "tun0" })));
        Assert.Equal(19, missing.NativeErrorCode);
        Assert.StartsWith("Looking up interface tun0: No such device (ENODEV)", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0u, 51820u, 32764u)]
    [InlineData(254u, 51820u, 32764u)]
    [InlineData(255u, 51820u, 32764u)]
    [InlineData(51820u, 0u, 32764u)]
    [InlineData(51820u, 51820u, 0u)]
    [InlineData(51820u, 51820u, uint.MaxValue)]
    [InlineData(51820u, 51820u, 32000u, (byte)4)]
    [InlineData(51820u, 51820u, 32000u, (byte)0)]
    public void Options_OutOfRange_AreRefusedBeforeAnythingHappens(uint table, uint mark, uint priority, byte protocol = LinuxRouteTableOptions.DefaultProtocol)
    {
        Requirements.Linux();
        var options = new LinuxRouteTableOptions { InterfaceName = "tun0", TableId = table, FirewallMark = mark, RulePriority = priority, Protocol = protocol };
        Assert.Throws<ArgumentOutOfRangeException>(() => LinuxRouteTable.Create(options));
        Assert.Throws<ArgumentException>(() => LinuxRouteTable.Create(new LinuxRouteTableOptions { InterfaceName = "sixteen-chars-xx" }));
    }

    private static string Routing(NamespaceLab lab) => lab.Snapshot().Split("\n--\n", 2)[1];

    private static T NamespaceRun<T>(NamespaceLab lab, Func<T> action) =>
        Tunnel.Platform.Linux.Internal.NetworkNamespace.Run(lab.Name, action);
}
