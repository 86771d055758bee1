namespace Tunnel.Core.Protocol.Internal;

/// <summary>Where a peer's handshake stands, as wireguard-go's handshakeState.</summary>
internal enum HandshakeState : byte
{
    Zeroed,
    InitiationCreated,
    InitiationConsumed,
    ResponseCreated,
}
