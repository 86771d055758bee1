using System.Net;
using Tunnel.Core.Routing.Internal;

namespace Tunnel.Core.Routing;

/// <summary>
/// Collects the entries of the next <see cref="CidrTable{TValue}"/>. Prefixes are normalised (host bits
/// cleared, as <c>wg</c> does for <c>10.0.0.1/8</c>), so each prefix has one entry and setting it again
/// replaces its value: an allowed IP moves to the peer that claimed it last.
/// </summary>
/// <typeparam name="TValue">What a prefix maps to.</typeparam>
public sealed class CidrTableBuilder<TValue>
{
    private readonly Dictionary<PrefixKey, TValue> _entries = [];

    /// <summary>Starts an empty builder.</summary>
    public CidrTableBuilder()
    {
    }

    internal CidrTableBuilder(PrefixKey[] prefixes, TValue[] values)
    {
        for (int i = 0; i < prefixes.Length; i++)
        {
            _entries[prefixes[i]] = values[i];
        }
    }

    /// <summary>The number of prefixes.</summary>
    public int Count => _entries.Count;

    /// <summary>Maps a prefix to <paramref name="value"/>, replacing any value it had.</summary>
    /// <param name="address">Any address in the prefix; bits past the prefix length are cleared.</param>
    /// <param name="prefixLength">0 to 32 for IPv4, 0 to 128 for IPv6.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    public CidrTableBuilder<TValue> Set(IPAddress address, int prefixLength, TValue value)
    {
        ArgumentNullException.ThrowIfNull(address);
        _entries[PrefixKey.Create(address, prefixLength)] = value;
        return this;
    }

    /// <summary>Maps a prefix to <paramref name="value"/>, replacing any value it had.</summary>
    /// <param name="prefix">The prefix.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    public CidrTableBuilder<TValue> Set(IPNetwork prefix, TValue value) => Set(prefix.BaseAddress, prefix.PrefixLength, value);

    /// <summary>Finds the value of exactly this prefix (not of a longer or shorter one).</summary>
    /// <param name="prefix">The prefix; host bits are cleared first.</param>
    /// <param name="value">The value, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether the prefix is present.</returns>
    public bool TryGetValue(IPNetwork prefix, out TValue value)
    {
        bool found = _entries.TryGetValue(PrefixKey.Create(prefix.BaseAddress, prefix.PrefixLength), out var stored);
        value = stored!;
        return found;
    }

    /// <summary>Removes a prefix.</summary>
    /// <param name="address">Any address in the prefix.</param>
    /// <param name="prefixLength">The prefix length.</param>
    /// <returns>Whether the prefix was present.</returns>
    public bool Remove(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        return _entries.Remove(PrefixKey.Create(address, prefixLength));
    }

    /// <summary>Removes a prefix.</summary>
    /// <param name="prefix">The prefix.</param>
    /// <returns>Whether the prefix was present.</returns>
    public bool Remove(IPNetwork prefix) => Remove(prefix.BaseAddress, prefix.PrefixLength);

    /// <summary>Removes every prefix that maps to <paramref name="value"/> (a removed peer's allowed IPs).</summary>
    /// <param name="value">The value to remove.</param>
    /// <returns>The number of prefixes removed.</returns>
    public int RemoveValue(TValue value)
    {
        var comparer = EqualityComparer<TValue>.Default;
        var doomed = _entries.Where(e => comparer.Equals(e.Value, value)).Select(e => e.Key).ToList();
        foreach (var key in doomed)
        {
            _entries.Remove(key);
        }

        return doomed.Count;
    }

    /// <summary>Removes every prefix.</summary>
    public void Clear() => _entries.Clear();

    /// <summary>Builds the immutable table.</summary>
    /// <returns>A snapshot; later changes to this builder do not affect it.</returns>
    public CidrTable<TValue> ToTable()
    {
        if (_entries.Count == 0)
        {
            return CidrTable<TValue>.Empty;
        }

        var ordered = _entries
            .OrderBy(e => e.Key.IsIPv6)
            .ThenBy(e => e.Key.Bits)
            .ThenBy(e => e.Key.Length)
            .ToArray();
        return new CidrTable<TValue>(ordered.Select(e => e.Key).ToArray(), ordered.Select(e => e.Value).ToArray());
    }
}
