using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Tunnel.Core.Checksums;

/// <summary>
/// The ones'-complement sum of RFC 1071, used by IPv4 headers, TCP and UDP. Sums are kept unfolded in 64
/// bits and in host byte order: the sum is byte-order independent (RFC 1071 section 2), so folding and
/// storing the result in host order writes the right bytes.
/// </summary>
internal static class InternetChecksum
{
    /// <summary>Adds the bytes of <paramref name="data"/> to <paramref name="sum"/>.</summary>
    /// <remarks>
    /// Eight bytes at a time, split into two 32-bit halves added to a 64-bit accumulator: no carries are lost
    /// for any packet size an IP header allows (2^32 additions), and the loop has no data-dependent branch.
    /// </remarks>
    public static ulong Add(ReadOnlySpan<byte> data, ulong sum = 0)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && length >= 64)
        {
            // 32 bytes per step, each 32-bit word widened into a 64-bit lane: 0.24 us of a 1380-byte segment's
            // 0.28 us split went to the scalar loop (GsoBenchmarks), this takes a fraction of it.
            Vector256<ulong> lower = Vector256<ulong>.Zero, upper = Vector256<ulong>.Zero;
            for (; i + 32 <= length; i += 32)
            {
                (Vector256<ulong> low, Vector256<ulong> high) = Vector256.Widen(Vector256.LoadUnsafe(ref Unsafe.Add(ref start, i)).AsUInt32());
                lower += low;
                upper += high;
            }

            sum += Vector256.Sum(lower + upper);
        }

        ulong a = 0, b = 0;
        for (; i + 16 <= length; i += 16)
        {
            ulong x = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            ulong y = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8));
            a += (x & 0xFFFF_FFFF) + (x >> 32);
            b += (y & 0xFFFF_FFFF) + (y >> 32);
        }

        sum += a + b;
        for (; i + 4 <= length; i += 4)
        {
            sum += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
        }

        for (; i + 2 <= length; i += 2)
        {
            sum += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
        }

        if (i < length)
        {
            // An odd final byte is the high-order byte of a zero-padded 16-bit word in network order.
            sum += BitConverter.IsLittleEndian ? Unsafe.Add(ref start, i) : (ulong)Unsafe.Add(ref start, i) << 8;
        }

        return sum;
    }

    /// <summary>
    /// Copies <paramref name="source"/> to the start of <paramref name="destination"/> and returns its sum,
    /// as <see cref="Add"/> would: one pass over the bytes where a copy and then a sum of the copy were two.
    /// </summary>
    /// <remarks>
    /// Its loop is <see cref="Add"/>'s plus a store, written out twice on purpose: one shared inlined loop with
    /// the store behind a constant flag made both slower (GsoBenchmarks, same session: split 174 -> 190 ns,
    /// coalesce 228 -> 244 ns per segment).
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static ulong CopyAndAdd(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, source.Length, nameof(destination));
        ref byte from = ref MemoryMarshal.GetReference(source);
        ref byte to = ref MemoryMarshal.GetReference(destination);
        int length = source.Length;
        int i = 0;
        ulong sum = 0;
        if (Vector256.IsHardwareAccelerated && length >= 64)
        {
            Vector256<ulong> lower = Vector256<ulong>.Zero, upper = Vector256<ulong>.Zero;
            for (; i + 32 <= length; i += 32)
            {
                Vector256<byte> block = Vector256.LoadUnsafe(ref Unsafe.Add(ref from, i));
                block.StoreUnsafe(ref Unsafe.Add(ref to, i));
                (Vector256<ulong> low, Vector256<ulong> high) = Vector256.Widen(block.AsUInt32());
                lower += low;
                upper += high;
            }

            sum = Vector256.Sum(lower + upper);
        }

        // The rest starts at an even offset, so its words line up with the whole's.
        source[i..].CopyTo(destination[i..]);
        return Add(source[i..], sum);
    }

    /// <summary>Adds a 16-bit value given in host order, as it would appear in network order in the data.</summary>
    public static ulong AddWord(ushort value, ulong sum) => sum + (BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);

    /// <summary>The TCP/UDP pseudo-header sum (RFC 793 section 3.1, RFC 8200 section 8.1).</summary>
    /// <param name="source">The source address, 4 or 16 bytes as in the IP header.</param>
    /// <param name="destination">The destination address.</param>
    /// <param name="protocol">The transport protocol number.</param>
    /// <param name="length">The transport header plus payload length.</param>
    public static ulong PseudoHeader(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int length)
    {
        ulong sum = Add(source);
        sum = Add(destination, sum);
        sum = AddWord(protocol, sum);
        // IPv6 carries a 32-bit length; both halves fold to the same sum as the IPv4 16-bit field.
        sum = AddWord((ushort)(length >> 16), sum);
        return AddWord((ushort)length, sum);
    }

    /// <summary>Folds a sum to 16 bits, in host order as stored (not complemented).</summary>
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The checksum to store: the complement of the folded sum, in host order as stored.</summary>
    public static ushort Complement(ulong sum) => (ushort)~Fold(sum);

    /// <summary>Writes a checksum (host-order value from <see cref="Complement"/> or <see cref="Fold"/>) at <paramref name="offset"/>.</summary>
    public static void Store(Span<byte> packet, int offset, ushort value) => MemoryMarshal.Write(packet[offset..], in value);

    /// <summary>Whether data whose sum (checksum field included) is <paramref name="sum"/> verifies.</summary>
    public static bool IsValid(ulong sum) => Fold(sum) == 0xFFFF;
}
