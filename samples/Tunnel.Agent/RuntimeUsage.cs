using System.Diagnostics;
using System.Globalization;

namespace Tunnel.Agent;

/// <summary>
/// What a run cost the .NET runtime: garbage collections per generation and bytes allocated, from start to
/// stop, beside the packets moved and the AEAD implementation that moved them. Live, the same figures are on the runtime's own <c>System.Runtime</c>
/// meter (<c>dotnet.gc.collections</c>, <c>dotnet.gc.heap.total_allocated</c>) for any metrics listener.
/// </summary>
internal sealed class RuntimeUsage
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly long _allocated = GC.GetTotalAllocatedBytes(precise: true);
    private readonly int[] _collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    public static RuntimeUsage Start() => new();

    public string Describe(TunnelStatistics statistics, int cryptoHelpers)
    {
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - _allocated;
        long packets = statistics.TunnelPacketsRead + statistics.TunnelPacketsWritten;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Ran {Stopwatch.GetElapsedTime(_started).TotalSeconds:F1} s: GC collections gen0 {GC.CollectionCount(0) - _collections[0]}, gen1 {GC.CollectionCount(1) - _collections[1]}, gen2 {GC.CollectionCount(2) - _collections[2]}; {allocated:N0} bytes allocated; {statistics.TunnelPacketsRead:N0} packets read from the TUN and {statistics.TunnelPacketsWritten:N0} written, {statistics.DatagramsSent:N0} datagrams sent and {statistics.DatagramsReceived:N0} received ({(packets == 0 ? 0 : (double)allocated / packets):F3} bytes allocated per packet). ChaCha20-Poly1305: {Tunnel.Core.Crypto.AeadBackend.Current}. Crypto helper threads: {cryptoHelpers}. Drops: {DescribeDrops(statistics)}.");
    }

    /// <summary>Each drop reason with its count, or "none": a flood or a misconfiguration shows here by reason.</summary>
    private static string DescribeDrops(TunnelStatistics statistics) =>
        statistics.Drops.Count == 0
            ? "none"
            : string.Join(", ", statistics.Drops.OrderBy(drop => drop.Key).Select(drop => string.Create(CultureInfo.InvariantCulture, $"{drop.Key} {drop.Value}")));
}
