using System.Net;
using Tunnel.Net;
using Tunnel.Net.Packets;
using Tunnel.Net.Stack;
using Tunnel.Net.Tcp;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// The in-process stack's inbound path, as a peer's decrypted packets reach it: IPv4 and IPv6 (with extension
/// headers), ICMP and ICMPv6 echo and "too big", UDP, TCP (a listening port and a closed one). Every input is consumed
/// or dropped and counted, never thrown; an echo request that is answered yields a reply that parses, verifies and
/// carries the request's identifier and sequence back; a datagram handed to a port lies within the input; whatever
/// the stack sends in answer (a reply, a SYN-ACK, a reset) is a well-formed packet whose checksums verify.
/// </summary>
internal sealed class IPPacketTarget : IFuzzTarget
{
    private static readonly IPAddress[] Addresses = [IPAddress.Parse("10.0.0.2"), IPAddress.Parse("fd00::2")];
    private readonly byte[] _reply = new byte[1500];

    public string Name => "ip-packet";

    public void Run(ReadOnlySpan<byte> data)
    {
        var stack = new NetworkStack(Addresses, 1500, 4, 0);
        var receiver = new Receiver();
        stack.BindUdp(53, receiver);
        stack.Listen(80, new Listener());

        bool parsed = IPPacket.TryParse(data, out IPPacket packet, out PacketDropReason parseReason);
        Require(parsed == (parseReason == PacketDropReason.None), "a parse result that disagrees with its reason");
        bool isEchoRequest = parsed && data.Length <= stack.Mtu && stack.IsLocal(packet.Destination)
            && packet.Protocol == (packet.IsIPv6 ? IPProtocol.IcmpV6 : IPProtocol.Icmp)
            && IcmpEcho.TryRead(packet, out bool request, out _, out _, out _) && request;
        ushort identifier = 0, sequence = 0;
        if (isEchoRequest)
        {
            IcmpEcho.TryRead(packet, out _, out identifier, out sequence, out _);
        }

        PacketDropReason reason = stack.Deliver(data);

        long dropped = Enum.GetValues<PacketDropReason>().Sum(stack.Dropped);
        Require(stack.PacketsReceived + dropped == 1, "a packet neither consumed nor counted as dropped");
        Require(reason != PacketDropReason.None || parsed, "a packet consumed that does not parse");
        Require(receiver.Count <= 1 && (receiver.Count == 0 || receiver.Length <= data.Length), "a datagram larger than its packet");
        if (isEchoRequest)
        {
            int length = stack.Outbound.Dequeue(_reply);
            Require(length > 0, "an echo request to us not answered");
            Require(IPPacket.TryParse(_reply.AsSpan(0, length), out IPPacket answer, out _), "our echo reply does not parse");
            Require(IcmpEcho.TryRead(answer, out bool isRequest, out ushort replyIdentifier, out ushort replySequence, out _) && !isRequest, "our echo reply is not a verified reply");
            Require(replyIdentifier == identifier && replySequence == sequence, "our echo reply changed the identifier or sequence");
        }

        int sent;
        while ((sent = stack.Outbound.Dequeue(_reply)) > 0)
        {
            Require(IPPacket.TryParse(_reply.AsSpan(0, sent), out IPPacket answer, out _), "a packet we sent does not parse");
            Require(answer.Protocol == IPProtocol.Tcp, "something other than TCP sent for a packet that is not an echo request to us");
            Require(TcpSegment.TryRead(answer, out TcpSegment segment, out _), "a TCP segment we sent does not verify");
            Require(segment.Has(TcpFlags.Rst) || segment.Has(TcpFlags.Syn | TcpFlags.Ack) || segment.Has(TcpFlags.Ack), "a TCP segment we sent is neither a reset, a SYN-ACK nor an ACK");
        }
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(what);
        }
    }

    private sealed class Listener : ITcpListener
    {
        public bool CanAccept => true;

        public void OnHandshakeStarted(TcpConnection connection)
        {
        }

        public void OnHandshakeEnded(TcpConnection connection, bool established)
        {
        }
    }

    private sealed class Receiver : IDatagramReceiver
    {
        public int Count { get; private set; }

        public int Length { get; private set; }

        public bool TryReceive(ReadOnlySpan<byte> source, ushort sourcePort, ReadOnlySpan<byte> payload)
        {
            Count++;
            Length = payload.Length;
            return true;
        }
    }
}
