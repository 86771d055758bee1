using System.Net;
using System.Reflection;
using System.Text;
using Tunnel.Core.Crypto;
using Tunnel.Testing;
using Tunnel.Uapi;

namespace Tunnel.Tests.Hosting;

/// <summary>The typed live API: whole changes or none, clear exceptions, sessions kept across updates, events, no secrets in status.</summary>
public sealed class TunnelHostLiveApiTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Apply_UpdatesPeersInPlace_KeepingTheirSessions_AndRemovesThoseLeftOut()
    {
        await using var pair = HostPair.StartInMemory();
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Packet("before"), Timeout));
        TunnelPeerStatus before = Assert.Single(pair.A.GetPeers());
        Assert.NotNull(before.LastHandshake);

        PublicKey stranger = HostPair.NewKey(new DeterministicEntropy(7)).GetPublicKey();
        pair.A.Apply(new TunnelOptions
        {
            Peers =
            [
                new TunnelPeerOptions { PublicKey = pair.KeyB.GetPublicKey(), AllowedIps = [IPNetwork.Parse("10.0.0.2/32"), IPNetwork.Parse("10.5.0.0/16")], PersistentKeepalive = TimeSpan.FromSeconds(25) },
                new TunnelPeerOptions { PublicKey = stranger, AllowedIps = [IPNetwork.Parse("10.6.0.0/16")] },
            ],
        });

        var peers = pair.A.GetPeers();
        TunnelPeerStatus b = peers.Single(peer => peer.PublicKey == pair.KeyB.GetPublicKey());
        Assert.Equal(before.LastHandshake, b.LastHandshake); // the same session: no new handshake
        Assert.Equal(before.Endpoint, b.Endpoint); // an endpoint left out keeps the one the peer has
        Assert.Equal(["10.0.0.2/32", "10.5.0.0/16"], b.AllowedIps.Select(prefix => prefix.ToString()).Order());
        Assert.Equal(TimeSpan.FromSeconds(25), b.PersistentKeepalive);
        Assert.Contains(peers, peer => peer.PublicKey == stranger);
        long handshakes = pair.A.GetStatistics().Handshakes;
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Packet("after"), Timeout));
        Assert.Equal(handshakes, pair.A.GetStatistics().Handshakes);

        pair.A.Apply(new TunnelOptions { Peers = [new TunnelPeerOptions { PublicKey = stranger, AllowedIps = [IPNetwork.Parse("10.6.0.0/16")] }] });
        Assert.Equal([stranger], pair.A.GetPeers().Select(peer => peer.PublicKey));
    }

    public static TheoryData<string> InconsistentOptions => ["twice", "shared prefix", "own key", "zero key", "endpoint port 0", "half-second keepalive"];

    [Theory]
    [MemberData(nameof(InconsistentOptions))]
    public async Task Apply_OfInconsistentOptions_Throws_AndChangesNothing(string mistake)
    {
        await using var pair = HostPair.StartInMemory();
        string before = UapiHandler.Get(pair.A);
        PublicKey b = pair.KeyB.GetPublicKey();
        PublicKey other = HostPair.NewKey(new DeterministicEntropy(9)).GetPublicKey();
        var good = new TunnelPeerOptions { PublicKey = other, AllowedIps = [IPNetwork.Parse("10.7.0.0/16")] };
        TunnelOptions options = mistake switch
        {
            "twice" => new() { Peers = [good, good with { AllowedIps = [] }] },
            "shared prefix" => new() { Peers = [good, new TunnelPeerOptions { PublicKey = b, AllowedIps = [IPNetwork.Parse("10.7.0.0/16")] }] },
            "own key" => new() { Peers = [good with { PublicKey = pair.KeyA.GetPublicKey() }] },
            "zero key" => new() { PrivateKey = default(PrivateKey), Peers = [good] },
            "endpoint port 0" => new() { Peers = [good with { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) }] },
            _ => new() { Peers = [good with { PersistentKeepalive = TimeSpan.FromMilliseconds(500) }] },
        };

        var error = Assert.ThrowsAny<ArgumentException>(() => pair.A.Apply(options));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.Equal(before, UapiHandler.Get(pair.A));
    }

    [Fact]
    public async Task SetPeer_WithAnotherPeersAllowedIp_Throws_WhileAUapiSetMovesIt_AsWgDoes()
    {
        await using var pair = HostPair.StartInMemory();
        PublicKey other = HostPair.NewKey(new DeterministicEntropy(11)).GetPublicKey();
        string before = UapiHandler.Get(pair.A);

        var error = Assert.Throws<ArgumentException>(() => pair.A.SetPeer(new TunnelPeerOptions { PublicKey = other, AllowedIps = [IPNetwork.Parse("10.0.0.2/32")] }));
        Assert.Contains("10.0.0.2/32", error.Message, StringComparison.Ordinal);
        Assert.Contains(pair.KeyB.GetPublicKey().ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(before, UapiHandler.Get(pair.A));

        Assert.True(UapiProtocol.TryParseSet([$"public_key={other.ToHexString()}", "allowed_ip=10.0.0.2/32"], out var request, out _, out _));
        Assert.Equal(0, UapiHandler.Set(pair.A, request, out _));
        Assert.Equal(["10.0.0.2/32"], pair.A.GetPeers().Single(peer => peer.PublicKey == other).AllowedIps.Select(prefix => prefix.ToString()));
        Assert.Empty(pair.A.GetPeers().Single(peer => peer.PublicKey == pair.KeyB.GetPublicKey()).AllowedIps);
    }

    [Fact]
    public async Task RemovePeer_SaysWhetherThePeerExisted_AndItsPrefixesRouteNowhere()
    {
        await using var pair = HostPair.StartInMemory();
        Assert.True(pair.A.RemovePeer(pair.KeyB.GetPublicKey()));
        Assert.False(pair.A.RemovePeer(pair.KeyB.GetPublicKey()));
        Assert.Empty(pair.A.GetPeers());
        Assert.True(pair.TunA.TryInject(Packet("nowhere"), Timeout));
        await HostPair.WaitUntil(() => pair.A.GetStatistics().Drops.ContainsKey(Core.Protocol.DropReason.NoRoute));
    }

    [Fact]
    public async Task SetPrivateKey_OfZeros_Throws_AndANewKeyIsTheInterfaces()
    {
        await using var pair = HostPair.StartInMemory();
        Assert.Throws<ArgumentException>(() => pair.A.SetPrivateKey(default));
        PrivateKey fresh = HostPair.NewKey(new DeterministicEntropy(13));
        pair.A.SetPrivateKey(fresh);
        Assert.Equal(fresh.GetPublicKey(), pair.A.PublicKey);
    }

    [Fact]
    public async Task AKeylessHost_ReportsNoKey_UntilOneIsSet_AndInventsNone()
    {
        var network = new InMemoryNetwork();
        await using var host = new TunnelHost(new TunnelOptions(), new InMemoryTunDevice("tun-keyless"), network.CreateSocketFactory(HostPair.UnderlayA));
        host.Start();
        Assert.Null(host.PublicKey);
        Assert.Null(host.GetStatus().PublicKey);
        Assert.DoesNotContain("private_key=", UapiHandler.Get(host), StringComparison.Ordinal);

        PrivateKey key = HostPair.NewKey(new DeterministicEntropy(17));
        host.SetPrivateKey(key);
        Assert.Equal(key.GetPublicKey(), host.PublicKey);
        Assert.StartsWith($"private_key={key.ToHexString()}\n", UapiHandler.Get(host), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangesBeforeStartOrAfterDispose_AreRefused()
    {
        var network = new InMemoryNetwork();
        var host = new TunnelHost(new TunnelOptions(), new InMemoryTunDevice("tun-idle"), network.CreateSocketFactory(HostPair.UnderlayA));
        Assert.Throws<InvalidOperationException>(() => host.SetListenPort(1));
        host.Start();
        await host.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => host.SetFirewallMark(1));
    }

    [Fact]
    public async Task WatchAsync_ReportsTheHandshake_WithThePeersKeyAndEndpoint_AndEndsWhenTheHostStops()
    {
        var pair = HostPair.StartInMemory();
        var events = new List<TunnelPeerEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var peerEvent in pair.A.WatchAsync(TestContext.Current.CancellationToken))
            {
                events.Add(peerEvent);
            }
        }, TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken); // the watch is registered on its first MoveNextAsync

        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Packet("watched"), Timeout));
        await pair.DisposeAsync();
        await watching.WaitAsync(Timeout, TestContext.Current.CancellationToken); // the stream ends with the host

        TunnelPeerEvent handshake = Assert.Single(events, e => e.Kind == TunnelPeerEventKind.HandshakeCompleted);
        Assert.Equal(pair.KeyB.GetPublicKey(), handshake.PublicKey);
        Assert.Equal(HostPair.UnderlayB, handshake.Endpoint?.Address);
    }

    [Fact]
    public async Task WatchAsync_EndsWhenCancelled()
    {
        await using var pair = HostPair.StartInMemory();
        using var cancel = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            await foreach (var _ in pair.A.WatchAsync(cancel.Token))
            {
            }
        }, TestContext.Current.CancellationToken);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching.WaitAsync(Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void StatusAndEventTypes_HoldNoSecretKey()
    {
        Type[] secrets = [typeof(PrivateKey), typeof(PresharedKey), typeof(PrivateKey?), typeof(PresharedKey?)];
        foreach (Type type in new[] { typeof(TunnelStatus), typeof(TunnelPeerStatus), typeof(TunnelPeerEvent), typeof(TunnelStatistics) })
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                Assert.DoesNotContain(field.FieldType, secrets);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task RandomTypedChanges_AndTheSameChangesOverTheUapi_GiveTheSameGet(int seed)
    {
        var random = new Random(seed);
        PrivateKey own = HostPair.NewKey(new DeterministicEntropy(seed * 100));
        PublicKey[] keys = [.. Enumerable.Range(1, 5).Select(i => HostPair.NewKey(new DeterministicEntropy((seed * 100) + i)).GetPublicKey())];
        IPNetwork[] prefixes = [.. Enumerable.Range(0, 6).Select(i => IPNetwork.Parse($"10.{i}.0.0/16")), .. Enumerable.Range(0, 3).Select(i => IPNetwork.Parse($"fd00:{i}::/64"))];
        await using var typed = StartAlone(own);
        await using var wire = StartAlone(own);

        for (int step = 0; step < 40; step++)
        {
            string before = UapiHandler.Get(typed);
            switch (random.Next(6))
            {
                case 0 or 1:
                {
                    var peer = new TunnelPeerOptions
                    {
                        PublicKey = keys[random.Next(keys.Length)],
                        PresharedKey = random.Next(3) == 0 ? PresharedKeyOf(random) : null,
                        Endpoint = random.Next(2) == 0 ? new IPEndPoint(IPAddress.Parse($"192.0.2.{random.Next(1, 250)}"), random.Next(1, 65536)) : null,
                        PersistentKeepalive = TimeSpan.FromSeconds(random.Next(3) == 0 ? random.Next(1, 65536) : 0),
                        AllowedIps = [.. prefixes.Where(_ => random.Next(4) == 0)],
                    };
                    bool taken = typed.GetPeers().Any(other => other.PublicKey != peer.PublicKey && other.AllowedIps.Intersect(peer.AllowedIps).Any());
                    if (taken)
                    {
                        Assert.Throws<ArgumentException>(() => typed.SetPeer(peer));
                        Assert.Equal(before, UapiHandler.Get(typed)); // refused whole: byte-identical
                        continue;
                    }

                    typed.SetPeer(peer);
                    Set(wire, [
                        $"public_key={peer.PublicKey.ToHexString()}",
                        $"preshared_key={(peer.PresharedKey ?? default).ToHexString()}",
                        .. peer.Endpoint is { } endpoint ? [$"endpoint={endpoint}"] : Array.Empty<string>(),
                        $"persistent_keepalive_interval={(int)peer.PersistentKeepalive.TotalSeconds}",
                        "replace_allowed_ips=true",
                        .. peer.AllowedIps.Select(prefix => $"allowed_ip={prefix}")]);
                    break;
                }

                case 2:
                {
                    PublicKey key = keys[random.Next(keys.Length)];
                    typed.RemovePeer(key);
                    Set(wire, [$"public_key={key.ToHexString()}", "remove=true"]);
                    break;
                }

                case 3:
                {
                    uint mark = (uint)random.Next(0, 3);
                    typed.SetFirewallMark(mark);
                    Set(wire, [$"fwmark={mark}"]);
                    break;
                }

                default:
                {
                    // A whole configuration; over the UAPI as wg syncconf sends it: the peers left out removed, the others updated.
                    var chosen = keys.Where(_ => random.Next(2) == 0).ToArray();
                    var options = new TunnelOptions
                    {
                        FirewallMark = (uint)random.Next(0, 3),
                        Peers = [.. chosen.Select((key, i) => new TunnelPeerOptions { PublicKey = key, AllowedIps = [prefixes[i]], PersistentKeepalive = TimeSpan.FromSeconds(i) })],
                    };
                    var leftOut = typed.GetPeers().Select(peer => peer.PublicKey).Except(chosen).ToArray();
                    typed.Apply(options);
                    Set(wire, [
                        $"fwmark={options.FirewallMark}",
                        .. leftOut.SelectMany(key => new[] { $"public_key={key.ToHexString()}", "remove=true" }),
                        .. options.Peers.SelectMany(peer => new[]
                            {
                                $"public_key={peer.PublicKey.ToHexString()}",
                                $"preshared_key={default(PresharedKey).ToHexString()}",
                                $"persistent_keepalive_interval={(int)peer.PersistentKeepalive.TotalSeconds}",
                                "replace_allowed_ips=true",
                            }
                            .Concat(peer.AllowedIps.Select(prefix => $"allowed_ip={prefix}")))]);
                    break;
                }
            }

            Assert.Equal(Stable(UapiHandler.Get(wire), wire.ListenPort), Stable(UapiHandler.Get(typed), typed.ListenPort));
        }
    }

    private static byte[] Packet(string text) => PacketBuilder.IPv4(HostPair.AddressA, HostPair.AddressB, Encoding.ASCII.GetBytes(text));

    private static TunnelHost StartAlone(PrivateKey key)
    {
        var host = new TunnelHost(new TunnelOptions { PrivateKey = key }, new InMemoryTunDevice("tun-live"), new InMemoryNetwork().CreateSocketFactory(HostPair.UnderlayA));
        host.Start();
        return host;
    }

    private static void Set(TunnelHost host, string[] lines)
    {
        Assert.True(UapiProtocol.TryParseSet(lines, out var request, out _, out string? parseError), parseError);
        Assert.Equal(0, UapiHandler.Set(host, request, out string? error));
        Assert.Null(error);
    }

    private static PresharedKey PresharedKeyOf(Random random)
    {
        Span<byte> bytes = stackalloc byte[32];
        random.NextBytes(bytes);
        return new PresharedKey(bytes);
    }

    /// <summary>The get answer with the listen port (random per host) taken out and peers sorted by key, since replacing peers may reorder them.</summary>
    private static string Stable(string get, ushort port)
    {
        var sections = new List<List<string>>();
        var head = new StringBuilder();
        foreach (string line in get.Split('\n').Where(line => line.Length > 0 && line != $"listen_port={port}" && line != "errno=0"))
        {
            if (line.StartsWith("public_key=", StringComparison.Ordinal))
            {
                sections.Add([line]);
            }
            else if (sections.Count > 0)
            {
                sections[^1].Add(line);
            }
            else
            {
                head.Append(line).Append('\n');
            }
        }

        return head + string.Concat(sections.OrderBy(section => section[0], StringComparer.Ordinal).Select(section => string.Join('\n', section.Where(line => !line.StartsWith("allowed_ip=", StringComparison.Ordinal)).Concat(section.Where(line => line.StartsWith("allowed_ip=", StringComparison.Ordinal)).Order(StringComparer.Ordinal))) + "\n"));
    }
}
