namespace Tunnel.Internal;

/// <summary>Totals the pumps add to once per batch (never per packet), read by metrics and statistics.</summary>
internal sealed class EngineCounters
{
    public long PacketsSent;
    public long BytesSent;
    public long PacketsReceived;
    public long BytesReceived;
    public long TunnelPacketsRead;
    public long TunnelPacketsWritten;
    public long Handshakes;

    public static void Add(ref long counter, long value)
    {
        if (value != 0)
        {
            Interlocked.Add(ref counter, value);
        }
    }
}
