using System.Net;

namespace Tunnel.Core.Routing.Internal;

/// <summary>
/// A normalised prefix: the address left-aligned in 128 bits (an IPv4 address in the top 32), host bits
/// cleared, and its length. One type for both families keeps the trie code single.
/// </summary>
internal readonly record struct PrefixKey(bool IsIPv6, UInt128 Bits, int Length)
{
    internal const int IPv4Bits = 32;
    internal const int IPv6Bits = 128;

    internal static PrefixKey Create(IPAddress address, int prefixLength)
    {
        // An IPv4 address writes 4 bytes and an IPv6 address 16; nothing else has a prefix.
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written) || written is not (4 or 16))
        {
            throw new ArgumentException("Only IPv4 and IPv6 addresses have prefixes.", nameof(address));
        }

        bool isIPv6 = written == 16;
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, isIPv6 ? IPv6Bits : IPv4Bits);
        return new PrefixKey(isIPv6, Mask(ToKey(bytes[..written]), prefixLength), prefixLength);
    }

    /// <summary>The host prefix (/32 or /128) of a 4- or 16-byte address.</summary>
    internal static PrefixKey FromAddress(ReadOnlySpan<byte> address) =>
        new(address.Length == 16, ToKey(address), address.Length == 16 ? IPv6Bits : IPv4Bits);

    /// <summary>Left-aligns a 4- or 16-byte address (network order) in 128 bits.</summary>
    internal static UInt128 ToKey(ReadOnlySpan<byte> address) => address.Length switch
    {
        4 => (UInt128)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(address) << 96,
        16 => System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(address),
        _ => throw new ArgumentException("An address is 4 (IPv4) or 16 (IPv6) bytes.", nameof(address)),
    };

    internal static UInt128 Mask(UInt128 key, int length) => length == 0 ? UInt128.Zero : key & (UInt128.MaxValue << (128 - length));

    internal IPNetwork ToNetwork()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, Bits);
        var address = new IPAddress(IsIPv6 ? bytes : bytes[..4]);
        return new IPNetwork(address, Length);
    }
}
