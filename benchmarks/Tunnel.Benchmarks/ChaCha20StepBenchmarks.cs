using BenchmarkDotNet.Attributes;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Benchmarks;

/// <summary>
/// One call of each ChaCha20 key-stream generator the AEAD runs: what a step of thirty-two, sixteen, eight, four or two
/// blocks costs on this CPU, which decides how a message's last part is best covered. The AVX-512 rows fail
/// on a CPU without AVX-512.
/// </summary>
[MemoryDiagnoser]
public class ChaCha20StepBenchmarks
{
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _stream = new byte[2048];

    /// <summary>Fills the key and the nonce.</summary>
    [GlobalSetup]
    public void Setup()
    {
        new Random(6).NextBytes(_key);
        new Random(7).NextBytes(_nonce);
    }

    /// <summary>Thirty-two blocks in 512-bit registers, two sets of sixteen interleaved.</summary>
    [Benchmark]
    public void ThirtyTwo_Avx512Wide() => ChaCha20Avx512Wide.KeyStream(_key, _nonce, 1, ref _stream[0]);

    /// <summary>Sixteen blocks in 512-bit registers.</summary>
    [Benchmark]
    public void Sixteen_Avx512() => ChaCha20Avx512.KeyStream(_key, _nonce, 1, ref _stream[0]);

    /// <summary>Eight blocks in 256-bit registers with AVX-512VL.</summary>
    [Benchmark]
    public void Eight_Avx512Vl() => ChaCha20Avx512Vl.KeyStream(_key, _nonce, 1, ref _stream[0]);

    /// <summary>Eight blocks with AVX2.</summary>
    [Benchmark]
    public void Eight_Avx2() => ChaCha20Avx2Wide.KeyStream(_key, _nonce, 1, ref _stream[0]);

    /// <summary>Four blocks with AVX2.</summary>
    [Benchmark]
    public void Four_Avx2() => ChaCha20Avx2.KeyStream(_key, _nonce, 1, _stream.AsSpan(0, 256));

    /// <summary>Two blocks with AVX2.</summary>
    [Benchmark]
    public void Two_Avx2() => ChaCha20Avx2.KeyStream(_key, _nonce, 1, _stream.AsSpan(0, 128));
}
