namespace Tunnel.Net;

/// <summary>What a <see cref="TunnelNetwork"/>'s stack has received, sent and dropped.</summary>
/// <param name="PacketsReceived">Packets from the tunnel the stack consumed.</param>
/// <param name="PacketsSent">Packets the stack queued for the tunnel.</param>
/// <param name="Dropped">Inbound packets dropped, by reason; reasons with none are absent.</param>
public sealed record TunnelNetworkStatistics(long PacketsReceived, long PacketsSent, IReadOnlyDictionary<PacketDropReason, long> Dropped);
