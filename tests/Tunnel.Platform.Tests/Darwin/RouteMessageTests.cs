using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Tunnel.Platform.Darwin.Internal;
using static Tunnel.Platform.Interop.Darwin.Interop;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>
/// The <c>PF_ROUTE</c> messages of the macOS adapters against golden bytes laid out by hand from xnu's
/// bsd/net/route.h (<c>rt_msghdr</c>, 92 bytes, then the socket addresses in <c>RTA_*</c> order, each rounded up
/// to 4 bytes by rtsock.c's <c>ROUNDUP32</c>), and the reader against what the kernel sends.
/// </summary>
public sealed class RouteMessageTests
{
    private static readonly string ZeroMetrics = new('0', 56 * 2);

    [Fact]
    public void AddThroughAnInterface_IsTheHeaderThenDestinationLinkAndMask()
    {
        byte[] buffer = new byte[RouteMessageWriter.MaxLength];
        int length = RouteMessageWriter.Write(buffer, RouteMessageType.Add, sequence: 1, IPNetwork.Parse("10.0.0.0/24"), gateway: null, interfaceIndex: 7, RouteFlags.Proto1);

        string expected =
            "9000" + "05" + "01" + "0000" + "0000" + // msglen 144, version 5, RTM_ADD, index 0, padding
            "01880000" + "07000000" +                // RTF_UP|RTF_STATIC|RTF_PROTO1; RTA_DST|RTA_GATEWAY|RTA_NETMASK
            "00000000" + "01000000" + "00000000" +   // pid, seq 1, errno
            "00000000" + "00000000" + ZeroMetrics +  // use, inits, rt_metrics
            "10020000" + "0a000000" + "0000000000000000" +                  // sockaddr_in 10.0.0.0
            "14120700" + "00000000" + "000000000000000000000000" +          // sockaddr_dl, index 7
            "10020000" + "ffffff00" + "0000000000000000";                   // sockaddr_in 255.255.255.0
        Assert.Equal(144, length);
        Assert.Equal(expected, Convert.ToHexStringLower(buffer, 0, length));
    }

    [Fact]
    public void HostRouteThroughAGateway_HasNoNetmask()
    {
        byte[] buffer = new byte[RouteMessageWriter.MaxLength];
        int length = RouteMessageWriter.Write(buffer, RouteMessageType.Delete, sequence: 0x0102, IPNetwork.Parse("2001:db8::1/128"), IPAddress.Parse("fe80::1"), interfaceIndex: 0, flags: 0);

        string expected =
            "9400" + "05" + "02" + "0000" + "0000" + // msglen 148, RTM_DELETE
            "07080000" + "03000000" +                // RTF_UP|RTF_GATEWAY|RTF_HOST|RTF_STATIC; RTA_DST|RTA_GATEWAY
            "00000000" + "02010000" + "00000000" + "00000000" + "00000000" + ZeroMetrics +
            "1c1e0000" + "00000000" + "20010db8000000000000000000000001" + "00000000" + // sockaddr_in6, AF_INET6 30
            "1c1e0000" + "00000000" + "fe800000000000000000000000000001" + "00000000";
        Assert.Equal(148, length);
        Assert.Equal(expected, Convert.ToHexStringLower(buffer, 0, length));
    }

    [Fact]
    public void RouteWithoutGatewayOrInterface_IsRefused()
    {
        byte[] buffer = new byte[RouteMessageWriter.MaxLength];
        Assert.Throws<ArgumentException>(() => RouteMessageWriter.Write(buffer, RouteMessageType.Add, 1, IPNetwork.Parse("10.0.0.0/8"), null, 0, 0));
        Assert.Throws<ArgumentException>(() => RouteMessageWriter.Write(buffer, RouteMessageType.Add, 1, IPNetwork.Parse("10.0.0.0/8"), IPAddress.IPv6Loopback, 0, 0));
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(1, 4)]
    [InlineData(4, 4)]
    [InlineData(5, 8)]
    [InlineData(16, 16)]
    [InlineData(20, 20)]
    [InlineData(28, 28)]
    public void SocketAddresses_AreRoundedUpToFourBytes(int length, int room)
    {
        Assert.Equal(room, RouteMessageWriter.Align(length));
    }

    [Fact]
    public void InterfaceInfo_CarriesTheIndexFlagsAndMtu()
    {
        byte[] message = InterfaceInfo(index: 9, flags: IFF_UP | IFF_RUNNING, mtu: 1380);

        Assert.True(RouteMessageReader.TryRead(message, out RouteMessage? decoded, out int length));
        Assert.Equal(112, length);
        Assert.NotNull(decoded);
        Assert.Equal(RouteMessageType.InterfaceInfo, decoded.Type);
        Assert.Equal(9, decoded.Index);
        Assert.Equal(IFF_UP | IFF_RUNNING, decoded.Flags);
        Assert.Equal(1380u, decoded.Mtu);
    }

    [Fact]
    public void KernelStyleTrimmedNetmasks_GiveThePrefixLength()
    {
        // The kernel trims a netmask's trailing zero bytes: /20 is "07 02 00 00 ff ff f0" in 8 bytes, and the
        // default route's mask is an empty address taking 4.
        byte[] slash20 = Route("10020000" + "0a100000" + "0000000000000000" + "10020000" + "c0a80101" + "0000000000000000" + "07020000" + "fffff000", addresses: 7, flags: 0x803);
        Assert.True(RouteMessageReader.TryRead(slash20, out RouteMessage? decoded, out _));
        Assert.Equal(IPNetwork.Parse("10.16.0.0/20"), decoded!.Destination);
        Assert.Equal(IPAddress.Parse("192.168.1.1"), decoded.Gateway);

        byte[] defaultRoute = Route("10020000" + "00000000" + "0000000000000000" + "10020000" + "c0a80101" + "0000000000000000" + "00000000", addresses: 7, flags: 0x803);
        Assert.True(RouteMessageReader.TryRead(defaultRoute, out decoded, out _));
        Assert.Equal(IPNetwork.Parse("0.0.0.0/0"), decoded!.Destination);
    }

