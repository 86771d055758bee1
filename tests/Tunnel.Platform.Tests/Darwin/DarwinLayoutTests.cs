using System.Runtime.InteropServices;
using Tunnel.Platform.Darwin.Internal;
using Tunnel.Platform.Interop.Darwin;
using static Tunnel.Platform.Interop.Darwin.Interop;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>
/// The native structures and constants of the macOS adapters against the values of the OS headers (xnu's
/// bsd/net/route.h, if.h, if_var.h, if_dl.h, sys/kern_control.h, netinet6/in6_var.h; identical on x64 and
/// arm64): sizes, the offset of every field the adapters touch, and every ioctl number derived again from its
/// structure's size.
/// </summary>
public sealed class DarwinLayoutTests
{
    [Fact]
    public unsafe void KernelControlStructures_HaveTheHeaderLayout()
    {
        Assert.Equal(32, sizeof(SocketAddressControl));
        Assert.Equal(SocketAddressControl.Size, sizeof(SocketAddressControl));
        Assert.Equal(0, Offset<SocketAddressControl>(nameof(SocketAddressControl.Length)));
        Assert.Equal(1, Offset<SocketAddressControl>(nameof(SocketAddressControl.Family)));
        Assert.Equal(2, Offset<SocketAddressControl>(nameof(SocketAddressControl.SystemAddress)));
        Assert.Equal(4, Offset<SocketAddressControl>(nameof(SocketAddressControl.Id)));
        Assert.Equal(8, Offset<SocketAddressControl>(nameof(SocketAddressControl.Unit)));
        Assert.Equal(12, Offset<SocketAddressControl>(nameof(SocketAddressControl.Reserved)));

        Assert.Equal(100, sizeof(ControlInfo));
        Assert.Equal(4, Offset<ControlInfo>(nameof(ControlInfo.Name)));
        ControlInfo info = ControlInfo.ForName(ControlInfo.UtunControlName);
        Assert.Equal("com.apple.net.utun_control", Marshal.PtrToStringAnsi((nint)info.Name));
    }

    [Fact]
    public unsafe void InterfaceStructures_HaveTheHeaderLayout()
    {
        Assert.Equal(32, sizeof(Tunnel.Platform.Interop.Darwin.InterfaceRequest));
        Assert.Equal(16, Offset<Tunnel.Platform.Interop.Darwin.InterfaceRequest>(nameof(Tunnel.Platform.Interop.Darwin.InterfaceRequest.Value)));
        Assert.Throws<ArgumentException>(() => Tunnel.Platform.Interop.Darwin.InterfaceRequest.ForName("sixteen-chars-xx"));

        Assert.Equal(16, sizeof(SocketAddressInet));
        Assert.Equal(4, Offset<SocketAddressInet>(nameof(SocketAddressInet.Address)));
        Assert.Equal(28, sizeof(SocketAddressInet6));
        Assert.Equal(4, Offset<SocketAddressInet6>(nameof(SocketAddressInet6.FlowInfo)));
        Assert.Equal(8, Offset<SocketAddressInet6>(nameof(SocketAddressInet6.Address)));
        Assert.Equal(24, Offset<SocketAddressInet6>(nameof(SocketAddressInet6.ScopeId)));
        Assert.Equal(20, sizeof(SocketAddressLink));
        Assert.Equal(2, Offset<SocketAddressLink>(nameof(SocketAddressLink.Index)));
        Assert.Equal(8, Offset<SocketAddressLink>(nameof(SocketAddressLink.Data)));

        Assert.Equal(64, sizeof(InterfaceAliasRequest));
        Assert.Equal(16, Offset<InterfaceAliasRequest>(nameof(InterfaceAliasRequest.Address)));
        Assert.Equal(32, Offset<InterfaceAliasRequest>(nameof(InterfaceAliasRequest.Destination)));
        Assert.Equal(48, Offset<InterfaceAliasRequest>(nameof(InterfaceAliasRequest.Mask)));

        Assert.Equal(128, sizeof(Inet6AliasRequest));
        Assert.Equal(16, Offset<Inet6AliasRequest>(nameof(Inet6AliasRequest.Address)));
        Assert.Equal(44, Offset<Inet6AliasRequest>(nameof(Inet6AliasRequest.Destination)));
        Assert.Equal(72, Offset<Inet6AliasRequest>(nameof(Inet6AliasRequest.PrefixMask)));
        Assert.Equal(100, Offset<Inet6AliasRequest>(nameof(Inet6AliasRequest.Flags)));
        Assert.Equal(104, Offset<Inet6AliasRequest>(nameof(Inet6AliasRequest.Expire)));
        Assert.Equal(120, Offset<Inet6AliasRequest>(nameof(Inet6AliasRequest.ValidLifetime)));
        Assert.Equal(124, Offset<Inet6AliasRequest>(nameof(Inet6AliasRequest.PreferredLifetime)));
        Assert.Equal(288, sizeof(Inet6InterfaceRequest));
        Assert.Equal(16, Offset<Inet6InterfaceRequest>(nameof(Inet6InterfaceRequest.Address)));
    }

