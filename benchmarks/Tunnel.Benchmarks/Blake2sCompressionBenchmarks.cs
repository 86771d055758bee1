using BenchmarkDotNet.Attributes;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Benchmarks;

/// <summary>One BLAKE2s compression (64 bytes): the portable scalar form as the baseline, beside the 128-bit vector form that <c>Blake2s</c> uses where the hardware has vectors.</summary>
[MemoryDiagnoser]
public class Blake2sCompressionBenchmarks
{
    private readonly byte[] _block = new byte[64];
    private UInt32x8 _state;

    [GlobalSetup]
    public void Setup() => new Random(8).NextBytes(_block);

    [Benchmark(Baseline = true)]
    public uint Scalar()
    {
        Blake2sCompression.CompressScalar(ref _state, _block, 64, isLastBlock: true);
        return _state[0];
    }

    [Benchmark]
    public uint Vector128()
    {
        Blake2sCompression.CompressVector128(ref _state, _block, 64, isLastBlock: true);
        return _state[0];
    }
}
