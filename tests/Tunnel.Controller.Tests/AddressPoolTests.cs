using System.Net;
using Tunnel.Controller.Gateway;

namespace Tunnel.Controller.Tests;

/// <summary>The tunnel's address space: the gateway's first address, devices' addresses inside it and never the network, the gateway's or the broadcast address.</summary>
public sealed class AddressPoolTests
{
    [Fact]
    public void DeviceAddresses_LieInsideTheNetwork_AndAreNeverTheReservedOnes()
    {
        var pool = new AddressPool("10.99.0.0/29");
        Assert.Equal(IPAddress.Parse("10.99.0.1"), pool.Gateway);
        Assert.Equal(5, pool.Capacity);

        var seen = new HashSet<IPAddress>();
        for (int i = 0; i < 2000; i++)
        {
            seen.Add(pool.Next());
        }

        Assert.Equal(["10.99.0.2", "10.99.0.3", "10.99.0.4", "10.99.0.5", "10.99.0.6"], seen.Select(a => a.ToString()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("10.99.0.0/30")]
    [InlineData("fd00::/64")]
    [InlineData("not a network")]
    public void ANetworkTooSmallOrNotIPv4_IsRefused(string network)
    {
        Assert.Contains("Controller:Network", Assert.Throws<ArgumentException>(() => new AddressPool(network)).Message, StringComparison.Ordinal);
    }
}
