namespace Tunnel.Routing;

/// <summary>
/// Collects the patterns of the next <see cref="DomainTable{TValue}"/>. Each pattern has one entry;
/// setting it again replaces its value.
/// </summary>
/// <typeparam name="TValue">What a pattern maps to.</typeparam>
public sealed class DomainTableBuilder<TValue>
{
    private readonly Dictionary<DomainPattern, TValue> _entries = [];

    /// <summary>Starts an empty builder.</summary>
    public DomainTableBuilder()
    {
    }

    internal DomainTableBuilder(DomainPattern[] patterns, TValue[] values)
    {
        for (int i = 0; i < patterns.Length; i++)
        {
            _entries[patterns[i]] = values[i];
        }
    }

    /// <summary>The number of patterns.</summary>
    public int Count => _entries.Count;

    /// <summary>Maps a pattern to <paramref name="value"/>, replacing any value it had.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    public DomainTableBuilder<TValue> Set(DomainPattern pattern, TValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern.Name, nameof(pattern));
        _entries[pattern] = value;
        return this;
    }

    /// <summary>Parses <paramref name="pattern"/> and maps it to <paramref name="value"/>.</summary>
    /// <param name="pattern">A pattern's text, as <see cref="DomainPattern.Parse(string)"/> reads it.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="FormatException">The text is not a pattern.</exception>
    public DomainTableBuilder<TValue> Set(string pattern, TValue value) => Set(DomainPattern.Parse(pattern), value);

    /// <summary>Finds the value of exactly this pattern.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="value">The value, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether the pattern is present.</returns>
    public bool TryGetValue(DomainPattern pattern, out TValue value)
    {
        bool found = _entries.TryGetValue(pattern, out var stored);
        value = stored!;
        return found;
    }

    /// <summary>Removes a pattern.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <returns>Whether it was present.</returns>
    public bool Remove(DomainPattern pattern) => _entries.Remove(pattern);

    /// <summary>Removes every pattern.</summary>
    public void Clear() => _entries.Clear();

    /// <summary>Builds the immutable table.</summary>
    /// <returns>A snapshot; later changes to this builder do not affect it.</returns>
    public DomainTable<TValue> ToTable()
    {
        if (_entries.Count == 0)
        {
            return DomainTable<TValue>.Empty;
        }

        var ordered = _entries.OrderBy(e => e.Key.ToString(), StringComparer.Ordinal).ToArray();
        return new DomainTable<TValue>(ordered.Select(e => e.Key).ToArray(), ordered.Select(e => e.Value).ToArray());
    }
}