    [Fact]
    public void SeveralMessagesInOneRead_AreReadInTurn_AndOtherVersionsAreSkipped()
    {
        byte[] first = InterfaceInfo(3, IFF_UP, 1500);
        byte[] other = InterfaceInfo(4, IFF_UP, 1400);
        other[2] = 4; // an older RTM_VERSION: skipped, not misread
        byte[] third = InterfaceInfo(5, 0, 9000);
        byte[] all = [.. first, .. other, .. third];

        var seen = new List<RouteMessage?>();
        ReadOnlySpan<byte> rest = all;
        while (RouteMessageReader.TryRead(rest, out RouteMessage? message, out int length))
        {
            seen.Add(message);
            rest = rest[length..];
        }

        Assert.Equal(3, seen.Count);
        Assert.Equal(3, seen[0]!.Index);
        Assert.Null(seen[1]);
        Assert.Equal(9000u, seen[2]!.Mtu);
        Assert.True(rest.IsEmpty);
    }

    [Fact]
    public void TruncatedMessages_AreNotRead()
    {
        byte[] message = InterfaceInfo(3, IFF_UP, 1500);
        Assert.False(RouteMessageReader.TryRead(message.AsSpan(0, 100), out _, out _));
        Assert.False(RouteMessageReader.TryRead(message.AsSpan(0, 3), out _, out _));
        message[0] = 2; // a length shorter than any header
        message[1] = 0;
        Assert.False(RouteMessageReader.TryRead(message, out _, out _));
    }

    [Fact]
    public void WrittenRoutes_ReadBackAsWritten()
    {
        Prop.ForAll(
            Arb.From(Gen.Elements(true, false)),
            Arb.From(Gen.Choose(0, int.MaxValue)),
            Arb.From(Gen.Elements(true, false)),
            (v4, seed, viaGateway) =>
            {
                var random = new Random(seed);
                byte[] bytes = new byte[v4 ? 4 : 16];
                random.NextBytes(bytes);
                int prefix = random.Next(0, (bytes.Length * 8) + 1);
                var network = new IPNetwork(Masked(new IPAddress(bytes), prefix), prefix);
                random.NextBytes(bytes);
                IPAddress? gateway = viaGateway ? new IPAddress(bytes) : null;
                ushort index = (ushort)random.Next(1, ushort.MaxValue);

                byte[] buffer = new byte[RouteMessageWriter.MaxLength];
                int length = RouteMessageWriter.Write(buffer, RouteMessageType.Add, seed, network, gateway, index, RouteFlags.Proto1);
                Assert.True(RouteMessageReader.TryRead(buffer.AsSpan(0, length), out RouteMessage? read, out int consumed));
                Assert.Equal(length, consumed);
                Assert.Equal(network, read!.Destination);
                Assert.Equal(gateway, read.Gateway);
                Assert.Equal(viaGateway ? 0 : index, read.GatewayInterface);
                Assert.Equal(seed, read.Sequence);
                Assert.NotEqual(0, read.Flags & RouteFlags.Proto1);
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void AnyBytes_AreReadWithoutThrowing()
    {
        Prop.ForAll<byte[]>(bytes =>
        {
            ReadOnlySpan<byte> rest = bytes;
            int guard = 0;
            while (RouteMessageReader.TryRead(rest, out _, out int length) && guard++ < 10_000)
            {
                Assert.InRange(length, 4, rest.Length);
                rest = rest[length..];
            }
        }).QuickCheckThrowOnFailure();

        // And route messages with every header field and address byte random, but a plausible length and version.
        Prop.ForAll<byte[]>(tail =>
        {
            byte[] message = new byte[Math.Min(92 + tail.Length, ushort.MaxValue)];
            tail.AsSpan(0, message.Length - 92).CopyTo(message.AsSpan(92));
            Random.Shared.NextBytes(message.AsSpan(4, 88));
            message[0] = (byte)message.Length;
            message[1] = (byte)(message.Length >> 8);
            message[2] = 5;
            message[3] = RouteMessageType.Add;
            _ = RouteMessageReader.TryRead(message, out _, out _);
        }).QuickCheckThrowOnFailure();
    }

    internal static byte[] InterfaceInfo(ushort index, int flags, uint mtu)
    {
        byte[] message = new byte[112];
        message[0] = 112;
        message[2] = 5;
        message[3] = RouteMessageType.InterfaceInfo;
        BitConverter.TryWriteBytes(message.AsSpan(8), flags);
        BitConverter.TryWriteBytes(message.AsSpan(12), index);
        BitConverter.TryWriteBytes(message.AsSpan(24), mtu);
        return message;
    }

    private static byte[] Route(string addressesHex, int addresses, int flags)
    {
        byte[] tail = Convert.FromHexString(addressesHex);
        byte[] message = new byte[92 + tail.Length];
        message[0] = (byte)message.Length;
        message[2] = 5;
        message[3] = RouteMessageType.Get;
        BitConverter.TryWriteBytes(message.AsSpan(8), flags);
        BitConverter.TryWriteBytes(message.AsSpan(12), addresses);
        tail.CopyTo(message, 92);
        return message;
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xff << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}
