namespace Tunnel.Core.Messages;

/// <summary>
/// The type of a WireGuard message (whitepaper section 5.4): the first byte, followed by three reserved
/// zero bytes, so implementations read it as a 32-bit little-endian word.
/// </summary>
public enum MessageType : byte
{
    /// <summary>Not a WireGuard message: bad type, non-zero reserved bytes, or a wrong size.</summary>
    Invalid = 0,

    /// <summary>Handshake initiation, 148 bytes.</summary>
    HandshakeInitiation = 1,

    /// <summary>Handshake response, 92 bytes.</summary>
    HandshakeResponse = 2,

    /// <summary>Cookie reply, 64 bytes.</summary>
    CookieReply = 3,

    /// <summary>Transport data: a 16-byte header, then at least a 16-byte tag (a keepalive is exactly 32 bytes).</summary>
    TransportData = 4,
}
