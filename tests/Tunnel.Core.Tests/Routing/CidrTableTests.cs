using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Routing;

namespace Tunnel.Core.Tests.Routing;

public sealed class CidrTableTests
{
    [Fact]
    public void LongestPrefixWins_AcrossNestedPrefixesOfDifferentPeers()
    {
        var table = new CidrTableBuilder<string>()
            .Set(IPAddress.Parse("0.0.0.0"), 0, "default")
            .Set(IPAddress.Parse("10.0.0.0"), 8, "a")
            .Set(IPAddress.Parse("10.1.0.0"), 16, "b")
            .Set(IPAddress.Parse("10.1.2.3"), 32, "c")
            .Set(IPAddress.Parse("::"), 0, "v6-default")
            .Set(IPAddress.Parse("fd00::"), 8, "v6-a")
            .Set(IPAddress.Parse("fd00:1::"), 32, "v6-b")
            .ToTable();

        Assert.Equal("c", Lookup(table, "10.1.2.3"));
        Assert.Equal("b", Lookup(table, "10.1.2.4"));
        Assert.Equal("a", Lookup(table, "10.2.0.1"));
        Assert.Equal("default", Lookup(table, "192.168.1.1"));
        Assert.Equal("v6-b", Lookup(table, "fd00:1::1"));
        Assert.Equal("v6-a", Lookup(table, "fd00:2::1"));
        Assert.Equal("v6-default", Lookup(table, "2001:db8::1"));
        Assert.Equal(7, table.Count);
    }

    [Fact]
    public void FamiliesAreSeparate_AndAMappedAddressIsIPv6()
    {
        var table = new CidrTableBuilder<int>().Set(IPAddress.Parse("10.0.0.0"), 8, 4).ToTable();
        Assert.False(table.TryLookup(IPAddress.Parse("::ffff:10.0.0.1"), out _));
        Assert.False(table.TryLookup(IPAddress.Parse("a00::1"), out _));
        Assert.True(table.TryLookup(IPAddress.Parse("10.0.0.1"), out int value));
        Assert.Equal(4, value);
    }

    [Fact]
    public void HostBitsAreCleared_SoTheSamePrefixReplacesItsValue()
    {
        var builder = new CidrTableBuilder<string>()
            .Set(IPAddress.Parse("10.0.0.1"), 8, "first")
            .Set(IPAddress.Parse("10.255.0.0"), 8, "second");
        var table = builder.ToTable();
        Assert.Equal(1, table.Count);
        Assert.Equal("second", Lookup(table, "10.9.9.9"));
        Assert.Equal(IPNetwork.Parse("10.0.0.0/8"), table.GetEntries()[0].Key);
    }

    [Fact]
    public void RemoveAndRemoveValue_AndSnapshotsAreImmutable()
    {
        var builder = new CidrTableBuilder<string>()
            .Set(IPNetwork.Parse("10.0.0.0/8"), "peer1")
            .Set(IPNetwork.Parse("10.1.0.0/16"), "peer2")
            .Set(IPNetwork.Parse("fd00::/8"), "peer2")
            .Set(IPNetwork.Parse("192.168.0.0/16"), "peer3");
        var before = builder.ToTable();

        Assert.Equal(2, builder.RemoveValue("peer2"));
        Assert.True(builder.Remove(IPNetwork.Parse("192.168.0.0/16")));
        Assert.False(builder.Remove(IPNetwork.Parse("192.168.0.0/16")));
        var after = builder.ToTable();

        Assert.Equal("peer2", Lookup(before, "10.1.0.1"));
        Assert.Equal("peer1", Lookup(after, "10.1.0.1"));
        Assert.Null(Lookup(after, "fd00::1"));
        Assert.Null(Lookup(after, "192.168.1.1"));
        Assert.Equal(4, before.Count);
        Assert.Equal(1, after.Count);
        Assert.Equal(4, before.ToBuilder().Count);
    }

