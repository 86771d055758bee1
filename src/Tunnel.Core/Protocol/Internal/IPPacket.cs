using System.Buffers.Binary;

namespace Tunnel.Core.Protocol.Internal;

/// <summary>The few IPv4 and IPv6 header fields cryptokey routing reads.</summary>
internal static class IPPacket
{
    internal const int IPv4HeaderSize = 20;
    internal const int IPv6HeaderSize = 40;

    /// <summary>The destination address of an outgoing packet: 4 or 16 bytes, or empty when the packet is not IP.</summary>
    internal static ReadOnlySpan<byte> Destination(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return default;
        }

        return (packet[0] >> 4) switch
        {
            4 when packet.Length >= IPv4HeaderSize => packet.Slice(16, 4),
            6 when packet.Length >= IPv6HeaderSize => packet.Slice(24, 16),
            _ => default,
        };
    }

    /// <summary>
    /// Reads a decrypted packet's real length (its padding follows it) and its source address; false when
    /// the header is not a well-formed IPv4 or IPv6 header or claims more bytes than arrived.
    /// </summary>
    internal static bool TryReadIncoming(ReadOnlySpan<byte> plaintext, out int length, out ReadOnlySpan<byte> source)
    {
        length = 0;
        source = default;
        if (plaintext.IsEmpty)
        {
            return false;
        }

        switch (plaintext[0] >> 4)
        {
            case 4 when plaintext.Length >= IPv4HeaderSize:
                length = BinaryPrimitives.ReadUInt16BigEndian(plaintext[2..]);
                if (length < IPv4HeaderSize || length > plaintext.Length)
                {
                    return false;
                }

                source = plaintext.Slice(12, 4);
                return true;

            case 6 when plaintext.Length >= IPv6HeaderSize:
                length = IPv6HeaderSize + BinaryPrimitives.ReadUInt16BigEndian(plaintext[4..]);
                if (length > plaintext.Length)
                {
                    return false;
                }

                source = plaintext.Slice(8, 16);
                return true;

            default:
                return false;
        }
    }
}
