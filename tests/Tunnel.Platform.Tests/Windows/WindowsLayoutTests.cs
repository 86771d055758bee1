using System.Net;
using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Windows;

namespace Tunnel.Platform.Tests.Windows;

/// <summary>
/// The IP Helper rows against the sizes and offsets of the Windows SDK's netioapi.h, ws2ipdef.h and nldef.h
/// (the same on x64 and arm64; wireguard-windows' winipcfg layout tests assert the same numbers).
/// </summary>
public sealed class WindowsLayoutTests
{
    [Fact]
    public unsafe void SocketAddresses_HaveTheHeaderLayout()
    {
        Assert.Equal(28, sizeof(SocketAddressInet));
        Assert.Equal(4, Offset<SocketAddressInet>(nameof(SocketAddressInet.AddressOrFlowInfo)));
        Assert.Equal(8, Offset<SocketAddressInet>(nameof(SocketAddressInet.Address6)));
        Assert.Equal(24, Offset<SocketAddressInet>(nameof(SocketAddressInet.ScopeId)));
        Assert.Equal(32, sizeof(IpAddressPrefix));
        Assert.Equal(28, Offset<IpAddressPrefix>(nameof(IpAddressPrefix.PrefixLength)));

        SocketAddressInet v4 = SocketAddressInet.From(IPAddress.Parse("10.9.0.2"));
        byte* bytes = (byte*)&v4;
        Assert.Equal([2, 0, 0, 0, 10, 9, 0, 2], new ReadOnlySpan<byte>(bytes, 8).ToArray());
        Assert.Equal(IPAddress.Parse("10.9.0.2"), v4.ToAddress());
        SocketAddressInet v6 = SocketAddressInet.From(IPAddress.Parse("fd00::1"));
        bytes = (byte*)&v6;
        Assert.Equal(23, bytes[0]); // Windows' AF_INET6
        Assert.Equal(0xfd, bytes[8]);
        Assert.Equal(IPAddress.Parse("fd00::1"), v6.ToAddress());
    }

    [Fact]
    public unsafe void UnicastAddressRow_HasTheHeaderLayout()
    {
        Assert.Equal(80, sizeof(UnicastIpAddressRow));
        Assert.Equal(32, Offset<UnicastIpAddressRow>(nameof(UnicastIpAddressRow.InterfaceLuid)));
        Assert.Equal(40, Offset<UnicastIpAddressRow>(nameof(UnicastIpAddressRow.InterfaceIndex)));
        Assert.Equal(44, Offset<UnicastIpAddressRow>(nameof(UnicastIpAddressRow.PrefixOrigin)));
        Assert.Equal(52, Offset<UnicastIpAddressRow>(nameof(UnicastIpAddressRow.ValidLifetime)));
        Assert.Equal(60, Offset<UnicastIpAddressRow>(nameof(UnicastIpAddressRow.OnLinkPrefixLength)));
        Assert.Equal(61, Offset<UnicastIpAddressRow>(nameof(UnicastIpAddressRow.SkipAsSource)));
        Assert.Equal(64, Offset<UnicastIpAddressRow>(nameof(UnicastIpAddressRow.DadState)));
        Assert.Equal(68, Offset<UnicastIpAddressRow>(nameof(UnicastIpAddressRow.ScopeId)));
        Assert.Equal(72, Offset<UnicastIpAddressRow>(nameof(UnicastIpAddressRow.CreationTimeStamp)));
    }

