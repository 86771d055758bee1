using System.Net;
using Microsoft.Extensions.Time.Testing;
using Tunnel.Core.Crypto;
using Tunnel.Testing;

namespace Tunnel.Tests.Hosting;

/// <summary>
/// The engine's timers on a <see cref="FakeTimeProvider"/>: minutes of protocol time (retries, keepalives, key
/// expiry) pass in milliseconds, and each timer fires exactly when the core's deadline says, from the one
/// timer the engine arms.
/// </summary>
public sealed class TunnelHostTimerTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Moves fake time forward a step at a time (steps shorter than the gap between any two timers that
    /// answer each other), letting the pair settle after each (every datagram sent has
    /// been received and answered), so the clock never runs ahead of the engines' threads: a reply that the
    /// protocol expects within seconds arrives within those seconds of fake time, as it would on a network.
    /// </summary>
    private static async Task AdvanceAsync(FakeTimeProvider time, HostPair pair, TimeSpan by, TimeSpan step)
    {
        for (TimeSpan passed = TimeSpan.Zero; passed < by; passed += step)
        {
            time.Advance(step);
            await SettleAsync(pair);
        }
    }

    private static async Task SettleAsync(HostPair pair)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        (long, long, long, long) last = default;
        int stable = 0;
        while (stable < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the pair did not settle");
            TunnelStatistics a = pair.A.GetStatistics(), b = pair.B.GetStatistics();
            var now = (a.DatagramsSent, b.DatagramsReceived, b.DatagramsSent, a.DatagramsReceived);
            stable = now.Item1 == now.Item2 && now.Item3 == now.Item4 && now == last ? stable + 1 : 0;
            last = now;
            await Task.Delay(1, Ct);
        }
    }

    [Fact]
    public async Task AnUnansweredPeer_Gets18Initiations_AboutFiveSecondsApart_ThenTheHostGivesUp()
    {
        var time = new FakeTimeProvider();
        var network = new InMemoryNetwork(); // nothing listens at 192.0.2.2: every datagram A sends is lost
        var tun = new InMemoryTunDevice("timer-a");
        PrivateKey key = HostPair.NewKey(new DeterministicEntropy(61)), peer = HostPair.NewKey(new DeterministicEntropy(62));
        await using var host = new TunnelHost(
            new TunnelOptions
            {
                PrivateKey = key,
                Peers = [new TunnelPeerOptions { PublicKey = peer.GetPublicKey(), Endpoint = IPEndPoint.Parse("192.0.2.2:51820"), AllowedIps = [IPNetwork.Parse("10.0.0.2/32")] }],
            },
            tun,
            network.CreateSocketFactory(IPAddress.Parse("192.0.2.1")),
            timeProvider: time);
        host.Start();
        await using IAsyncEnumerator<TunnelPeerEvent> events = host.WatchAsync(Ct).GetAsyncEnumerator(Ct);
        ValueTask<bool> firstEvent = events.MoveNextAsync();
        await Task.Delay(100, Ct); // the watch is registered on its first MoveNextAsync

        Assert.True(tun.TryInject(PacketBuilder.IPv4(HostPair.AddressA, HostPair.AddressB, [1]), TimeSpan.FromSeconds(5)));
        await HostPair.WaitUntil(() => network.LostDatagrams == 1);

        var sentAt = new List<TimeSpan> { TimeSpan.Zero };
        for (TimeSpan passed = TimeSpan.Zero; passed < TimeSpan.FromSeconds(100); passed += Step)
        {
            time.Advance(Step);
            if (network.LostDatagrams > sentAt.Count)
            {
                sentAt.Add(passed + Step);
            }
        }

        Assert.Equal(18, sentAt.Count);
        for (int i = 1; i < sentAt.Count; i++)
        {
            Assert.InRange((sentAt[i] - sentAt[i - 1]).TotalMilliseconds, 5000, 5334 + Step.TotalMilliseconds);
        }

        Assert.True(await firstEvent.AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(TunnelPeerEventKind.HandshakeGaveUp, events.Current.Kind);
        Assert.Equal(peer.GetPublicKey(), events.Current.PublicKey);
        Assert.Equal(1, host.GetStatistics().Drops.GetValueOrDefault(Tunnel.Core.Protocol.DropReason.HandshakeGaveUp));
    }

    [Fact]
    public async Task APeerAddedLive_WithAKeepalive_RetriesItsUnansweredInitiation_AfterRekeyTimeout()
    {
        // The change sends an initiation at once; its retry timer must be armed too, not left to the next packet.
        var time = new FakeTimeProvider();
        var network = new InMemoryNetwork(); // nothing listens at 192.0.2.2
        var entropy = new DeterministicEntropy(81);
        PrivateKey key = HostPair.NewKey(entropy), peer = HostPair.NewKey(entropy);
        await using var host = new TunnelHost(new TunnelOptions { PrivateKey = key }, new InMemoryTunDevice("live-a"), network.CreateSocketFactory(IPAddress.Parse("192.0.2.1")), timeProvider: time);
        host.Start();

        host.SetPeer(new TunnelPeerOptions { PublicKey = peer.GetPublicKey(), Endpoint = IPEndPoint.Parse("192.0.2.2:51820"), AllowedIps = [IPNetwork.Parse("10.0.0.2/32")], PersistentKeepalive = TimeSpan.FromSeconds(25) });
        await HostPair.WaitUntil(() => network.LostDatagrams == 1);

        for (int step = 0; step < 60 && network.LostDatagrams < 2; step++)
        {
            time.Advance(Step);
            await Task.Delay(1, Ct);
        }

        Assert.Equal(2, network.LostDatagrams); // the retry came within 5.334 s plus a step, not with the keepalive at 25 s
    }

    [Fact]
    public async Task AHandshakeReleasingMoreStagedPackets_ThanABatchHolds_DeliversThemAll_InOrder()
    {
        // A stages 100 packets while its peer is not there yet; the handshake that finally completes releases
        // them through the handshake worker's batch of 64, which is sent and refilled outside the device lock.
        var time = new FakeTimeProvider();
        var network = new InMemoryNetwork();
        var entropy = new DeterministicEntropy(71);
        PrivateKey keyA = HostPair.NewKey(entropy), keyB = HostPair.NewKey(entropy);
        var tunA = new InMemoryTunDevice("stage-a");
        var tunB = new InMemoryTunDevice("stage-b");
        await using var a = new TunnelHost(
            new TunnelOptions
            {
                PrivateKey = keyA,
                Peers = [new TunnelPeerOptions { PublicKey = keyB.GetPublicKey(), Endpoint = IPEndPoint.Parse("192.0.2.2:51820"), AllowedIps = [IPNetwork.Parse("10.0.0.2/32")] }],
            },
            tunA,
            network.CreateSocketFactory(IPAddress.Parse("192.0.2.1")),
            timeProvider: time);
        a.Start();
        const int Count = 100;
        for (int i = 0; i < Count; i++)
        {
            Assert.True(tunA.TryInject(PacketBuilder.IPv4(HostPair.AddressA, HostPair.AddressB, [(byte)i, 1, 2, 3]), TimeSpan.FromSeconds(5)));
        }

        await HostPair.WaitUntil(() => a.GetStatistics().TunnelPacketsRead == Count && network.LostDatagrams == 1); // the first initiation, to nobody

        await using var b = new TunnelHost(
            new TunnelOptions
            {
                PrivateKey = keyB,
                ListenPort = 51820,
                Peers = [new TunnelPeerOptions { PublicKey = keyA.GetPublicKey(), AllowedIps = [IPNetwork.Parse("10.0.0.1/32")] }],
            },
            tunB,
            network.CreateSocketFactory(IPAddress.Parse("192.0.2.2")),
            timeProvider: time);
        b.Start();
        time.Advance(TimeSpan.FromMilliseconds(5400)); // the retry, which B now answers

        byte[] packet = new byte[1500];
        for (int i = 0; i < Count; i++)
        {
            Assert.True(tunB.TryTake(packet, out int length, TimeSpan.FromSeconds(10)), $"packet {i} of {Count} did not arrive");
            Assert.Equal(20 + 4, length);
            Assert.Equal((byte)i, packet[20]);
        }

        Assert.Equal(Count, b.GetStatistics().TunnelPacketsWritten);
    }

    [Fact]
    public async Task APersistentKeepalive_GoesOutEvery25SecondsOfIdleness_AndNotBefore()
    {
        var time = new FakeTimeProvider();
        await using var pair = HostPair.StartInMemory(persistentKeepalive: TimeSpan.FromSeconds(25), time: time);

        // Turning the keepalive on sends one at once, which needs a handshake first: B hears from A with no traffic.
        long Received() => pair.B.GetStatistics().DatagramsReceived;
        await HostPair.WaitUntil(() => pair.B.GetStatistics().Handshakes == 1);
        await HostPair.WaitUntil(() => Received() >= 2); // the initiation and the first keepalive
        await SettleAsync(pair);
        long idle = Received();

        for (int keepalive = 1; keepalive <= 3; keepalive++)
        {
            await AdvanceAsync(time, pair, TimeSpan.FromSeconds(24), TimeSpan.FromSeconds(1));
            Assert.Equal(idle, Received()); // nothing before the interval has passed
            await AdvanceAsync(time, pair, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            Assert.Equal(idle + 1, Received());
            idle++;
        }

        Assert.Equal(0, pair.B.GetStatistics().TunnelPacketsWritten); // keepalives carry no packet
        Assert.Empty(pair.B.GetStatistics().Drops);
    }

    [Fact]
    public async Task AnIdleSession_IsErasedAfter540Seconds_WithAnEvent()
    {
        var time = new FakeTimeProvider();
        await using var pair = HostPair.StartInMemory(time: time);
        await using IAsyncEnumerator<TunnelPeerEvent> eventsA = pair.A.WatchAsync(Ct).GetAsyncEnumerator(Ct);
        ValueTask<bool> next = eventsA.MoveNextAsync();
        await Task.Delay(100, Ct);

        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, PacketBuilder.IPv4(HostPair.AddressA, HostPair.AddressB, [7]), TimeSpan.FromSeconds(10)));
        Assert.True(await next.AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(TunnelPeerEventKind.HandshakeCompleted, eventsA.Current.Kind);

        Task<bool> expired = eventsA.MoveNextAsync().AsTask();
        await AdvanceAsync(time, pair, TimeSpan.FromSeconds(530), TimeSpan.FromSeconds(2));
        Assert.False(expired.IsCompleted, $"an event before 540 s: {(expired.IsCompleted ? eventsA.Current.Kind + " at " + eventsA.Current.Time : string.Empty)}");
        await AdvanceAsync(time, pair, TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(1));
        Assert.True(await expired.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(TunnelPeerEventKind.SessionsExpired, eventsA.Current.Kind);
    }
}
