using System.Net;
using BenchmarkDotNet.Attributes;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Interop;
using Tunnel.Testing;

namespace Tunnel.Benchmarks;

/// <summary>
/// Packets through two whole devices, the shape of wireguard-go's <c>BenchmarkThroughput</c>: 1420-byte IP
/// packets injected into host A's in-memory TUN device, sealed, carried over an in-memory network, opened
/// and taken from host B's TUN device, with up to <see cref="Window"/> packets in flight. Every engine
/// stage runs (pumps, batching, parallel crypto, ordering); only the system calls are absent. The baseline
/// is one seal and one open of the same packet with libsodium on one thread, the crypto floor of a packet.
/// </summary>
[MemoryDiagnoser]
public unsafe class DeviceThroughputBenchmarks
{
    private const int Packets = 4096;
    private const int Window = 512;
    private const int Size = 1420;

    private readonly byte[] _key = new byte[32];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _buffer = new byte[Size + 16];
    private readonly byte[] _received = new byte[2048];
    private byte[] _packet = [];
    private TunnelHost? _a, _b;
    private InMemoryTunDevice? _tunA, _tunB;
    private Thread? _injector;
    private volatile int _toInject;
    private volatile int _taken;
    private volatile bool _stopping;
    private readonly SemaphoreSlim _go = new(0);

    [GlobalSetup]
    public void Setup()
    {
        Libsodium.EnsureInitialized();
        var network = new InMemoryNetwork { QueueCapacity = 4096 };
        var entropy = new DeterministicEntropy(1);
        PrivateKey keyA = NewKey(entropy), keyB = NewKey(entropy);
        _tunA = new InMemoryTunDevice("bench-a", capacity: 4096);
        _tunB = new InMemoryTunDevice("bench-b", capacity: 4096);
        _b = new TunnelHost(
            new TunnelOptions { PrivateKey = keyB, Peers = [new TunnelPeerOptions { PublicKey = keyA.GetPublicKey(), AllowedIps = [IPNetwork.Parse("10.0.0.1/32")] }] },
            _tunB,
            network.CreateSocketFactory(IPAddress.Parse("192.0.2.2")));
        _b.Start();
        _a = new TunnelHost(
            new TunnelOptions
            {
                PrivateKey = keyA,
                Peers = [new TunnelPeerOptions { PublicKey = keyB.GetPublicKey(), Endpoint = new IPEndPoint(IPAddress.Parse("192.0.2.2"), _b.ListenPort), AllowedIps = [IPNetwork.Parse("10.0.0.2/32")] }],
            },
            _tunA,
            network.CreateSocketFactory(IPAddress.Parse("192.0.2.1")));
        _a.Start();

        _packet = PacketBuilder.IPv4(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), new byte[Size - 20]);
        if (!_tunA.TryInject(_packet, TimeSpan.FromSeconds(5)) || !_tunB.TryTake(_received, out _, TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException("The two devices did not complete a handshake.");
        }

        _injector = new Thread(Inject) { IsBackground = true, Name = "injector" };
        _injector.Start();
        new Random(6).NextBytes(_key);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _go.Release();
        _injector?.Join();
        _a?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Packets)]
    public int SealAndOpen_Libsodium()
    {
        int result = 0;
        fixed (byte* k = _key)
        fixed (byte* n = _nonce)
        fixed (byte* p = _buffer)
        {
            for (int i = 0; i < Packets; i++)
            {
                result += Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(p, p + Size, null, p, Size, null, 0, null, n, k);
                result += Libsodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached(p, null, p, Size, p + Size, null, 0, n, k);
            }
        }

        return result;
    }

    /// <summary>One operation is one packet from A's TUN device to B's.</summary>
    [Benchmark(OperationsPerInvoke = Packets)]
    public int Packets1420_ThroughTwoDevices()
    {
        _taken = 0;
        _toInject = Packets;
        _go.Release();
        InMemoryTunDevice tun = _tunB!;
        for (int taken = 0; taken < Packets; taken++)
        {
            if (!tun.TryTake(_received, out _, TimeSpan.FromSeconds(10)))
            {
                throw new InvalidOperationException($"Packet {taken} of {Packets} never arrived (a queue overflowed).");
            }

            _taken = taken + 1;
        }

        return _taken;
    }

    /// <summary>Keeps at most <see cref="Window"/> packets in flight, as a sender with a window would.</summary>
    private void Inject()
    {
        while (true)
        {
            _go.Wait();
            if (_stopping)
            {
                return;
            }

            int count = _toInject;
            for (int sent = 0; sent < count; sent++)
            {
                while (sent - _taken >= Window)
                {
                    Thread.SpinWait(20);
                }

                _tunA!.TryInject(_packet, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private static PrivateKey NewKey(DeterministicEntropy entropy)
    {
        Span<byte> seed = stackalloc byte[32];
        entropy.Fill(seed);
        return PrivateKey.Create(seed);
    }
}
