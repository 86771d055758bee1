using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Tests.Support;
using Tunnel.Net.Stack;
using Tunnel.Testing;

namespace Tunnel.Net.Tests;

/// <summary>
/// The sans-IO stack: echo requests to its addresses answered, datagrams handed to the bound port, what it sends
/// well-formed and bounded, and every inbound packet either consumed or dropped and counted by its reason.
/// </summary>
public sealed class NetworkStackTests
{
    private static readonly IPAddress[] Ours = [IPAddress.Parse("10.0.0.2"), IPAddress.Parse("fd00::2")];

    [Fact]
    public void AnEchoRequestToUs_IsAnsweredWithTheReplyBytes_OverIPv4AndIPv6()
    {
        var stack = new NetworkStack(Ours, 1420, 16, 0);

        Assert.Equal(PacketDropReason.None, stack.Deliver(PacketTests.Echo4Request));
        Assert.Equal(PacketDropReason.None, stack.Deliver(PacketTests.Echo6Request));

        Assert.Equal(Convert.ToHexString(PacketTests.Echo4Reply), Convert.ToHexString(Take(stack)));
        Assert.Equal(Convert.ToHexString(PacketTests.Echo6Reply), Convert.ToHexString(Take(stack)));
        Assert.Equal(2, stack.PacketsReceived);
        Assert.Equal(2, stack.PacketsSent);
    }

    [Fact]
    public void AnEchoRequestToAnotherAddress_IsNotForUs_AndNotAnswered()
    {
        var stack = new NetworkStack([IPAddress.Parse("10.0.0.9")], 1420, 16, 0);

        Assert.Equal(PacketDropReason.NotForUs, stack.Deliver(PacketTests.Echo4Request));
        Assert.Equal(0, stack.Outbound.Count);
        Assert.Equal(1, stack.Dropped(PacketDropReason.NotForUs));
    }

    [Fact]
    public void EchoReplies_GoToTheirReceiver_AndWithoutOneAreDropped()
    {
        var stack = new NetworkStack([IPAddress.Parse("10.0.0.1")], 1420, 16, 0);
        Assert.Equal(PacketDropReason.UnsupportedProtocol, stack.Deliver(PacketTests.Echo4Reply));

        var replies = new Replies();
        stack.EchoReplies = replies;
        Assert.Equal(PacketDropReason.None, stack.Deliver(PacketTests.Echo4Reply));
        Assert.Equal([("10.0.0.2", (ushort)0x1234, (ushort)1)], replies.Seen);
    }

