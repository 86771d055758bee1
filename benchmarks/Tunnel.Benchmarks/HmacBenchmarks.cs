using BenchmarkDotNet.Attributes;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Interop;

namespace Tunnel.Benchmarks;

/// <summary>
/// HMAC-BLAKE2s over a 32-byte DH result, the handshake's unit of work, and KDF3 built on it.
/// libsodium's HMAC-SHA-256 (<c>crypto_auth_hmacsha256</c>) is the reference HMAC.
/// </summary>
[MemoryDiagnoser]
public unsafe class HmacBenchmarks
{
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _input = new byte[32];
    private readonly byte[] _t1 = new byte[32];
    private readonly byte[] _t2 = new byte[32];
    private readonly byte[] _t3 = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        Libsodium.EnsureInitialized();
        new Random(2).NextBytes(_key);
        new Random(3).NextBytes(_input);
    }

    [Benchmark(Baseline = true)]
    public int Libsodium_HmacSha256()
    {
        fixed (byte* key = _key)
        fixed (byte* input = _input)
        fixed (byte* output = _t1)
        {
            return Libsodium.crypto_auth_hmacsha256(output, input, (ulong)_input.Length, key);
        }
    }

    [Benchmark]
    public byte HmacBlake2s()
    {
        Tunnel.Core.Crypto.HmacBlake2s.HashData(_key, _input, _t1);
        return _t1[0];
    }

    [Benchmark]
    public byte Kdf3()
    {
        Kdf.Derive(_key, _input, _t1, _t2, _t3);
        return _t3[0];
    }
}
