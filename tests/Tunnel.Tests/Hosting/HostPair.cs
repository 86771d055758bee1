using System.Net;
using Tunnel.Core.Crypto;
using Tunnel.Testing;

namespace Tunnel.Tests.Hosting;

/// <summary>Two tunnel hosts peered with each other: A is 10.0.0.1, B is 10.0.0.2, each allowing the other's /32.</summary>
internal sealed class HostPair : IAsyncDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("10.0.0.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("10.0.0.2");

    private HostPair(TunnelHost a, TunnelHost b, InMemoryTunDevice tunA, InMemoryTunDevice tunB, PrivateKey keyA, PrivateKey keyB)
    {
        A = a;
        B = b;
        TunA = tunA;
        TunB = tunB;
        KeyA = keyA;
        KeyB = keyB;
    }

    public TunnelHost A { get; }
    public TunnelHost B { get; }
    public InMemoryTunDevice TunA { get; }
    public InMemoryTunDevice TunB { get; }
    public PrivateKey KeyA { get; }
    public PrivateKey KeyB { get; }

    public static readonly IPAddress UnderlayA = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress UnderlayB = IPAddress.Parse("192.0.2.2");

    /// <summary>The pair on an <see cref="InMemoryNetwork"/>: A at 192.0.2.1, B at 192.0.2.2.</summary>
    public static HostPair StartInMemory(InMemoryNetwork? network = null, TimeSpan persistentKeepalive = default, int? cryptoHelpers = null, int maxPacketSize = 1500, string nameA = "tun-a", TimeProvider? time = null)
    {
        network ??= new InMemoryNetwork();
        return Start(network.CreateSocketFactory(UnderlayA), network.CreateSocketFactory(UnderlayB), UnderlayB, persistentKeepalive: persistentKeepalive, cryptoHelpers: cryptoHelpers, maxPacketSize: maxPacketSize, nameA: nameA, time: time);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing the test after 10 s.</summary>
    public static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Starts B, then A with B's endpoint (B learns A's from the first handshake). <paramref name="nameA"/> names A's interface, so a test that reads process-wide metrics can tell its host from those of tests running beside it; <paramref name="time"/> is both hosts' clock (a <c>FakeTimeProvider</c> for timer tests).</summary>
    public static HostPair Start(IDatagramSocketFactory socketsA, IDatagramSocketFactory socketsB, IPAddress endpointAddressB, int seed = 1, TimeSpan persistentKeepalive = default, int? cryptoHelpers = null, int maxPacketSize = 1500, string nameA = "tun-a", TimeProvider? time = null)
    {
        int helpers = cryptoHelpers ?? TunnelOptions.DefaultCryptoHelperThreads;
        var entropy = new DeterministicEntropy(seed);
        PrivateKey keyA = NewKey(entropy), keyB = NewKey(entropy);
        var tunA = new InMemoryTunDevice(nameA, maxPacketSize: maxPacketSize);
        var tunB = new InMemoryTunDevice("tun-b", maxPacketSize: maxPacketSize);
        var b = new TunnelHost(
            new TunnelOptions
            {
                PrivateKey = keyB,
                CryptoHelperThreads = helpers,
                Peers = [new TunnelPeerOptions { PublicKey = keyA.GetPublicKey(), AllowedIps = [IPNetwork.Parse("10.0.0.1/32")] }],
            },
            tunB,
            socketsB,
            timeProvider: time);
        b.Start();
        var a = new TunnelHost(
            new TunnelOptions
            {
                PrivateKey = keyA,
                CryptoHelperThreads = helpers,
                Peers =
                [
                    new TunnelPeerOptions
                    {
                        PublicKey = keyB.GetPublicKey(),
                        Endpoint = new IPEndPoint(endpointAddressB, b.ListenPort),
                        AllowedIps = [IPNetwork.Parse("10.0.0.2/32")],
                        PersistentKeepalive = persistentKeepalive,
                    },
                ],
            },
            tunA,
            socketsA,
            timeProvider: time);
        a.Start();
        return new HostPair(a, b, tunA, tunB, keyA, keyB);
    }

    public static PrivateKey NewKey(DeterministicEntropy entropy)
    {
        Span<byte> seed = stackalloc byte[32];
        entropy.Fill(seed);
        return PrivateKey.Create(seed);
    }

    /// <summary>Injects a UDP packet into <paramref name="from"/> and returns what <paramref name="to"/> delivered, or null.</summary>
    public static byte[]? Exchange(InMemoryTunDevice from, InMemoryTunDevice to, byte[] packet, TimeSpan timeout)
    {
        Assert.True(from.TryInject(packet, timeout));
        var received = new byte[65536];
        return to.TryTake(received, out int length, timeout) ? received[..length] : null;
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
