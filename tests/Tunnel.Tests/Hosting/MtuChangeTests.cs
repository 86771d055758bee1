using System.Net;
using Tunnel.Core.Protocol;
using Tunnel.Testing;

namespace Tunnel.Tests.Hosting;

/// <summary>
/// The engine follows the interface MTU at run time (what <c>ip link set mtu</c> does to a real device): a
/// jumbo packet is refused and counted at 1420, carried intact once both interfaces allow it, and refused again
/// when the MTU comes back down. Nothing is ever delivered truncated.
/// </summary>
public sealed class MtuChangeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task RaisingTheMtuAtRunTime_CarriesJumboPackets_AndLoweringItRefusesThemAgain()
    {
        var network = new InMemoryNetwork { MaxDatagramSize = 65535 };
        await using var pair = HostPair.StartInMemory(network, maxPacketSize: 9100); // room for a packet over the MTU
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Packet(HostPair.AddressA, HostPair.AddressB, 100, 0), Timeout));
        byte[] jumbo = Packet(HostPair.AddressA, HostPair.AddressB, 8900, 1);

        Assert.Null(HostPair.Exchange(pair.TunA, pair.TunB, jumbo, Short));
        Assert.Equal(1, pair.A.GetStatistics().Drops.GetValueOrDefault(DropReason.TooLarge));

        pair.TunA.Mtu = 9000;
        pair.TunB.Mtu = 9000;
        await RollPumps(pair); // each pump takes the new MTU before its next read

        for (int i = 0; i < 20; i++)
        {
            byte[] there = Packet(HostPair.AddressA, HostPair.AddressB, 8960 + i, (byte)i);
            Assert.Equal(there, HostPair.Exchange(pair.TunA, pair.TunB, there, Timeout));
            byte[] back = Packet(HostPair.AddressB, HostPair.AddressA, 9000 - 20 - i, (byte)(i + 100));
            Assert.Equal(back, HostPair.Exchange(pair.TunB, pair.TunA, back, Timeout));
        }

        // A 9,001-byte packet (one byte over) is refused by the device, whole, not cut to fit.
        Assert.Null(HostPair.Exchange(pair.TunA, pair.TunB, Packet(HostPair.AddressA, HostPair.AddressB, 9001 - 20, 2), Short));

        pair.TunA.Mtu = 1420;
        pair.TunB.Mtu = 1420;
        await RollPumps(pair);
        long tooLarge = pair.A.GetStatistics().Drops.GetValueOrDefault(DropReason.TooLarge);
        Assert.Null(HostPair.Exchange(pair.TunA, pair.TunB, jumbo, Short));
        Assert.Equal(tooLarge + 1, pair.A.GetStatistics().Drops.GetValueOrDefault(DropReason.TooLarge));
        byte[] full = Packet(HostPair.AddressA, HostPair.AddressB, 1420 - 20, 3);
        Assert.Equal(full, HostPair.Exchange(pair.TunA, pair.TunB, full, Timeout));
    }

    /// <summary>Small packets both ways, so every pump has gone round its loop since the change.</summary>
    private static async Task RollPumps(HostPair pair)
    {
        for (int i = 0; i < 2; i++)
        {
            Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Packet(HostPair.AddressA, HostPair.AddressB, 10, 9), Timeout));
            Assert.NotNull(HostPair.Exchange(pair.TunB, pair.TunA, Packet(HostPair.AddressB, HostPair.AddressA, 10, 9), Timeout));
        }

        await Task.Yield();
    }

    /// <summary>An IPv4 packet with <paramref name="payload"/> bytes after its 20-byte header of a pattern that shows any cut or shift.</summary>
    private static byte[] Packet(IPAddress from, IPAddress to, int payload, byte seed)
    {
        byte[] data = new byte[payload];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(seed + (i * 7));
        }

        return PacketBuilder.IPv4(from, to, data);
    }
}
