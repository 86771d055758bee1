using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Crypto.Interop;
using Framework = System.Security.Cryptography.ChaCha20Poly1305;
using Ours = Tunnel.Core.Crypto.ChaCha20Poly1305;

namespace Tunnel.Benchmarks;

/// <summary>
/// Seal and open of a transport payload, in place, at a small packet, a medium one and a full 1420-byte MTU:
/// ours, the raw libsodium call (the baseline), the managed implementation on each of its wide paths (eight
/// ChaCha20 blocks per step with AVX2, sixteen or thirty-two with AVX-512), and the framework's OpenSSL-backed
/// implementation. The AVX-512 rows fail on a CPU without AVX-512.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class ChaCha20Poly1305Benchmarks
{
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _nonce = new byte[12];
    private byte[] _packet = [];
    private byte[] _sealed = [];
    private Framework? _framework;

    [Params(64, 512, 1420, 8192, 65535)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Libsodium.EnsureInitialized();
        new Random(6).NextBytes(_key);
        Ours.WriteNonce(1, _nonce);
        _packet = new byte[Size + 16];
        new Random(7).NextBytes(_packet);
        _sealed = new byte[Size + 16];
        Ours.Encrypt(_key, 1, _packet.AsSpan(0, Size), _sealed, []);
        _framework = new Framework(_key);
    }

    [GlobalCleanup]
    public void Cleanup() => _framework?.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Seal")]
    public int Seal_Libsodium()
    {
        fixed (byte* k = _key)
        fixed (byte* n = _nonce)
        fixed (byte* p = _packet)
        {
            return Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(p, p + Size, null, p, (ulong)Size, null, 0, null, n, k);
        }
    }

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public int Seal_Tunnel() => Ours.Encrypt(_key, 1, _packet.AsSpan(0, Size), _packet, []);

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public int Seal_ManagedAvx2()
    {
        ManagedChaCha20Poly1305.Seal<ChaCha20Avx2Wide>(_key, _nonce, _packet.AsSpan(0, Size), _packet.AsSpan(0, Size), _packet.AsSpan(Size, 16), []);
        return Size;
    }

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public int Seal_ManagedAvx512()
    {
        ManagedChaCha20Poly1305.Seal<ChaCha20Avx512>(_key, _nonce, _packet.AsSpan(0, Size), _packet.AsSpan(0, Size), _packet.AsSpan(Size, 16), []);
        return Size;
    }

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public int Seal_ManagedAvx512Wide()
    {
        ManagedChaCha20Poly1305.Seal<ChaCha20Avx512Wide>(_key, _nonce, _packet.AsSpan(0, Size), _packet.AsSpan(0, Size), _packet.AsSpan(Size, 16), []);
        return Size;
    }

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public int Seal_ManagedAvx512Vl()
    {
        ManagedChaCha20Poly1305.Seal<ChaCha20Avx512Vl>(_key, _nonce, _packet.AsSpan(0, Size), _packet.AsSpan(0, Size), _packet.AsSpan(Size, 16), []);
        return Size;
    }

    [Benchmark]
    [BenchmarkCategory("Seal")]
    public int Seal_Framework()
    {
        _framework!.Encrypt(_nonce, _packet.AsSpan(0, Size), _packet.AsSpan(0, Size), _packet.AsSpan(Size, 16));
        return Size;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Open")]
    public int Open_Libsodium()
    {
        fixed (byte* k = _key)
        fixed (byte* n = _nonce)
        fixed (byte* c = _sealed)
        fixed (byte* m = _packet)
        {
            return Libsodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached(m, null, c, (ulong)Size, c + Size, null, 0, n, k);
        }
    }

    [Benchmark]
    [BenchmarkCategory("Open")]
    public bool Open_Tunnel() => Ours.TryDecrypt(_key, 1, _sealed, _packet.AsSpan(0, Size), []);

    [Benchmark]
    [BenchmarkCategory("Open")]
    public bool Open_ManagedAvx2() => ManagedChaCha20Poly1305.TryOpen<ChaCha20Avx2Wide>(_key, _nonce, _sealed.AsSpan(0, Size), _sealed.AsSpan(Size, 16), _packet.AsSpan(0, Size), []);

    [Benchmark]
    [BenchmarkCategory("Open")]
    public bool Open_ManagedAvx512() => ManagedChaCha20Poly1305.TryOpen<ChaCha20Avx512>(_key, _nonce, _sealed.AsSpan(0, Size), _sealed.AsSpan(Size, 16), _packet.AsSpan(0, Size), []);

    [Benchmark]
    [BenchmarkCategory("Open")]
    public bool Open_ManagedAvx512Wide() => ManagedChaCha20Poly1305.TryOpen<ChaCha20Avx512Wide>(_key, _nonce, _sealed.AsSpan(0, Size), _sealed.AsSpan(Size, 16), _packet.AsSpan(0, Size), []);

    [Benchmark]
    [BenchmarkCategory("Open")]
    public bool Open_ManagedAvx512Vl() => ManagedChaCha20Poly1305.TryOpen<ChaCha20Avx512Vl>(_key, _nonce, _sealed.AsSpan(0, Size), _sealed.AsSpan(Size, 16), _packet.AsSpan(0, Size), []);

    [Benchmark]
    [BenchmarkCategory("Open")]
    public int Open_Framework()
    {
        _framework!.Decrypt(_nonce, _sealed.AsSpan(0, Size), _sealed.AsSpan(Size, 16), _packet.AsSpan(0, Size));
        return Size;
    }
}
