using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Crypto;

public sealed class Blake2sTests
{
    public static TheoryData<string, int> KnownAnswerFiles => new()
    {
        { "blake2s-kat.txt", 256 },
        { "blake2s-unkeyed.txt", 10 },
        { "blake2s-128.txt", 6 },
    };

    [Theory]
    [MemberData(nameof(KnownAnswerFiles))]
    public void OneShot_MatchesKnownAnswers(string file, int expectedCount)
    {
        int count = 0;
        foreach (var (input, key, expected) in Vectors.HashEntries(file))
        {
            var actual = new byte[expected.Length];
            Blake2s.HashData(key, input, actual);
            Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(actual));
            count++;
        }

        Assert.Equal(expectedCount, count);
    }

    [Fact]
    public void Rfc7693AppendixB_Abc()
    {
        Span<byte> digest = stackalloc byte[32];
        Blake2s.HashData("abc"u8, digest);
        Assert.Equal("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void Incremental_EqualsOneShot_ForEverySplitOfEveryKatMessage()
    {
        foreach (var (input, key, expected) in Vectors.HashEntries("blake2s-kat.txt"))
        {
            for (int split = 0; split <= input.Length; split++)
            {
                var hash = new Blake2s(key, expected.Length);
                hash.AppendData(input.AsSpan(0, split));
                hash.AppendData(input.AsSpan(split));
                var actual = new byte[expected.Length];
                hash.Finish(actual);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"length {input.Length}, split at {split}");
            }
        }
    }

    [Property(MaxTest = 300)]
    public Property Incremental_EqualsOneShot_ForRandomPieces()
    {
        var gen =
            from length in Gen.Choose(0, 700)
            from data in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), length)
            from keyLength in Gen.Choose(0, 32)
            from key in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), keyLength)
            from hashSize in Gen.Choose(1, 32)
            from cuts in Gen.ListOf(Gen.Choose(0, length))
            select (data, key, hashSize, cuts.Order().ToArray());

        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var oneShot = new byte[c.hashSize];
            Blake2s.HashData(c.key, c.data, oneShot);

            var hash = new Blake2s(c.key, c.hashSize);
            int start = 0;
            foreach (int cut in c.Item4)
            {
                hash.AppendData(c.data.AsSpan(start, cut - start));
                start = cut;
            }

            hash.AppendData(c.data.AsSpan(start));
            var incremental = new byte[c.hashSize];
            hash.Finish(incremental);
            return oneShot.AsSpan().SequenceEqual(incremental);
        });
    }

    [Fact]
    public void DigestSize_IsPartOfTheParameterBlock_NotATruncation()
    {
        Span<byte> full = stackalloc byte[32];
        Span<byte> mac = stackalloc byte[16];
        Blake2s.HashData("key"u8, "message"u8, full);
        Blake2s.HashData("key"u8, "message"u8, mac);
        Assert.False(full[..16].SequenceEqual(mac));
    }

    [Fact]
    public void Finish_WipesTheState_SoASecondFinishThrows()
    {
        var hash = new Blake2s();
        hash.AppendData("x"u8);
        hash.Finish(new byte[32]);
        bool threw = false;
        try
        {
            hash.Finish(new byte[32]);
        }
        catch (InvalidOperationException)
        {
            threw = true;
        }

        Assert.True(threw);
    }

    [Fact]
    public void DefaultInstance_Throws()
    {
        Blake2s hash = default;
        bool threw = false;
        try
        {
            hash.AppendData("x"u8);
        }
        catch (InvalidOperationException)
        {
            threw = true;
        }

        Assert.True(threw);
    }

    [Theory]
    [InlineData(33, 32)]
    [InlineData(0, 0)]
    [InlineData(0, 33)]
    public void OutOfRangeKeyOrDigest_Throws(int keyLength, int hashSize)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Blake2s.HashData(new byte[keyLength], "x"u8, new byte[hashSize]));
    }

    [Fact]
    public void Finish_IntoShortDestination_Throws()
    {
        Assert.Throws<ArgumentException>(() =>
        {
            var hash = new Blake2s(default, 32);
            hash.Finish(new byte[31]);
        });
    }
}
