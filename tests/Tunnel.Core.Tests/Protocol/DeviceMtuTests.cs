using Tunnel.Core.Protocol;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Protocol;

/// <summary>The device's MTU changed at run time: the new limit and padding cap apply from the next packet.</summary>
public sealed class DeviceMtuTests
{
    [Fact]
    public void ARaisedMtu_CarriesLargerPackets_AndALoweredOneRefusesThem()
    {
        var net = new TwoDevices();
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10));
        net.Pump();
        byte[] jumbo = Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 8000);
        Assert.Equal(DropReason.TooLarge, net.SendFromA(jumbo).DropReason);

        net.A.SetMtu(9000);
        net.B.SetMtu(9000);
        Assert.Equal(9000, net.A.Mtu);
        Assert.Equal(9000 + 32, net.A.MaxDatagramSize); // padding stops at the MTU
        Assert.Equal(PacketAction.WriteToNetwork, net.SendFromA(jumbo).Action);
        net.Pump();
        Assert.Equal(jumbo, net.TunnelB[^1]);

        net.A.SetMtu(1420);
        Assert.Equal(DropReason.TooLarge, net.SendFromA(jumbo).DropReason);
        Assert.Equal(1420 + 32, net.A.MaxDatagramSize);
    }

    [Theory]
    [InlineData(575)]
    [InlineData(Device.MaxMtu + 1)]
    public void AnMtuOutsideWhatWireGuardCarries_IsRefused(int mtu)
    {
        var net = new TwoDevices();
        Assert.Throws<ArgumentOutOfRangeException>(() => net.A.SetMtu(mtu));
        Assert.Equal(1420, net.A.Mtu);
    }

    [Fact]
    public void TheLargestMtu_FitsOneUdpDatagramOverIPv6()
    {
        // Padding stops at the MTU, so the largest datagram is the MTU plus header and tag; with the IPv6 and
        // UDP headers it is exactly an IP packet's 65535.
        var device = new TwoDevices().A;
        device.SetMtu(Device.MaxMtu);
        Assert.Equal(65535, device.MaxDatagramSize + 40 + 8);
    }
}
