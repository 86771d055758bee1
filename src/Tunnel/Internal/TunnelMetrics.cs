using System.Diagnostics.Metrics;
using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>
/// The <c>Tunnel</c> meter's instruments. They are observable: a listener's collection reads the engine's
/// totals, so the data path pays nothing per packet for metrics, listened to or not.
/// </summary>
internal sealed class TunnelMetrics : IDisposable
{
    public const string MeterName = "Tunnel";

    private static readonly DropReason[] s_reasons = Enum.GetValues<DropReason>().Where(reason => reason != DropReason.None).ToArray();

    private readonly Meter _meter;

    public TunnelMetrics(DeviceEngine engine, IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        EngineCounters counters = engine.Counters;
        var face = new KeyValuePair<string, object?>("tunnel.interface", engine.Name);
        var transmit = new KeyValuePair<string, object?>("tunnel.direction", "transmit");
        var receive = new KeyValuePair<string, object?>("tunnel.direction", "receive");

        _meter.CreateObservableCounter("tunnel.datagrams", () => new[]
        {
            new Measurement<long>(Volatile.Read(ref counters.PacketsSent), face, transmit),
            new Measurement<long>(Volatile.Read(ref counters.PacketsReceived), face, receive),
        }, "{datagram}", "UDP datagrams carrying WireGuard messages");
        _meter.CreateObservableCounter("tunnel.bytes", () => new[]
        {
            new Measurement<long>(Volatile.Read(ref counters.BytesSent), face, transmit),
            new Measurement<long>(Volatile.Read(ref counters.BytesReceived), face, receive),
        }, "By", "UDP payload bytes carrying WireGuard messages");
        _meter.CreateObservableCounter("tunnel.packets", () => new[]
        {
            new Measurement<long>(Volatile.Read(ref counters.TunnelPacketsRead), face, transmit),
            new Measurement<long>(Volatile.Read(ref counters.TunnelPacketsWritten), face, receive),
        }, "{packet}", "IP packets read from and written to the TUN device");
        _meter.CreateObservableCounter("tunnel.handshakes", () => new Measurement<long>(Volatile.Read(ref counters.Handshakes), face), "{handshake}", "Handshakes completed");
        _meter.CreateObservableCounter("tunnel.drops", () => s_reasons.Select(reason =>
            new Measurement<long>(engine.GetDropCount(reason), face, new KeyValuePair<string, object?>("tunnel.drop.reason", reason.ToString()))),
            "{packet}", "Packets and datagrams dropped, by reason");
    }

    public void Dispose() => _meter.Dispose();
}
