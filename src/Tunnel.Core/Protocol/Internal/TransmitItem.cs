namespace Tunnel.Core.Protocol.Internal;

/// <summary>A datagram the device owes a peer; its bytes are written only when the driver asks for it.</summary>
internal readonly record struct TransmitItem(Peer Peer, TransmitKind Kind);
