using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Tunnel.Core.Crypto.Interop;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol;

namespace Tunnel.Benchmarks;

/// <summary>
/// A transport message through the device (cryptokey routing, nonce, padding, header, seal; or index lookup,
/// open, replay window, timers, source check) beside the raw libsodium AEAD call on the same padded size.
/// Each iteration prepares one fresh datagram per invocation for <see cref="Decapsulate"/>, since the
/// replay window refuses repeats. Iterations are long (32,768 invocations) so that warm-up outlasts the
/// runtime's tiering delay: with 4,096 the whole run took under 100 ms and measured unoptimised code.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[InvocationCount(Invocations, unrollFactor: 1)]
public unsafe class TransportBenchmarks
{
    private const int Invocations = 32768;

    private readonly byte[] _buffer = new byte[2048];
    private readonly byte[] _plaintext = new byte[2048];
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[][] _datagrams = new byte[Invocations][];
    private readonly int[] _lengths = new int[Invocations];
    private HandshakeFleet _fleet = null!;
    private byte[] _packet = [];
    private byte[] _sealed = [];
    private int _padded;
    private int _next;
    private readonly TimeSpan _now = TimeSpan.FromHours(1);

    [Params(64, 512, 1420)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Libsodium.EnsureInitialized();
        _fleet = new HandshakeFleet(1);
        _packet = HandshakeFleet.Ipv4([10, 0, 0, 1], [10, 1, 0, 0], Size - 20);
        _padded = MessageLayout.PaddedLength(Size, 1420);

        // One handshake, started by a packet from the spoke, so both sides hold the session.
        var spoke = _fleet.Spokes[0];
        var initiation = _fleet.SpokeInitiation(0, _now);
        var response = _fleet.Hub.Decapsulate(initiation, _fleet.SpokeEndpoints[0], _buffer, _now);
        HandshakeFleet.Expect(spoke.Decapsulate(_buffer.AsSpan(0, response.Length), HandshakeFleet.HubEndpoint, _plaintext, _now), PacketAction.None);
        while (spoke.TryDequeueTransmit(_buffer, _now, out var transmit))
        {
            _fleet.Hub.Decapsulate(_buffer.AsSpan(0, transmit.Length), _fleet.SpokeEndpoints[0], _plaintext, _now);
        }

        new Random(9).NextBytes(_key);
        _sealed = new byte[16 + _padded + 16];
        Tunnel.Core.Crypto.ChaCha20Poly1305.Encrypt(_key, _nonce, _sealed.AsSpan(16, _padded), _sealed.AsSpan(16), []);
    }

    [IterationSetup(Target = nameof(Decapsulate))]
    public void PrepareDatagrams()
    {
        _next = 0;
        for (int i = 0; i < Invocations; i++)
        {
            byte[] datagram = _datagrams[i] ??= new byte[_fleet.Hub.MaxDatagramSize];
            var result = _fleet.Hub.Encapsulate(_packet, datagram, _now);
            HandshakeFleet.Expect(result, PacketAction.WriteToNetwork);
            _lengths[i] = result.Length;
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Encapsulate")]
    public int RawSeal()
    {
        fixed (byte* k = _key)
        fixed (byte* n = _nonce)
        fixed (byte* p = _buffer)
        {
            return Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(p + 16, p + 16 + _padded, null, p + 16, (ulong)_padded, null, 0, null, n, k);
        }
    }

    /// <summary>Routing, nonce, padding, header and seal, in place as the driver calls it.</summary>
    [Benchmark]
    [BenchmarkCategory("Encapsulate")]
    public int Encapsulate()
    {
        _packet.CopyTo(_buffer, 16);
        return _fleet.Hub.Encapsulate(_buffer.AsSpan(16, _packet.Length), _buffer, _now).Length;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Decapsulate")]
    public int RawOpen()
    {
        fixed (byte* k = _key)
        fixed (byte* n = _nonce)
        fixed (byte* c = _sealed)
        fixed (byte* m = _plaintext)
        {
            return Libsodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached(m, null, c + 16, (ulong)_padded, c + 16 + _padded, null, 0, n, k);
        }
    }

    /// <summary>Index lookup, open, replay window, timers, inner header and allowed-IPs check.</summary>
    [Benchmark]
    [BenchmarkCategory("Decapsulate")]
    public int Decapsulate()
    {
        int i = _next++;
        return _fleet.Spokes[0].Decapsulate(_datagrams[i].AsSpan(0, _lengths[i]), HandshakeFleet.HubEndpoint, _plaintext, _now).Length;
    }
}
