using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Tunnel.Testing.Tests;

public sealed class DeterministicEntropyTests
{
    [Fact]
    public void TheSameSeed_GivesTheSameBytes_AndAnotherSeedOthers()
    {
        byte[] a = new byte[100], b = new byte[100], c = new byte[100];
        new DeterministicEntropy(7).Fill(a);
        new DeterministicEntropy(7).Fill(b);
        new DeterministicEntropy(8).Fill(c);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void TheFirstBlock_IsBlake2sOfCounterZeroAndTheSeed()
    {
        var first = new byte[32];
        new DeterministicEntropy(1).Fill(first);
        var expected = new byte[32];
        Core.Crypto.Blake2s.HashData([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], expected);
        Assert.Equal(expected, first);
    }

    /// <summary>The stream is a sequence of 32-byte blocks: requests of whole blocks concatenate to one big request.</summary>
    [Property(MaxTest = 100)]
    public Property WholeBlockRequests_ConcatenateToOneRequest(int seed, byte[] blockCounts)
    {
        int[] counts = blockCounts.Select(b => b % 4).ToArray();
        var pieces = new DeterministicEntropy(seed);
        byte[] concatenated = counts.SelectMany(n =>
        {
            var bytes = new byte[n * 32];
            pieces.Fill(bytes);
            return bytes;
        }).ToArray();

        var whole = new byte[concatenated.Length];
        new DeterministicEntropy(seed).Fill(whole);
        return whole.AsSpan().SequenceEqual(concatenated).ToProperty();
    }
}
