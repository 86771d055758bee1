using BenchmarkDotNet.Attributes;
using Tunnel.Core.Crypto.Interop;

namespace Tunnel.Benchmarks;

/// <summary>
/// BLAKE2s-256 at the sizes the handshake hashes (32-byte keys, 64-byte chains, the 148-byte initiation).
/// libsodium has no BLAKE2s; its BLAKE2b (<c>crypto_generichash</c>) is the reference, the nearest hash it offers.
/// </summary>
[MemoryDiagnoser]
public unsafe class Blake2sBenchmarks
{
    private byte[] _input = [];
    private readonly byte[] _output = new byte[32];

    [Params(32, 64, 148)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Libsodium.EnsureInitialized();
        _input = new byte[Size];
        new Random(1).NextBytes(_input);
    }

    [Benchmark(Baseline = true)]
    public int Libsodium_Blake2b()
    {
        fixed (byte* input = _input)
        fixed (byte* output = _output)
        {
            return Libsodium.crypto_generichash(output, 32, input, (ulong)_input.Length, null, 0);
        }
    }

    [Benchmark]
    public byte Blake2s()
    {
        Tunnel.Core.Crypto.Blake2s.HashData(_input, _output);
        return _output[0];
    }

    [Benchmark]
    public byte Blake2s_Mac16()
    {
        Tunnel.Core.Crypto.Blake2s.HashData(_output, _input, _output.AsSpan(0, Tunnel.Core.Crypto.Blake2s.MacSize));
        return _output[0];
    }
}
