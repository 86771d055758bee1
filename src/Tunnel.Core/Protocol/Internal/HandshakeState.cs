namespace Tunnel.Core.Protocol.Internal;

/// <summary>Where a peer's handshake stands. Creating a response derives the session at once, so no state follows it.</summary>
internal enum HandshakeState : byte
{
    Zeroed,
    InitiationCreated,
    InitiationConsumed,
}
