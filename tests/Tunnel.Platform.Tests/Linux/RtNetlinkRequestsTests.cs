using System.Net;
using System.Net.Sockets;
using Tunnel.Platform.Interop.Linux;
using Tunnel.Platform.Linux;
using Tunnel.Platform.Linux.Internal;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>The rtnetlink requests byte for byte, against the layouts of linux/netlink.h, rtnetlink.h, if_addr.h and fib_rules.h.</summary>
public sealed class RtNetlinkRequestsTests
{
    [Fact]
    public unsafe void Structs_HaveTheKernelSizes()
    {
        Assert.Equal(NetlinkMessageHeader.Size, sizeof(NetlinkMessageHeader));
        Assert.Equal(NetlinkErrorMessage.Size, sizeof(NetlinkErrorMessage));
        Assert.Equal(RouteAttribute.Size, sizeof(RouteAttribute));
        Assert.Equal(12, sizeof(RouteMessage));
        Assert.Equal(8, sizeof(AddressMessage));
        Assert.Equal(16, sizeof(LinkMessage));
        Assert.Equal(12, sizeof(RuleMessage));
    }

    [Fact]
    public void TunnelRoute_IsAReplacingLinkScopeUnicastRoute_WithTheTableInItsAttribute()
    {
        var request = new NetlinkRequest();
        RtNetlinkRequests.AddRoute(request, IPNetwork.Parse("10.0.0.0/8"), LinuxRouteKind.Tunnel, 51820, 7, protocol: 116);
        byte[] expected =
        [
            52, 0, 0, 0, 24, 0, 0x05, 0x05, 0x2a, 0, 0, 0, 0, 0, 0, 0, // RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE, seq 42
            2, 8, 0, 0, 0, 116, 253, 1, 0, 0, 0, 0, // AF_INET /8, table in RTA_TABLE, our protocol, link scope, unicast
            8, 0, 15, 0, 0x6c, 0xca, 0, 0, // RTA_TABLE 51820
            8, 0, 1, 0, 10, 0, 0, 0, // RTA_DST
            8, 0, 4, 0, 7, 0, 0, 0, // RTA_OIF
        ];
        Assert.Equal(expected, request.Finish(42).ToArray());
    }

    [Fact]
    public void BypassRoute_IsAThrowRoute_WithoutADevice_AndASmallTableFitsTheHeader()
    {
        var request = new NetlinkRequest();
        RtNetlinkRequests.AddRoute(request, IPNetwork.Parse("2001:db8::/32"), LinuxRouteKind.Bypass, 100, 7, protocol: 116);
        byte[] bytes = request.Finish(1).ToArray();
        Assert.Equal(16 + 12 + 8 + 20, bytes.Length);
        Assert.Equal(new byte[] { 10, 32, 0, 0, 100, 116, 0, 9 }, bytes[16..24]);
        Assert.Equal(new byte[] { 20, 0, 1, 0, 0x20, 0x01, 0x0d, 0xb8 }, bytes[36..44]);
    }

    [Fact]
    public void BlockedRoute_IsAProhibitRoute_WithoutADevice()
    {
        var request = new NetlinkRequest();
        RtNetlinkRequests.AddRoute(request, IPNetwork.Parse("0.0.0.0/0"), LinuxRouteKind.Blocked, 52820, 7, protocol: 116);
        byte[] bytes = request.Finish(1).ToArray();
        Assert.Equal(16 + 12 + 8 + 8, bytes.Length); // no RTA_OIF: the route outlives the interface
        Assert.Equal(new byte[] { 2, 0, 0, 0, 0, 116, 0, 8 }, bytes[16..24]); // universe scope, RTN_PROHIBIT
    }

    [Fact]
    public void RouteDeletion_MatchesAnyKind_ButOnlyOurProtocol()
    {
        var request = new NetlinkRequest();
        RtNetlinkRequests.DeleteRoute(request, IPNetwork.Parse("10.1.0.0/16"), 51820, protocol: 116);
        byte[] bytes = request.Finish(1).ToArray();
        Assert.Equal(new byte[] { 25, 0, 0x05, 0 }, bytes[4..8]); // RTM_DELROUTE, REQUEST|ACK
        Assert.Equal(new byte[] { 2, 16, 0, 0, 0, 116, 255, 0 }, bytes[16..24]); // our protocol, scope nowhere, type unspec
        Assert.Equal(16 + 12 + 8 + 8, bytes.Length);
    }

