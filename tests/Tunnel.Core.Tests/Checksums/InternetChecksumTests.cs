using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Checksums;

namespace Tunnel.Core.Tests.Checksums;

/// <summary>The RFC 1071 sum against a word-by-word reference, its copy-and-sum variant, and RFC 1071's own example.</summary>
public sealed class InternetChecksumTests
{
    [Property(MaxTest = 500)]
    public Property Sum_MatchesTheWordByWordReference(int seed)
    {
        var random = new Random(seed);
        ReadOnlySpan<byte> slice = RandomSlice(random);

        Span<byte> stored = stackalloc byte[2];
        InternetChecksum.Store(stored, 0, InternetChecksum.Complement(InternetChecksum.Add(slice)));
        return (BinaryPrimitives.ReadUInt16BigEndian(stored) == Reference(slice)).Label($"length {slice.Length}");
    }

    [Property(MaxTest = 500)]
    public Property CopyAndAdd_CopiesTheBytes_AndSumsAsTheReferenceDoes(int seed)
    {
        var random = new Random(seed);
        ReadOnlySpan<byte> slice = RandomSlice(random);
        var destination = new byte[slice.Length + 16];
        random.NextBytes(destination);
        byte[] before = destination.ToArray();
        int offset = random.Next(0, 9);

        ulong sum = InternetChecksum.CopyAndAdd(slice, destination.AsSpan(offset));

        Span<byte> stored = stackalloc byte[2];
        InternetChecksum.Store(stored, 0, InternetChecksum.Complement(sum));
        int end = offset + slice.Length;
        return (BinaryPrimitives.ReadUInt16BigEndian(stored) == Reference(slice)).Label($"sum, length {slice.Length}")
            .And(destination.AsSpan(offset, slice.Length).SequenceEqual(slice)).Label("copied")
            .And(destination.AsSpan(0, offset).SequenceEqual(before.AsSpan(0, offset)) && destination.AsSpan(end).SequenceEqual(before.AsSpan(end))).Label("nothing else written");
    }

    /// <summary>RFC 1071 as written: big-endian 16-bit words, an odd last byte padded with zero, carries folded, complemented.</summary>
    private static ushort Reference(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0u);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>Random bytes of any length up to 3,000, starting at an odd or even offset into their array.</summary>
    private static ArraySegment<byte> RandomSlice(Random random)
    {
        var data = new byte[random.Next(0, 3000)];
        random.NextBytes(data);
        int start = data.Length == 0 ? 0 : random.Next(0, Math.Min(data.Length, 9));
        return new ArraySegment<byte>(data, start, data.Length - start);
    }

    [Fact]
    public void CopyAndAdd_IntoAShorterDestination_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => InternetChecksum.CopyAndAdd(new byte[100], new byte[99]));

    [Fact]
    public void Rfc1071Example_SumsToTheDocumentedValue()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement 220d).
        byte[] data = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7];
        Span<byte> stored = stackalloc byte[2];
        InternetChecksum.Store(stored, 0, InternetChecksum.Fold(InternetChecksum.Add(data)));
        Assert.Equal(0xDDF2, BinaryPrimitives.ReadUInt16BigEndian(stored));
    }
}
