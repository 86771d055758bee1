using System.Net;
using Tunnel.Core.Routing.Internal;

namespace Tunnel.Routing;

/// <summary>
/// One entry of a <see cref="SplitTunnelPolicy"/>: a prefix (CIDR) or a <see cref="DomainPattern"/>, with a
/// description. A user entry means the opposite of the mode's default (excluded in
/// <see cref="SplitTunnelMode.Exclude"/>, included in <see cref="SplitTunnelMode.Include"/>). A system entry
/// (the tunnel's endpoints, the DNS forwarder's upstreams, link-local, multicast) carries its own decision,
/// comes before every user entry and cannot be removed by the user.
/// </summary>
public sealed class SplitTunnelRule : IEquatable<SplitTunnelRule>
{
    private SplitTunnelRule(IPNetwork? prefix, DomainPattern? domain, string description, RouteDecision? systemDecision)
    {
        Prefix = prefix;
        Domain = domain;
        Description = description;
        SystemDecision = systemDecision;
    }

    /// <summary>
    /// The system entries every policy starts with: IPv4 and IPv6 link-local and multicast go direct, since
    /// they never leave the local link and a tunnel cannot carry them.
    /// </summary>
    public static IReadOnlyList<SplitTunnelRule> LinkLocalAndMulticast { get; } =
    [
        ForSystem(IPNetwork.Parse("169.254.0.0/16"), RouteDecision.Direct, "IPv4 link-local"),
        ForSystem(IPNetwork.Parse("224.0.0.0/4"), RouteDecision.Direct, "IPv4 multicast"),
        ForSystem(IPNetwork.Parse("255.255.255.255/32"), RouteDecision.Direct, "IPv4 limited broadcast"),
        ForSystem(IPNetwork.Parse("fe80::/10"), RouteDecision.Direct, "IPv6 link-local"),
        ForSystem(IPNetwork.Parse("ff00::/8"), RouteDecision.Direct, "IPv6 multicast"),
    ];

    /// <summary>The prefix, for a prefix entry.</summary>
    public IPNetwork? Prefix { get; }

    /// <summary>The pattern, for a domain entry.</summary>
    public DomainPattern? Domain { get; }

    /// <summary>What the entry is for, as the operator wrote it (may be empty).</summary>
    public string Description { get; }

    /// <summary>Whether this is a system entry.</summary>
    public bool IsSystem => SystemDecision.HasValue;

    /// <summary>For a system entry, the decision it forces; <see langword="null"/> for a user entry.</summary>
    public RouteDecision? SystemDecision { get; }

    /// <summary>A user entry for a prefix.</summary>
    /// <param name="prefix">The prefix; host bits are cleared.</param>
    /// <param name="description">What it is for.</param>
    /// <returns>The entry.</returns>
    public static SplitTunnelRule ForPrefix(IPNetwork prefix, string? description = null) =>
        new(Normalize(prefix), null, description ?? string.Empty, null);

    /// <summary>A user entry for a domain pattern.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="description">What it is for.</param>
    /// <returns>The entry.</returns>
    public static SplitTunnelRule ForDomain(DomainPattern pattern, string? description = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern.Name, nameof(pattern));
        return new(null, pattern, description ?? string.Empty, null);
    }

    /// <summary>A system entry for a prefix.</summary>
    /// <param name="prefix">The prefix; host bits are cleared.</param>
    /// <param name="decision">Where its traffic goes, whatever the mode and the user entries say.</param>
    /// <param name="description">What it is (shown by <c>Explain</c>).</param>
    /// <returns>The entry.</returns>
    public static SplitTunnelRule ForSystem(IPNetwork prefix, RouteDecision decision, string description) =>
        new(Normalize(prefix), null, description ?? string.Empty, decision);

    /// <summary>
    /// Reads a user entry as an operator writes it: a prefix (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>), an
    /// address (a host prefix), or a domain pattern (<c>example.com</c>, <c>*.example.com</c>).
    /// </summary>
    /// <param name="entry">The text.</param>
    /// <param name="description">What it is for.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="FormatException">The text is none of these; the message says why.</exception>
    public static SplitTunnelRule Parse(string entry, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string text = entry.Trim();
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        if (IPAddress.TryParse(addressText, out var address) && !addressText.Contains('%', StringComparison.Ordinal))
        {
            Span<byte> bytes = stackalloc byte[16];
            int width = address.TryWriteBytes(bytes, out int written) ? written * 8 : 128;
            int length = width;
            if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length) || length > width))
            {
                throw new FormatException($"'{entry}' is not a prefix: the length after '/' must be 0 to {width}.");
            }

            // Host bits are cleared, as wg does for 10.0.0.1/8.
            return ForPrefix(PrefixKey.Create(address, length).ToNetwork(), description);
        }

        if (slash >= 0 || text.Contains(':', StringComparison.Ordinal))
        {
            throw new FormatException($"'{entry}' is not a prefix: write an address and a length, as 10.0.0.0/8 or 2001:db8::/32.");
        }

        if (!DomainPattern.TryParse(text, out var pattern, out string? error))
        {
            throw new FormatException($"'{entry}' is neither a prefix nor a domain pattern: {error}.");
        }

        return ForDomain(pattern, description);
    }

    /// <summary>The entry as written: the prefix or the pattern.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Prefix?.ToString() ?? Domain?.ToString() ?? string.Empty;

    /// <inheritdoc/>
    public bool Equals(SplitTunnelRule? other) =>
        other is not null && Prefix == other.Prefix && Domain == other.Domain && SystemDecision == other.SystemDecision && Description == other.Description;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SplitTunnelRule);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Prefix, Domain, SystemDecision, Description);

    private static IPNetwork Normalize(IPNetwork prefix)
    {
        // IPNetwork refuses host bits at construction but not through default(IPNetwork); clear them anyway.
        var key = PrefixKey.Create(prefix.BaseAddress, prefix.PrefixLength);
        return key.ToNetwork();
    }
}