    [Fact]
    public unsafe void ForwardRow_HasTheHeaderLayout()
    {
        Assert.Equal(104, sizeof(IpForwardRow2));
        Assert.Equal(8, Offset<IpForwardRow2>(nameof(IpForwardRow2.InterfaceIndex)));
        Assert.Equal(12, Offset<IpForwardRow2>(nameof(IpForwardRow2.DestinationPrefix)));
        Assert.Equal(44, Offset<IpForwardRow2>(nameof(IpForwardRow2.NextHop)));
        Assert.Equal(72, Offset<IpForwardRow2>(nameof(IpForwardRow2.SitePrefixLength)));
        Assert.Equal(76, Offset<IpForwardRow2>(nameof(IpForwardRow2.ValidLifetime)));
        Assert.Equal(84, Offset<IpForwardRow2>(nameof(IpForwardRow2.Metric)));
        Assert.Equal(88, Offset<IpForwardRow2>(nameof(IpForwardRow2.Protocol)));
        Assert.Equal(92, Offset<IpForwardRow2>(nameof(IpForwardRow2.Loopback)));
        Assert.Equal(96, Offset<IpForwardRow2>(nameof(IpForwardRow2.Age)));
        Assert.Equal(100, Offset<IpForwardRow2>(nameof(IpForwardRow2.Origin)));
    }

    [Fact]
    public unsafe void InterfaceRow_HasTheHeaderLayout()
    {
        Assert.Equal(168, sizeof(IpInterfaceRow));
        Assert.Equal(8, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.InterfaceLuid)));
        Assert.Equal(16, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.InterfaceIndex)));
        Assert.Equal(24, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.InterfaceIdentifier)));
        Assert.Equal(44, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.UseAutomaticMetric)));
        Assert.Equal(48, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.AdvertiseDefaultRoute)));
        Assert.Equal(52, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.RouterDiscoveryBehavior)));
        Assert.Equal(72, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.LinkLocalAddressBehavior)));
        Assert.Equal(80, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.ZoneIndices)));
        Assert.Equal(144, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.SitePrefixLength)));
        Assert.Equal(148, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.Metric)));
        Assert.Equal(152, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.NlMtu)));
        Assert.Equal(156, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.Connected)));
        Assert.Equal(160, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.ReachableTime)));
        Assert.Equal(164, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.TransmitOffload)));
        Assert.Equal(166, Offset<IpInterfaceRow>(nameof(IpInterfaceRow.DisableDefaultRoutes)));
    }

    [Fact]
    public unsafe void DnsSettings_HaveTheHeaderLayout_AndFlags()
    {
        Assert.Equal(64, sizeof(DnsInterfaceSettings));
        Assert.Equal(8, Offset<DnsInterfaceSettings>(nameof(DnsInterfaceSettings.Flags)));
        Assert.Equal(16, Offset<DnsInterfaceSettings>(nameof(DnsInterfaceSettings.Domain)));
        Assert.Equal(24, Offset<DnsInterfaceSettings>(nameof(DnsInterfaceSettings.NameServer)));
        Assert.Equal(32, Offset<DnsInterfaceSettings>(nameof(DnsInterfaceSettings.SearchList)));
        Assert.Equal(40, Offset<DnsInterfaceSettings>(nameof(DnsInterfaceSettings.RegistrationEnabled)));
        Assert.Equal(56, Offset<DnsInterfaceSettings>(nameof(DnsInterfaceSettings.ProfileNameServer)));
        Assert.Equal(0x1ul, DnsInterfaceSettings.SettingIpv6);
        Assert.Equal(0x2ul, DnsInterfaceSettings.SettingNameServer);
        Assert.Equal(0x4ul, DnsInterfaceSettings.SettingSearchList);
    }

    [Fact]
    public void ErrorCodes_AreWinErrorsValues()
    {
        Assert.Equal(259, Interop.Windows.Interop.Errors.ERROR_NO_MORE_ITEMS);
        Assert.Equal(38, Interop.Windows.Interop.Errors.ERROR_HANDLE_EOF);
        Assert.Equal(13, Interop.Windows.Interop.Errors.ERROR_INVALID_DATA);
        Assert.Equal(111, Interop.Windows.Interop.Errors.ERROR_BUFFER_OVERFLOW);
        Assert.Equal(5010, Interop.Windows.Interop.Errors.ERROR_OBJECT_ALREADY_EXISTS);
        Assert.Equal(1168, Interop.Windows.Interop.Errors.ERROR_NOT_FOUND);
        Assert.Equal(3, IpForwardRow2.ProtocolNetworkManagement);
        Assert.Equal(4, UnicastIpAddressRow.DadStatePreferred);
    }

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
