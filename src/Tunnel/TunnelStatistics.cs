using Tunnel.Core.Protocol;
using Tunnel.Internal;

namespace Tunnel;

/// <summary>Totals of a <see cref="TunnelHost"/> since it started.</summary>
public sealed record TunnelStatistics
{
    /// <summary>UDP datagrams sent: transport messages, handshakes, cookie replies, keepalives.</summary>
    public long DatagramsSent { get; init; }

    /// <summary>Bytes of those datagrams (UDP payload).</summary>
    public long BytesSent { get; init; }

    /// <summary>UDP datagrams received, valid or not.</summary>
    public long DatagramsReceived { get; init; }

    /// <summary>Bytes of those datagrams (UDP payload).</summary>
    public long BytesReceived { get; init; }

    /// <summary>IP packets read from the TUN device.</summary>
    public long TunnelPacketsRead { get; init; }

    /// <summary>IP packets written to the TUN device.</summary>
    public long TunnelPacketsWritten { get; init; }

    /// <summary>Handshakes completed, as initiator or responder.</summary>
    public long Handshakes { get; init; }

    /// <summary>Packets and datagrams dropped, by reason; reasons with no drops are left out.</summary>
    public IReadOnlyDictionary<DropReason, long> Drops { get; init; } = new Dictionary<DropReason, long>();

    internal static TunnelStatistics Read(DeviceEngine engine)
    {
        EngineCounters counters = engine.Counters;
        var drops = new Dictionary<DropReason, long>();
        foreach (DropReason reason in Enum.GetValues<DropReason>())
        {
            if (reason != DropReason.None && engine.GetDropCount(reason) is > 0 and var count)
            {
                drops[reason] = count;
            }
        }

        return new TunnelStatistics
        {
            DatagramsSent = Volatile.Read(ref counters.PacketsSent),
            BytesSent = Volatile.Read(ref counters.BytesSent),
            DatagramsReceived = Volatile.Read(ref counters.PacketsReceived),
            BytesReceived = Volatile.Read(ref counters.BytesReceived),
            TunnelPacketsRead = Volatile.Read(ref counters.TunnelPacketsRead),
            TunnelPacketsWritten = Volatile.Read(ref counters.TunnelPacketsWritten),
            Handshakes = Volatile.Read(ref counters.Handshakes),
            Drops = drops,
        };
    }
}
