using System.Buffers.Binary;

namespace Tunnel.Core.Messages;

/// <summary>
/// The byte layout of WireGuard's four messages (whitepaper section 5.4) and the classification of a
/// received datagram by its type and exact size. Integer fields are little-endian.
/// </summary>
public static class MessageLayout
{
    /// <summary>The size of a handshake initiation.</summary>
    public const int InitiationSize = 148;

    /// <summary>The size of a handshake response.</summary>
    public const int ResponseSize = 92;

    /// <summary>The size of a cookie reply.</summary>
    public const int CookieReplySize = 64;

    /// <summary>The size of the transport data header: type, receiver index, 64-bit counter.</summary>
    public const int TransportHeaderSize = 16;

    /// <summary>The size of the Poly1305 tag that ends every encrypted field.</summary>
    public const int TagSize = 16;

    /// <summary>The smallest transport message: a header and the tag of an empty (keepalive) payload.</summary>
    public const int KeepaliveSize = TransportHeaderSize + TagSize;

    /// <summary>Transport plaintext is zero-padded to a multiple of this many bytes (whitepaper section 5.4.6).</summary>
    public const int PaddingMultiple = 16;

    // Initiation: type(4) sender(4) ephemeral(32) static(32+16) timestamp(12+16) mac1(16) mac2(16).
    internal const int InitiationSenderOffset = 4;
    internal const int InitiationBodyOffset = 8;
    internal const int InitiationBodySize = 32 + 48 + 28;
    internal const int InitiationMac1Offset = 116;
    internal const int InitiationMac2Offset = 132;

    // Response: type(4) sender(4) receiver(4) ephemeral(32) empty(0+16) mac1(16) mac2(16).
    internal const int ResponseSenderOffset = 4;
    internal const int ResponseReceiverOffset = 8;
    internal const int ResponseBodyOffset = 12;
    internal const int ResponseBodySize = 32 + 16;
    internal const int ResponseMac1Offset = 60;
    internal const int ResponseMac2Offset = 76;

    // Cookie reply: type(4) receiver(4) nonce(24) cookie(16+16).
    internal const int CookieReplyReceiverOffset = 4;
    internal const int CookieReplyNonceOffset = 8;
    internal const int CookieReplyCookieOffset = 32;

    // Transport data: type(4) receiver(4) counter(8) packet(n+16).
    internal const int TransportReceiverOffset = 4;
    internal const int TransportCounterOffset = 8;

    internal const int MacSize = 16;

    /// <summary>
    /// Classifies a datagram: its type if the first word is a known type with zero reserved bytes and the
    /// length is exactly right for it (at least <see cref="KeepaliveSize"/> for transport data), else
    /// <see cref="MessageType.Invalid"/>.
    /// </summary>
    /// <param name="datagram">A received UDP payload.</param>
    /// <returns>The message type, or <see cref="MessageType.Invalid"/>.</returns>
    public static MessageType Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < 4)
        {
            return MessageType.Invalid;
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(datagram) switch
        {
            1 when datagram.Length == InitiationSize => MessageType.HandshakeInitiation,
            2 when datagram.Length == ResponseSize => MessageType.HandshakeResponse,
            3 when datagram.Length == CookieReplySize => MessageType.CookieReply,
            4 when datagram.Length >= KeepaliveSize => MessageType.TransportData,
            _ => MessageType.Invalid,
        };
    }

    /// <summary>
    /// The plaintext length after zero padding (whitepaper section 5.4.6): up to a multiple of
    /// <see cref="PaddingMultiple"/>, but never past the MTU. As in wireguard-go, a packet longer than the
    /// MTU is padded as its last MTU-sized unit would be, and an MTU of 0 means no cap.
    /// </summary>
    /// <param name="length">The packet's length.</param>
    /// <param name="mtu">The tunnel MTU, or 0.</param>
    /// <returns>The padded length, never less than <paramref name="length"/>.</returns>
    public static int PaddedLength(int length, int mtu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegative(mtu);
        int lastUnit = mtu > 0 && length > mtu ? length % mtu : length;
        int padded = (lastUnit + PaddingMultiple - 1) & ~(PaddingMultiple - 1);
        if (mtu > 0 && padded > mtu)
        {
            padded = mtu;
        }

        return length + (padded - lastUnit);
    }

    /// <summary>The receiver index of a response, cookie reply or transport message, the key the receiver looks its session up by.</summary>
    /// <param name="message">A classified message of one of those types.</param>
    /// <param name="type">Its type.</param>
    /// <returns>The receiver index; 0 for an initiation (which has none).</returns>
    public static uint ReadReceiverIndex(ReadOnlySpan<byte> message, MessageType type) => type switch
    {
        MessageType.HandshakeResponse => BinaryPrimitives.ReadUInt32LittleEndian(message[ResponseReceiverOffset..]),
        MessageType.CookieReply => BinaryPrimitives.ReadUInt32LittleEndian(message[CookieReplyReceiverOffset..]),
        MessageType.TransportData => BinaryPrimitives.ReadUInt32LittleEndian(message[TransportReceiverOffset..]),
        _ => 0,
    };
}
