namespace Tunnel.Core.Protocol.Internal;

internal enum TransmitKind : byte
{
    Initiation,
    Keepalive,
    StagedPacket,
}
