namespace Tunnel.Core.Protocol;

/// <summary>What the driver does with the bytes a <see cref="Device"/> call wrote.</summary>
public enum PacketAction : byte
{
    /// <summary>Nothing to send or deliver (a keepalive arrived, a handshake completed, a cookie was stored).</summary>
    None,

    /// <summary>Send the bytes as one UDP datagram to <see cref="PacketResult.Endpoint"/>.</summary>
    WriteToNetwork,

    /// <summary>Write the bytes (one IP packet) to the TUN device.</summary>
    WriteToTunnel,

    /// <summary>The packet waits inside the core for a handshake; it comes out later through <see cref="Device.TryDequeueTransmit(Span{byte}, TimeSpan, out PacketResult)"/>.</summary>
    Queued,

    /// <summary>The input was dropped; <see cref="PacketResult.DropReason"/> says why.</summary>
    Drop,

    /// <summary>
    /// From <see cref="Device.PrepareDecapsulate"/>: a transport message matched a session; run its
    /// <see cref="OpenJob"/>, then pass it to <see cref="Device.CompleteDecapsulate"/>.
    /// <see cref="PacketResult.Length"/> is the plaintext length.
    /// </summary>
    Open,

    /// <summary>
    /// From <see cref="Device.PrepareHandshake"/> or <see cref="Device.ContinueHandshake"/>: a handshake message
    /// passed its checks and has Diffie-Hellman work to do; run its <see cref="HandshakeJob"/> (on any thread,
    /// without the device's lock), then pass it to <see cref="Device.ContinueHandshake"/>.
    /// </summary>
    Handshake,
}
