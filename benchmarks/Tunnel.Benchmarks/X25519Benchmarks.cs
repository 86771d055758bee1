using BenchmarkDotNet.Attributes;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Interop;

namespace Tunnel.Benchmarks;

/// <summary>X25519 through our checked API beside the raw libsodium calls it wraps.</summary>
[MemoryDiagnoser]
public unsafe class X25519Benchmarks
{
    private readonly byte[] _privateKey = new byte[32];
    private readonly byte[] _publicKey = new byte[32];
    private readonly byte[] _output = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        Libsodium.EnsureInitialized();
        var entropy = new byte[32];
        new Random(4).NextBytes(entropy);
        X25519.GeneratePrivateKey(entropy, _privateKey);
        new Random(5).NextBytes(entropy);
        X25519.GeneratePrivateKey(entropy, entropy);
        X25519.ComputePublicKey(entropy, _publicKey);
    }

    [Benchmark(Baseline = true)]
    public int Libsodium_ScalarMult()
    {
        fixed (byte* n = _privateKey)
        fixed (byte* p = _publicKey)
        fixed (byte* q = _output)
        {
            return Libsodium.crypto_scalarmult(q, n, p);
        }
    }

    [Benchmark]
    public bool SharedSecret() => X25519.TryComputeSharedSecret(_privateKey, _publicKey, _output);

    [Benchmark]
    public int Libsodium_ScalarMultBase()
    {
        fixed (byte* n = _privateKey)
        fixed (byte* q = _output)
        {
            return Libsodium.crypto_scalarmult_base(q, n);
        }
    }

    [Benchmark]
    public byte PublicKey()
    {
        X25519.ComputePublicKey(_privateKey, _output);
        return _output[0];
    }
}