    [Fact]
    public void BadInput_IsRejected()
    {
        var builder = new CidrTableBuilder<int>();
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Set(IPAddress.Parse("10.0.0.0"), 33, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Set(IPAddress.Parse("::"), 129, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Set(IPAddress.Parse("::"), -1, 1));
        Assert.Throws<ArgumentException>(() => CidrTable<int>.Empty.TryLookup(new byte[5], out _));
    }

    /// <summary>
    /// Against a linear scan: 10,000 random prefixes per run (clustered so that they nest and collide, as
    /// real allowed-IPs do), then random lookups, then removals, in both families.
    /// </summary>
    [Property(MaxTest = 3)]
    public Property MatchesALinearScanOracle(int seed)
    {
        var random = new Random(seed);
        var builder = new CidrTableBuilder<int>();
        var oracle = new Dictionary<(bool V6, UInt128 Bits, int Length), int>();

        for (int i = 0; i < 10_000; i++)
        {
            bool v6 = random.Next(2) == 0;
            int max = v6 ? 128 : 32;
            int length = random.Next(5) == 0 ? random.Next(max + 1) : Math.Min(max, 8 + random.Next(max - 7));
            UInt128 bits = Clustered(random, v6);
            UInt128 masked = Mask(bits, length, v6);
            builder.Set(ToAddress(masked, v6), length, i);
            oracle[(v6, masked, length)] = i;
        }

        if (!Agrees(builder.ToTable(), oracle, random))
        {
            return false.ToProperty();
        }

        foreach (var key in oracle.Keys.Where(_ => random.Next(3) == 0).ToList())
        {
            Assert.True(builder.Remove(ToAddress(key.Bits, key.V6), key.Length));
            oracle.Remove(key);
        }

        return Agrees(builder.ToTable(), oracle, random).ToProperty();
    }

    /// <summary>The router's scale: 100,000 prefixes in both families against the linear scan (fewer lookups, each a full scan).</summary>
    [Fact]
    public void MatchesALinearScanOracle_At100000Prefixes()
    {
        var random = new Random(100_000);
        var builder = new CidrTableBuilder<int>();
        var oracle = new Dictionary<(bool V6, UInt128 Bits, int Length), int>();
        while (oracle.Count < 100_000)
        {
            bool v6 = random.Next(2) == 0;
            int max = v6 ? 128 : 32;
            int length = random.Next(5) == 0 ? random.Next(max + 1) : Math.Min(max, 8 + random.Next(max - 7));
            UInt128 masked = Mask(Clustered(random, v6), length, v6);
            builder.Set(ToAddress(masked, v6), length, oracle.Count);
            oracle[(v6, masked, length)] = oracle.Count;
        }

        Assert.True(Agrees(builder.ToTable(), oracle, random, lookups: 600));
    }

    /// <summary>
    /// Tables that live inside one prefix (2000::/3, 10/8, fd00::/8), as most do: lookups inside and outside
    /// that prefix against the linear scan, in both families.
    /// </summary>
    [Property(MaxTest = 10)]
    public Property MatchesALinearScanOracle_InsideOneCommonPrefix(int seed)
    {
        var random = new Random(seed);
        bool v6 = random.Next(2) == 0;
        int width = v6 ? 128 : 32;
        int windowLength = 1 + random.Next(v6 ? 40 : 20);
        UInt128 window = Mask(Clustered(random, v6), windowLength, v6);
        UInt128 Inside()
        {
            UInt128 host = new((ulong)random.NextInt64(), (ulong)random.NextInt64());
            UInt128 hostBits = UInt128.MaxValue >> (128 - (width - windowLength));
            return window | (host & hostBits);
        }

        var builder = new CidrTableBuilder<int>();
        var oracle = new Dictionary<(bool V6, UInt128 Bits, int Length), int>();
        for (int i = 0; i < 1 + random.Next(3_000); i++)
        {
            int length = windowLength + random.Next(width - windowLength + 1);
            UInt128 masked = Mask(Inside(), length, v6);
            builder.Set(ToAddress(masked, v6), length, i);
            oracle[(v6, masked, length)] = i;
        }

        var table = builder.ToTable();
        var entries = oracle.ToList();
        for (int i = 0; i < 2_000; i++)
        {
            UInt128 address = i % 2 == 0 ? Inside() : Clustered(random, v6);
            int expected = -1, bestLength = -1;
            foreach (var entry in entries)
            {
                if (entry.Key.Length > bestLength && Mask(address, entry.Key.Length, v6) == entry.Key.Bits)
                {
                    expected = entry.Value;
                    bestLength = entry.Key.Length;
                }
            }

            int actual = table.TryLookup(ToAddress(address, v6), out int value) ? value : -1;
            if (actual != expected)
            {
                return false.Label($"{ToAddress(address, v6)} in a table inside {ToAddress(window, v6)}/{windowLength}: expected {expected}, got {actual}");
            }
        }

        return true.ToProperty();
    }

    private static bool Agrees(CidrTable<int> table, Dictionary<(bool V6, UInt128 Bits, int Length), int> oracle, Random random, int lookups = 4_000)
    {
        if (table.Count != oracle.Count)
        {
            return false;
        }

        var byFamily = oracle.ToLookup(e => e.Key.V6);
        for (int i = 0; i < lookups; i++)
        {
            bool v6 = random.Next(2) == 0;
            UInt128 address = Clustered(random, v6);
            int expected = -1, bestLength = -1;
            foreach (var entry in byFamily[v6])
            {
                if (entry.Key.Length > bestLength && Mask(address, entry.Key.Length, v6) == entry.Key.Bits)
                {
                    expected = entry.Value;
                    bestLength = entry.Key.Length;
                }
            }

            int actual = table.TryLookup(ToAddress(address, v6), out int value) ? value : -1;
            if (actual != expected)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Addresses drawn near a few hundred centres, so random prefixes overlap as in real tables.</summary>
    private static UInt128 Clustered(Random random, bool v6)
    {
        int width = v6 ? 128 : 32;
        var centre = new Random(random.Next(300));
        UInt128 value = new((ulong)centre.NextInt64(), (ulong)centre.NextInt64());
        UInt128 noise = new((ulong)random.NextInt64(), (ulong)random.NextInt64());
        int noisyBits = random.Next(width + 1);
        UInt128 noiseMask = noisyBits == 0 ? UInt128.Zero : UInt128.MaxValue >> (128 - noisyBits);
        value = (value & ~noiseMask) | (noise & noiseMask);
        return width == 32 ? value & uint.MaxValue : value;
    }

    private static UInt128 Mask(UInt128 address, int length, bool v6)
    {
        int width = v6 ? 128 : 32;
        UInt128 hostMask = length == width ? UInt128.Zero : (UInt128.MaxValue >> (128 - (width - length)));
        return address & ~hostMask;
    }

    private static IPAddress ToAddress(UInt128 value, bool v6)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(v6 ? bytes : bytes[12..]);
    }

    private static string? Lookup(CidrTable<string> table, string address) =>
        table.TryLookup(IPAddress.Parse(address), out string? value) ? value : null;
}
