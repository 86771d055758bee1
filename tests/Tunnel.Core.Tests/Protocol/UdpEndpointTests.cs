using System.Net;

namespace Tunnel.Core.Tests.Protocol;

public sealed class UdpEndpointTests
{
    private static readonly UdpEndpoint Remote = new([198, 51, 100, 7], 51820);

    [Fact]
    public void AnEndpointFromConfiguration_HasNoLocalPart()
    {
        Assert.False(Remote.HasLocalAddress);
        Assert.True(Remote.LocalAddressBytes.IsEmpty);
        Assert.Equal(0, Remote.LocalInterfaceIndex);
        Assert.Equal(Remote, Remote.WithoutLocal());
    }

    [Fact]
    public void TheLocalPart_TakesPartInEquality_ButNotInTheRemoteOrTheText()
    {
        var viaFirst = Remote.WithLocal([192, 0, 2, 1], 2);
        var viaSecond = Remote.WithLocal([192, 0, 2, 2], 2);
        var viaOtherInterface = Remote.WithLocal([192, 0, 2, 1], 3);

        Assert.NotEqual(Remote, viaFirst);
        Assert.NotEqual(viaFirst, viaSecond);
        Assert.NotEqual(viaFirst, viaOtherInterface);
        Assert.Equal(viaFirst, Remote.WithLocal([192, 0, 2, 1], 2));
        Assert.Equal(viaFirst.GetHashCode(), Remote.WithLocal([192, 0, 2, 1], 2).GetHashCode());

        Assert.True(viaFirst.RemoteEquals(viaSecond));
        Assert.True(viaFirst.RemoteEquals(Remote));
        Assert.False(viaFirst.RemoteEquals(new UdpEndpoint([198, 51, 100, 7], 51821)));
        Assert.Equal(Remote.ToString(), viaFirst.ToString());
        Assert.Equal(Remote.ToIPEndPoint(), viaFirst.ToIPEndPoint());
        Assert.Equal(Remote, viaFirst.WithoutLocal());
    }

    [Fact]
    public void AnIPv4MappedLocalAddress_IsKeptAsIPv4()
    {
        byte[] mapped = IPAddress.Parse("192.0.2.1").MapToIPv6().GetAddressBytes();
        var endpoint = Remote.WithLocal(mapped, 0);
        Assert.False(endpoint.IsLocalAddressIPv6);
        Assert.Equal([192, 0, 2, 1], endpoint.LocalAddressBytes.ToArray());
        Assert.Equal(Remote.WithLocal([192, 0, 2, 1], 0), endpoint);
    }

    [Fact]
    public void AnIPv6LocalAddress_KeepsItsInterface()
    {
        byte[] linkLocal = IPAddress.Parse("fe80::1").GetAddressBytes();
        var endpoint = new UdpEndpoint(IPAddress.Parse("fe80::2").GetAddressBytes(), 51820).WithLocal(linkLocal, 7);
        Assert.True(endpoint.IsLocalAddressIPv6);
        Assert.Equal(linkLocal, endpoint.LocalAddressBytes.ToArray());
        Assert.Equal(7, endpoint.LocalInterfaceIndex);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(15)]
    public void ALocalAddressOfAnotherLength_IsRefused(int length) =>
        Assert.Throws<ArgumentException>(() => Remote.WithLocal(new byte[length], 0));
}
