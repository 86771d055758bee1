using System.Diagnostics.Metrics;
using System.Net;
using Tunnel.Core.Protocol;
using Tunnel.Testing;

namespace Tunnel.Tests.Hosting;

public sealed class TunnelMetricsTests
{
    [Fact]
    public async Task TheTunnelMeter_ReportsDatagramsBytesPacketsHandshakesAndDropsByReason()
    {
        await using var pair = HostPair.StartInMemory(nameA: "tun-metrics");
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, PacketBuilder.IPv4(HostPair.AddressA, HostPair.AddressB, new byte[100]), TimeSpan.FromSeconds(10)));
        // A packet A cannot route: dropped with NoRoute.
        Assert.True(pair.TunA.TryInject(PacketBuilder.IPv4(HostPair.AddressA, IPAddress.Parse("10.9.9.9"), new byte[10]), TimeSpan.FromSeconds(1)));
        await HostPair.WaitUntil(() => pair.A.GetStatistics().Drops.ContainsKey(DropReason.NoRoute));

        var measurements = new List<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Tunnel")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(tag => tag.Key, tag => tag.Value))));
        listener.Start();
        listener.RecordObservableInstruments();

        IEnumerable<(string Instrument, long Value, Dictionary<string, object?> Tags)> OfA(string name) =>
            measurements.Where(m => m.Instrument == name && (string?)m.Tags["tunnel.interface"] == "tun-metrics");

        TunnelStatistics statistics = pair.A.GetStatistics();
        Assert.Equal(statistics.DatagramsSent, OfA("tunnel.datagrams").Single(m => (string?)m.Tags["tunnel.direction"] == "transmit").Value);
        Assert.Equal(statistics.BytesReceived, OfA("tunnel.bytes").Single(m => (string?)m.Tags["tunnel.direction"] == "receive").Value);
        Assert.Equal(2, OfA("tunnel.packets").Single(m => (string?)m.Tags["tunnel.direction"] == "transmit").Value);
        Assert.Equal(1, OfA("tunnel.handshakes").Single().Value);
        Assert.Equal(1, OfA("tunnel.drops").Single(m => (string?)m.Tags["tunnel.drop.reason"] == nameof(DropReason.NoRoute)).Value);
    }
}
