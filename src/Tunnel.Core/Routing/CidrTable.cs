using System.Net;
using Tunnel.Core.Routing.Internal;

namespace Tunnel.Core.Routing;

/// <summary>
/// An immutable IPv4 and IPv6 longest-prefix-match table: WireGuard's cryptokey routing (allowed IPs to
/// peers, whitepaper section 2) and the router's CIDR rules. Lookups take no lock and allocate nothing,
/// so a reader keeps using the snapshot it holds while a writer builds and publishes the next one with
/// <see cref="CidrTableBuilder{TValue}"/>.
/// </summary>
/// <typeparam name="TValue">What a prefix maps to (a peer, a rule).</typeparam>
public sealed class CidrTable<TValue>
{
    private readonly PrefixTrie _ipv4;
    private readonly PrefixTrie _ipv6;
    private readonly PrefixIntervals _ipv4Intervals;
    private readonly PrefixIntervals _ipv6Intervals;
    private readonly PrefixKey[] _prefixes;
    private readonly TValue[] _values;

    internal CidrTable(PrefixKey[] prefixes, TValue[] values)
    {
        _prefixes = prefixes;
        _values = values;
        _ipv4 = Build(prefixes, ipv6: false);
        _ipv6 = Build(prefixes, ipv6: true);
        _ipv4Intervals = PrefixIntervals.Build(_ipv4, ipv6: false);
        _ipv6Intervals = PrefixIntervals.Build(_ipv6, ipv6: true);
    }

    /// <summary>The table with no entries.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "The immutable-collection idiom, as ImmutableArray<T>.Empty.")]
    public static CidrTable<TValue> Empty { get; } = new([], []);

    /// <summary>The number of prefixes.</summary>
    public int Count => _prefixes.Length;

    /// <summary>Finds the value of the longest prefix that contains <paramref name="address"/>.</summary>
    /// <param name="address">4 bytes (IPv4) or 16 bytes (IPv6) in network order, as they sit in a packet header.</param>
    /// <param name="value">The value, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether any prefix contains the address.</returns>
    /// <exception cref="ArgumentException"><paramref name="address"/> is neither 4 nor 16 bytes.</exception>
    public bool TryLookup(ReadOnlySpan<byte> address, out TValue value)
    {
        int index = address.Length == 4
            ? _ipv4Intervals.Lookup4(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(address))
            : _ipv6Intervals.Lookup(PrefixKey.ToKey(address));
        return Found(index, out value);
    }

    /// <summary>Finds the value of the longest prefix that contains the whole prefix <paramref name="address"/>/<paramref name="prefixLength"/>.</summary>
    /// <param name="address">4 or 16 bytes in network order.</param>
    /// <param name="prefixLength">The length of the prefix to cover.</param>
    /// <param name="value">The value, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether a prefix no longer than <paramref name="prefixLength"/> contains the address.</returns>
    internal bool TryLookupCovering(ReadOnlySpan<byte> address, int prefixLength, out TValue value)
    {
        PrefixTrie trie = address.Length == 4 ? _ipv4 : _ipv6;
        int index = trie.Lookup(PrefixKey.ToKey(address), prefixLength);
        return Found(index, out value);
    }

    /// <summary>Finds the value of the longest prefix that contains <paramref name="address"/>.</summary>
    /// <param name="address">An IPv4 or IPv6 address. An IPv4-mapped IPv6 address is looked up as IPv6.</param>
    /// <param name="value">The value, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether any prefix contains the address.</returns>
    public bool TryLookup(IPAddress address, out TValue value)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written) || written is not (4 or 16))
        {
            value = default!;
            return false;
        }

        return TryLookup(bytes[..written], out value);
    }

    /// <summary>Every prefix with its value, IPv4 before IPv6, each family in ascending address then length order.</summary>
    /// <returns>A new list; the table is unchanged.</returns>
    public IReadOnlyList<KeyValuePair<IPNetwork, TValue>> GetEntries()
    {
        var entries = new KeyValuePair<IPNetwork, TValue>[_prefixes.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new(_prefixes[i].ToNetwork(), _values[i]);
        }

        return entries;
    }

    /// <summary>A builder holding this table's entries, to make the next snapshot from.</summary>
    /// <returns>A new builder.</returns>
    public CidrTableBuilder<TValue> ToBuilder() => new(_prefixes, _values);

    private bool Found(int index, out TValue value)
    {
        if (index < 0)
        {
            value = default!;
            return false;
        }

        value = _values[index];
        return true;
    }

    private static PrefixTrie Build(PrefixKey[] prefixes, bool ipv6)
    {
        // The trie maps to indices into the full arrays, so both families share them.
        var keys = new (UInt128, int)[prefixes.Length];
        var indices = new int[prefixes.Length];
        int count = 0;
        for (int i = 0; i < prefixes.Length; i++)
        {
            if (prefixes[i].IsIPv6 == ipv6)
            {
                keys[count] = (prefixes[i].Bits, prefixes[i].Length);
                indices[count++] = i;
            }
        }

        return PrefixTrie.Build(keys.AsSpan(0, count), indices.AsSpan(0, count));
    }
}
