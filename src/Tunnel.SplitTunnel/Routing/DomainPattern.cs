using System.Diagnostics.CodeAnalysis;
using Tunnel.Core;

namespace Tunnel.Routing;

/// <summary>
/// A domain rule's pattern: <c>example.com</c> matches exactly that name; <c>*.example.com</c> matches every
/// name below it at any depth (<c>a.example.com</c>, <c>a.b.example.com</c>) and not <c>example.com</c>
/// itself. Names are compared case-insensitively, without their trailing dot, internationalised labels in
/// their punycode form (<c>bücher.example</c> is <c>xn--bcher-kva.example</c>).
/// </summary>
public readonly struct DomainPattern : IEquatable<DomainPattern>
{
    private const string WildcardPrefix = "*.";

    private readonly string? _name;

    private DomainPattern(string name, bool includesSubdomains)
    {
        _name = name;
        IncludesSubdomains = includesSubdomains;
    }

    /// <summary>The canonical name: lower-case ASCII, A-labels, no trailing dot and no <c>*.</c>.</summary>
    public string Name => _name ?? string.Empty;

    /// <summary>Whether this is a <c>*.</c> pattern, matching the names below <see cref="Name"/> and not the name itself.</summary>
    public bool IncludesSubdomains { get; }

    /// <summary>Parses a pattern.</summary>
    /// <param name="pattern">A host name, or <c>*.</c> followed by one.</param>
    /// <returns>The pattern.</returns>
    /// <exception cref="FormatException">The text is not a pattern; the message says why.</exception>
    public static DomainPattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return TryParse(pattern, out var result, out string? error)
            ? result
            : throw new FormatException($"'{pattern}' is not a domain pattern: {error}.");
    }

    /// <summary>Parses a pattern.</summary>
    /// <param name="pattern">A host name, or <c>*.</c> followed by one.</param>
    /// <param name="result">The pattern, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether the text is a pattern.</returns>
    public static bool TryParse([NotNullWhen(true)] string? pattern, out DomainPattern result) => TryParse(pattern, out result, out _);

    /// <summary>Parses a pattern, saying why it is not one.</summary>
    /// <param name="pattern">A host name, or <c>*.</c> followed by one.</param>
    /// <param name="result">The pattern, when the method returns <see langword="true"/>.</param>
    /// <param name="error">Why the text is not a pattern, when the method returns <see langword="false"/>.</param>
    /// <returns>Whether the text is a pattern.</returns>
    public static bool TryParse([NotNullWhen(true)] string? pattern, out DomainPattern result, [NotNullWhen(false)] out string? error)
    {
        result = default;
        if (pattern is null)
        {
            error = "no text";
            return false;
        }

        string text = pattern.Trim();
        bool wildcard = text.StartsWith(WildcardPrefix, StringComparison.Ordinal);
        if (wildcard)
        {
            text = text[WildcardPrefix.Length..];
        }

        if (text.Contains('*', StringComparison.Ordinal))
        {
            error = "'*' is allowed only as the whole first label, as in *.example.com";
            return false;
        }

        if (!DomainName.TryNormalize(text, out string name, out error))
        {
            return false;
        }

        // 10.1.2. (a name) is 10.1.2 once normalized, which is the address 10.1.0.2 in IPv4's short forms:
        // written out and read again, the entry would come back as a prefix.
        if (System.Net.IPAddress.TryParse(name, out _))
        {
            error = $"'{name}' reads as an IPv4 address, not a domain name";
            return false;
        }

        result = new DomainPattern(name, wildcard);
        return true;
    }

    /// <summary>Whether <paramref name="name"/> is matched by this pattern (the simple rule, without a table).</summary>
    /// <param name="name">A host name in any case, with or without its trailing dot, in Unicode or punycode.</param>
    /// <returns>Whether the pattern matches; <see langword="false"/> for a name that is not valid.</returns>
    public bool Matches(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!DomainName.TryNormalize(name, out string normalized, out _))
        {
            return false;
        }

        return IncludesSubdomains
            ? normalized.Length > Name.Length + 1 && normalized.EndsWith(Name, StringComparison.Ordinal) && normalized[^(Name.Length + 1)] == '.'
            : normalized == Name;
    }

    /// <inheritdoc/>
    public bool Equals(DomainPattern other) => IncludesSubdomains == other.IncludesSubdomains && Name == other.Name;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DomainPattern other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, IncludesSubdomains);

    /// <summary>The pattern as it is written: <c>*.example.com</c> or <c>example.com</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => IncludesSubdomains ? WildcardPrefix + Name : Name;

    /// <summary>Whether two patterns are equal.</summary>
    /// <param name="left">A pattern.</param>
    /// <param name="right">A pattern.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(DomainPattern left, DomainPattern right) => left.Equals(right);

    /// <summary>Whether two patterns differ.</summary>
    /// <param name="left">A pattern.</param>
    /// <param name="right">A pattern.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(DomainPattern left, DomainPattern right) => !left.Equals(right);
}
