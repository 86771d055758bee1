using System.Buffers.Binary;
using Tunnel.Core.Checksums;

namespace Tunnel.Net.Packets;

/// <summary>ICMP and ICMPv6 echo messages (RFC 792, RFC 4443 section 4): type, code, checksum, identifier, sequence, data.</summary>
internal static class IcmpEcho
{
    public const int HeaderLength = 8;
    public const byte RequestV4 = 8;
    public const byte ReplyV4 = 0;
    public const byte RequestV6 = 128;
    public const byte ReplyV6 = 129;

    /// <summary>Reads an echo message out of an IP packet's transport bytes, checking its checksum.</summary>
    /// <returns>Whether it is a well-formed echo request or reply.</returns>
    public static bool TryRead(in IPPacket packet, out bool isRequest, out ushort identifier, out ushort sequence, out PacketDropReason reason)
    {
        isRequest = false;
        identifier = sequence = 0;
        ReadOnlySpan<byte> message = packet.Transport;
        if (message.Length < HeaderLength)
        {
            reason = PacketDropReason.Malformed;
            return false;
        }

        if (!InternetChecksum.IsValid(Sum(packet.IsIPv6, packet.Source, packet.Destination, message)))
        {
            reason = PacketDropReason.BadChecksum;
            return false;
        }

        byte type = message[0];
        (byte request, byte reply) = packet.IsIPv6 ? (RequestV6, ReplyV6) : (RequestV4, ReplyV4);
        if ((type != request && type != reply) || message[1] != 0)
        {
            reason = PacketDropReason.UnsupportedProtocol;
            return false;
        }

        isRequest = type == request;
        identifier = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        sequence = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        reason = PacketDropReason.None;
        return true;
    }

    /// <summary>Writes an echo message with <paramref name="data"/> into <paramref name="message"/> and sets its checksum.</summary>
    /// <returns>The message's length.</returns>
    public static int Write(Span<byte> message, bool isIPv6, bool isRequest, ushort identifier, ushort sequence, ReadOnlySpan<byte> data, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        int length = HeaderLength + data.Length;
        message[0] = isIPv6 ? (isRequest ? RequestV6 : ReplyV6) : (isRequest ? RequestV4 : ReplyV4);
        message[1] = 0;
        message[2] = message[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], sequence);
        data.CopyTo(message[HeaderLength..]);
        InternetChecksum.Store(message, 2, InternetChecksum.Complement(Sum(isIPv6, source, destination, message[..length])));
        return length;
    }

    /// <summary>ICMP's sum covers the message alone; ICMPv6's also the pseudo-header (RFC 4443 section 2.3).</summary>
    private static ulong Sum(bool isIPv6, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> message) => isIPv6
        ? InternetChecksum.Add(message, InternetChecksum.PseudoHeader(source, destination, IPProtocol.IcmpV6, message.Length))
        : InternetChecksum.Add(message);
}
