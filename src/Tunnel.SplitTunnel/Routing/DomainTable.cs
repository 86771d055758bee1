using Tunnel.Core;
using Tunnel.Routing.Internal;

namespace Tunnel.Routing;

/// <summary>
/// An immutable table of <see cref="DomainPattern"/>s: finds the most specific pattern matching a name.
/// An exact pattern beats every <c>*.</c> pattern, and a longer <c>*.</c> suffix beats a shorter one, so
/// <c>a.b.example.com</c> matches <c>*.b.example.com</c> before <c>*.example.com</c>. A lookup reads the
/// name once from its end, hashing each suffix at its label boundary, and probes one open-addressed array
/// per suffix: no lock, no allocation, independent of the number of patterns. Build it with
/// <see cref="DomainTableBuilder{TValue}"/>.
/// </summary>
/// <typeparam name="TValue">What a pattern maps to (a rule, a list of DNS servers).</typeparam>
public sealed class DomainTable<TValue>
{
    private readonly DomainPattern[] _patterns;
    private readonly TValue[] _values;
    private readonly DomainHashIndex _index;

    internal DomainTable(DomainPattern[] patterns, TValue[] values)
    {
        _patterns = patterns;
        _values = values;
        _index = new DomainHashIndex(patterns);
    }

    /// <summary>The table with no patterns.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "The immutable-collection idiom, as ImmutableArray<T>.Empty.")]
    public static DomainTable<TValue> Empty { get; } = new([], []);

    /// <summary>The number of patterns.</summary>
    public int Count => _patterns.Length;

    /// <summary>Finds the most specific pattern matching a name as it sits in a DNS message or a packet.</summary>
    /// <param name="name">ASCII in dotted form, any case, with or without the trailing dot (A-labels for internationalised names).</param>
    /// <param name="pattern">The pattern that matched, when the method returns <see langword="true"/>.</param>
    /// <param name="value">Its value, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether any pattern matches.</returns>
    public bool TryMatch(ReadOnlySpan<byte> name, out DomainPattern pattern, out TValue value)
    {
        int index = _index.Find(name);
        if (index < 0)
        {
            pattern = default;
            value = default!;
            return false;
        }

        pattern = _patterns[index];
        value = _values[index];
        return true;
    }

    /// <summary>Finds the most specific pattern matching a name.</summary>
    /// <param name="name">A host name in any case, with or without its trailing dot; Unicode labels are converted to punycode first (which allocates).</param>
    /// <param name="pattern">The pattern that matched, when the method returns <see langword="true"/>.</param>
    /// <param name="value">Its value, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether any pattern matches; <see langword="false"/> for a name that is not valid.</returns>
    public bool TryMatch(ReadOnlySpan<char> name, out DomainPattern pattern, out TValue value)
    {
        pattern = default;
        value = default!;
        Span<byte> ascii = stackalloc byte[DomainName.MaxLength + 1];
        if (System.Text.Ascii.IsValid(name))
        {
            if (name.Length > ascii.Length)
            {
                return false;
            }

            System.Text.Ascii.FromUtf16(name, ascii, out int written);
            return TryMatch(ascii[..written], out pattern, out value);
        }

        if (!DomainName.TryNormalize(name.ToString(), out string normalized, out _))
        {
            return false;
        }

        System.Text.Ascii.FromUtf16(normalized, ascii, out int length);
        return TryMatch(ascii[..length], out pattern, out value);
    }

    /// <summary>Every pattern with its value, in ordinal order of the patterns' text.</summary>
    /// <returns>A new list; the table is unchanged.</returns>
    public IReadOnlyList<KeyValuePair<DomainPattern, TValue>> GetEntries()
    {
        var entries = new KeyValuePair<DomainPattern, TValue>[_patterns.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new(_patterns[i], _values[i]);
        }

        return entries;
    }

    /// <summary>A builder holding this table's patterns, to make the next snapshot from.</summary>
    /// <returns>A new builder.</returns>
    public DomainTableBuilder<TValue> ToBuilder() => new(_patterns, _values);
}