    [Fact]
    public void ADatagram_GoesToItsPort_ElseNoListener_AndAFullReceiverDropsIt()
    {
        var stack = new NetworkStack([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")], 1420, 16, 0);
        Assert.Equal(PacketDropReason.NoListener, stack.Deliver(PacketTests.Udp4));

        var receiver = new Receiver();
        Assert.Equal(53, stack.BindUdp(53, receiver));
        Assert.Equal(0, stack.BindUdp(53, new Receiver())); // taken
        Assert.Equal(PacketDropReason.None, stack.Deliver(PacketTests.Udp4));
        Assert.Equal(PacketDropReason.None, stack.Deliver(PacketTests.Udp6));
        Assert.Equal([("10.0.0.2", (ushort)5353, "hello"), ("fd00::2", (ushort)5353, "hello")], receiver.Seen);

        receiver.Full = true;
        Assert.Equal(PacketDropReason.QueueFull, stack.Deliver(PacketTests.Udp4));
        stack.UnbindUdp(53, receiver);
        Assert.Equal(PacketDropReason.NoListener, stack.Deliver(PacketTests.Udp4));
        Assert.Equal(2, stack.Dropped(PacketDropReason.NoListener));
    }

    [Fact]
    public void SendingADatagram_GivesTheBytesAPeerWouldCheck()
    {
        var stack = new NetworkStack([IPAddress.Parse("10.0.0.2")], 1420, 16, 0);

        Assert.Equal(SendResult.Sent, stack.SendUdp(5353, IPAddress.Parse("10.0.0.1").GetAddressBytes(), 53, "hello"u8));

        Assert.Equal(Convert.ToHexString(PacketTests.Udp4), Convert.ToHexString(Take(stack)));
    }

    [Fact]
    public void Sending_IsBounded_ByTheMtu_TheQueue_AndTheInterfacesFamilies()
    {
        var stack = new NetworkStack([IPAddress.Parse("10.0.0.2")], 1280, 2, 0);
        byte[] to = IPAddress.Parse("10.0.0.1").GetAddressBytes();

        Assert.Equal(SendResult.TooLarge, stack.SendUdp(1, to, 2, new byte[1280 - 20 - 8 + 1]));
        Assert.Equal(SendResult.Sent, stack.SendUdp(1, to, 2, new byte[1280 - 20 - 8]));
        Assert.Equal(SendResult.Sent, stack.SendEchoRequest(to, 1, 1, []));
        Assert.Equal(SendResult.QueueFull, stack.SendUdp(1, to, 2, []));
        Assert.Equal(SendResult.NoSourceAddress, stack.SendUdp(1, IPAddress.Parse("fd00::1").GetAddressBytes(), 2, []));
        Assert.Equal(1280, Take(stack).Length);
    }

    [Fact]
    public void EphemeralPorts_AreFreeOnes_InTheEphemeralRange_AndWrapAround()
    {
        var stack = new NetworkStack(Ours, 1420, 4, ushort.MaxValue - NetworkStack.FirstEphemeralPort); // starts at 65535
        var receiver = new Receiver();
        Assert.Equal(NetworkStack.FirstEphemeralPort, stack.BindUdp(NetworkStack.FirstEphemeralPort, receiver)); // taken explicitly

        Assert.Equal(ushort.MaxValue, stack.BindUdp(0, receiver));
        Assert.Equal(NetworkStack.FirstEphemeralPort + 1, stack.BindUdp(0, receiver)); // 49152 skipped: in use
    }

    [Property(MaxTest = 300)]
    public Property AnyBytes_AreConsumedOrDroppedAndCounted_NeverThrown(byte[] bytes, bool asIPv4)
    {
        var stack = new NetworkStack(Ours, 1420, 4, 0);
        stack.BindUdp(53, new Receiver());
        if (bytes.Length > 0)
        {
            bytes[0] = (byte)((asIPv4 ? 0x40 : 0x60) | (bytes[0] & 0x0F));
        }

        PacketDropReason reason = stack.Deliver(bytes);

        long dropped = Enum.GetValues<PacketDropReason>().Sum(stack.Dropped);
        return (stack.PacketsReceived + dropped == 1).Label($"{reason}");
    }

    [Fact]
    public void AnsweringAPing_AllocatesNothing()
    {
        var stack = new NetworkStack(Ours, 1420, 16, 0);
        var buffer = new byte[1500];

        long allocated = Allocations.Fewest(() =>
        {
            stack.Deliver(PacketTests.Echo6Request);
            stack.Outbound.Dequeue(buffer);
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void AFloodOfForgedFragmentationNeeded_IsDroppedAndCounted_AllocatingNothing()
    {
        var stack = new NetworkStack(Ours, 1420, 16, 0);
        // It quotes a TCP packet of ours to a peer we have no connection with.
        byte[] quoted = PacketBuilder.IPv4(Ours[0], IPAddress.Parse("10.0.0.9"), new byte[20], protocol: 6);
        var message = new byte[8 + 28];
        message[0] = 3;
        message[1] = 4;
        message[7] = 0x40; // next-hop MTU 576
        message[6] = 0x02;
        quoted.AsSpan(0, 28).CopyTo(message.AsSpan(8));
        ushort checksum = PacketBuilder.HeaderChecksum(message);
        message[2] = (byte)(checksum >> 8);
        message[3] = (byte)checksum;
        byte[] forged = PacketBuilder.IPv4(IPAddress.Parse("10.0.0.254"), Ours[0], message, protocol: 1);

        long allocated = Allocations.Fewest(() => stack.Deliver(forged));

        Assert.Equal(0, allocated);
        Assert.True(stack.Dropped(PacketDropReason.NotForUs) > 0);
        Assert.Equal(0, stack.Outbound.Count);
    }

    private static byte[] Take(NetworkStack stack)
    {
        var buffer = new byte[stack.Mtu];
        int length = stack.Outbound.Dequeue(buffer);
        Assert.True(length > 0, "nothing was queued");
        return buffer.AsSpan(0, length).ToArray();
    }

    private sealed class Replies : IEchoReplyReceiver
    {
        public List<(string, ushort, ushort)> Seen { get; } = [];

        public void OnEchoReply(ReadOnlySpan<byte> source, ushort identifier, ushort sequence) => Seen.Add((new IPAddress(source).ToString(), identifier, sequence));
    }

    private sealed class Receiver : IDatagramReceiver
    {
        public List<(string, ushort, string)> Seen { get; } = [];

        public bool Full { get; set; }

        public bool TryReceive(ReadOnlySpan<byte> source, ushort sourcePort, ReadOnlySpan<byte> payload)
        {
            if (Full)
            {
                return false;
            }

            Seen.Add((new IPAddress(source).ToString(), sourcePort, System.Text.Encoding.ASCII.GetString(payload)));
            return true;
        }
    }
}
