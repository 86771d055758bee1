using BenchmarkDotNet.Attributes;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Benchmarks;

/// <summary>
/// Poly1305 alone over a transport payload, as the AEAD runs it (key set-up, the padded message, the tag):
/// the one-lane form, and the eight-lane AVX-512 form the AEAD's AVX-512 paths take. The AVX-512 row fails on a
/// CPU without AVX-512.
/// </summary>
[MemoryDiagnoser]
public class Poly1305Benchmarks
{
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _tag = new byte[16];
    private byte[] _message = [];

    /// <summary>The message's length in bytes.</summary>
    [Params(1424, 8192)]
    public int Size { get; set; }

    /// <summary>Fills the key and the message.</summary>
    [GlobalSetup]
    public void Setup()
    {
        new Random(6).NextBytes(_key);
        _message = new byte[Size];
        new Random(7).NextBytes(_message);
    }

    /// <summary>One block at a time (four-lane on long messages without AVX-512).</summary>
    [Benchmark(Baseline = true)]
    public byte Mac_Scalar() => Mac(vector512: false);

    /// <summary>Eight blocks at a time with AVX-512.</summary>
    [Benchmark]
    public byte Mac_Vector512() => Mac(vector512: true);

    private byte Mac(bool vector512)
    {
        var mac = new Poly1305(_key);
        mac.UpdatePadded(_message, vector512);
        mac.Finish(_tag);
        return _tag[0];
    }
}