    [Fact]
    public unsafe void RoutingSocketStructures_HaveTheHeaderLayout()
    {
        Assert.Equal(92, sizeof(RouteMessageHeader));
        Assert.Equal(56, sizeof(RouteMetrics));
        Assert.Equal(2, Offset<RouteMessageHeader>(nameof(RouteMessageHeader.MessageVersion)));
        Assert.Equal(3, Offset<RouteMessageHeader>(nameof(RouteMessageHeader.Type)));
        Assert.Equal(4, Offset<RouteMessageHeader>(nameof(RouteMessageHeader.Index)));
        Assert.Equal(8, Offset<RouteMessageHeader>(nameof(RouteMessageHeader.Flags)));
        Assert.Equal(12, Offset<RouteMessageHeader>(nameof(RouteMessageHeader.Addresses)));
        Assert.Equal(16, Offset<RouteMessageHeader>(nameof(RouteMessageHeader.ProcessId)));
        Assert.Equal(20, Offset<RouteMessageHeader>(nameof(RouteMessageHeader.Sequence)));
        Assert.Equal(24, Offset<RouteMessageHeader>(nameof(RouteMessageHeader.Error)));
        Assert.Equal(32, Offset<RouteMessageHeader>(nameof(RouteMessageHeader.Inits)));
        Assert.Equal(36, Offset<RouteMessageHeader>(nameof(RouteMessageHeader.Metrics)));
        Assert.Equal(4, Offset<RouteMetrics>(nameof(RouteMetrics.Mtu)));

        Assert.Equal(112, sizeof(InterfaceMessageHeader));
        Assert.Equal(96, sizeof(InterfaceData));
        Assert.Equal(4, Offset<InterfaceMessageHeader>(nameof(InterfaceMessageHeader.Addresses)));
        Assert.Equal(8, Offset<InterfaceMessageHeader>(nameof(InterfaceMessageHeader.Flags)));
        Assert.Equal(12, Offset<InterfaceMessageHeader>(nameof(InterfaceMessageHeader.Index)));
        Assert.Equal(16, Offset<InterfaceMessageHeader>(nameof(InterfaceMessageHeader.Data)));
        Assert.Equal(8, Offset<InterfaceData>(nameof(InterfaceData.Mtu))); // ifi_mtu at 24 in the message
    }

    [Fact]
    public unsafe void IoctlNumbers_AreDerivedFromTheirStructures()
    {
        Assert.Equal(CTLIOCGINFO, IoctlNumber(IOC_INOUT, 'N', 3, sizeof(ControlInfo)));
        Assert.Equal(SIOCSIFMTU, IoctlNumber(IOC_IN, 'i', 52, sizeof(Tunnel.Platform.Interop.Darwin.InterfaceRequest)));
        Assert.Equal(SIOCGIFMTU, IoctlNumber(IOC_INOUT, 'i', 51, sizeof(Tunnel.Platform.Interop.Darwin.InterfaceRequest)));
        Assert.Equal(SIOCAIFADDR, IoctlNumber(IOC_IN, 'i', 26, sizeof(InterfaceAliasRequest)));
        Assert.Equal(SIOCDIFADDR, IoctlNumber(IOC_IN, 'i', 25, sizeof(Tunnel.Platform.Interop.Darwin.InterfaceRequest)));
        Assert.Equal(SIOCAIFADDR_IN6, IoctlNumber(IOC_IN, 'i', 26, sizeof(Inet6AliasRequest)));
        Assert.Equal(SIOCDIFADDR_IN6, IoctlNumber(IOC_IN, 'i', 25, sizeof(Inet6InterfaceRequest)));

        // The header's literal values, as the SDK's sys/sockio.h and sys/kern_control.h print them.
        Assert.Equal(0xC0644E03u, CTLIOCGINFO);
        Assert.Equal(0x80206934u, SIOCSIFMTU);
        Assert.Equal(0x8040691Au, SIOCAIFADDR);
        Assert.Equal(0x8080691Au, SIOCAIFADDR_IN6);
        Assert.Equal(0x81206919u, SIOCDIFADDR_IN6);
    }

    [Fact]
    public void Constants_AreDarwins()
    {
        Assert.Equal(30, AF_INET6);
        Assert.Equal(32, AF_SYSTEM);
        Assert.Equal(17, AF_ROUTE);
        Assert.Equal(18, AF_LINK);
        Assert.Equal(2, SYSPROTO_CONTROL);
        Assert.Equal(2, UTUN_OPT_IFNAME);
        Assert.Equal(5, RouteMessageHeader.Version);
        Assert.Equal(35, Errors.EAGAIN);
        Assert.Equal(0x4, O_NONBLOCK);
    }

    [Theory]
    [InlineData(true, Architecture.Arm64, true)]
    [InlineData(true, Architecture.X64, false)]
    [InlineData(false, Architecture.Arm64, false)]
    [InlineData(false, Architecture.X64, false)]
    public void VariadicArguments_GoOnTheStackOnlyOnAppleArm64(bool apple, Architecture architecture, bool onStack)
    {
        Assert.Equal(onStack, VariadicCall.IsStackConvention(apple, architecture));
    }

    [Theory]
    [InlineData("utun", 0u)]
    [InlineData("utun0", 1u)]
    [InlineData("utun7", 8u)]
    [InlineData("wg0", 0u)]
    [InlineData("utunx", 0u)]
    [InlineData("utun-1", 0u)]
    [InlineData("utun99999999999", 0u)]
    public void UnitFor_MapsUtunNToItsUnit_AndAnythingElseToTheNextFree(string name, uint unit)
    {
        Assert.Equal(unit, UtunUnit.For(name));
    }

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
