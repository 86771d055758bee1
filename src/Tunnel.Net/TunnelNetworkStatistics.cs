namespace Tunnel.Net;

/// <summary>What a <see cref="TunnelNetwork"/>'s stack has received, sent and dropped.</summary>
/// <param name="PacketsReceived">Packets from the tunnel the stack consumed.</param>
/// <param name="PacketsSent">Packets the stack queued for the tunnel.</param>
/// <param name="Dropped">Inbound packets dropped, by reason; reasons with none are absent.</param>
/// <param name="TcpConnections">TCP connections the stack holds, in any state.</param>
/// <param name="TcpBufferBytes">Bytes the TCP connections' buffers hold now, within <see cref="TunnelNetworkOptions.TcpMemoryLimit"/>.</param>
public sealed record TunnelNetworkStatistics(long PacketsReceived, long PacketsSent, IReadOnlyDictionary<PacketDropReason, long> Dropped, int TcpConnections, long TcpBufferBytes);