    [Fact]
    public void UnmarkedRule_IsInverted_WithMarkMaskTableAndPriority()
    {
        var request = new NetlinkRequest();
        RtNetlinkRequests.Rule(request, add: true, AddressFamily.InterNetworkV6, PolicyRuleKind.UnmarkedToTable, 32765, 51820, 51820, protocol: 116);
        byte[] expected =
        [
            68, 0, 0, 0, 32, 0, 0x05, 0x06, 1, 0, 0, 0, 0, 0, 0, 0, // RTM_NEWRULE, REQUEST|ACK|EXCL|CREATE
            10, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, // AF_INET6, table in FRA_TABLE, FR_ACT_TO_TBL, FIB_RULE_INVERT
            8, 0, 6, 0, 0xfd, 0x7f, 0, 0, // FRA_PRIORITY 32765
            8, 0, 15, 0, 0x6c, 0xca, 0, 0, // FRA_TABLE
            5, 0, 21, 0, 116, 0, 0, 0, // FRA_PROTOCOL, one byte and padding
            8, 0, 10, 0, 0x6c, 0xca, 0, 0, // FRA_FWMARK
            8, 0, 16, 0, 0xff, 0xff, 0xff, 0xff, // FRA_FWMASK
        ];
        Assert.Equal(expected, request.Finish(1).ToArray());
    }

    [Fact]
    public void MainRule_SuppressesPrefixLengthZero()
    {
        var request = new NetlinkRequest();
        RtNetlinkRequests.Rule(request, add: false, AddressFamily.InterNetwork, PolicyRuleKind.MainWithoutDefault, 32764, 51820, 51820, protocol: 116);
        byte[] bytes = request.Finish(1).ToArray();
        Assert.Equal(new byte[] { 33, 0, 0x05, 0 }, bytes[4..8]); // RTM_DELRULE
        Assert.Equal(new byte[] { 2, 0, 0, 0, 254, 0, 0, 1, 0, 0, 0, 0 }, bytes[16..28]);
        Assert.Equal(new byte[] { 5, 0, 21, 0, 116, 0, 0, 0 }, bytes[44..52]); // FRA_PROTOCOL: deletion matches only our rule
        Assert.Equal(new byte[] { 8, 0, 14, 0, 0, 0, 0, 0 }, bytes[52..60]); // FRA_SUPPRESS_PREFIXLEN 0
        Assert.Equal(60, bytes.Length);
    }

    [Fact]
    public void Address_IsBothLocalAndPeer_AndGetLinkNamesTheInterface()
    {
        var request = new NetlinkRequest();
        RtNetlinkRequests.Address(request, add: true, 3, IPAddress.Parse("10.64.0.2"), 24);
        byte[] bytes = request.Finish(1).ToArray();
        Assert.Equal(new byte[] { 2, 24, 0, 0, 3, 0, 0, 0 }, bytes[16..24]);
        Assert.Equal(new byte[] { 8, 0, 2, 0, 10, 64, 0, 2, 8, 0, 1, 0, 10, 64, 0, 2 }, bytes[24..40]);

        RtNetlinkRequests.GetLink(request, "tun0");
        bytes = request.Finish(1).ToArray();
        Assert.Equal(16 + 16 + 12, bytes.Length);
        Assert.Equal(new byte[] { 9, 0, 3, 0, (byte)'t', (byte)'u', (byte)'n', (byte)'0', 0, 0, 0, 0 }, bytes[32..44]);
    }

    [Fact]
    public void Exception_NamesTheErrno()
    {
        Requirements.Linux();
        var error = new LinuxNetlinkException("Adding route 10.0.0.0/8 dev tun0 table 51820", 17, kernelMessage: null);
        Assert.Equal("Adding route 10.0.0.0/8 dev tun0 table 51820: File exists (EEXIST)", error.Message);
        Assert.Equal(17, error.NativeErrorCode);
        Assert.Equal("errno 200", Tunnel.Platform.Interop.Linux.Interop.Errors.Name(200));
    }
}
