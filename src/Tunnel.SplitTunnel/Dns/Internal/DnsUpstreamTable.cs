using System.Net;
using Tunnel.Routing;

namespace Tunnel.Dns.Internal;

/// <summary>
/// An immutable choice of upstream servers: per-domain servers by most specific suffix, else the defaults.
/// A suffix is a pair of domain patterns (the name itself and <c>*.</c> below it) in one
/// <see cref="DomainTable{TValue}"/>, so the lookup is the router's allocation-free one.
/// </summary>
internal sealed class DnsUpstreamTable
{
    private readonly DomainTable<DnsFallbackDomain> _domains;

    internal DnsUpstreamTable(IEnumerable<IPEndPoint> defaults, IEnumerable<DnsFallbackDomain> fallbackDomains)
    {
        Defaults = defaults.Select(WithDefaultPort).ToArray();
        var builder = new DomainTableBuilder<DnsFallbackDomain>();
        foreach (var domain in fallbackDomains)
        {
            ArgumentNullException.ThrowIfNull(domain);
            if (domain.Servers.Count == 0)
            {
                throw new ArgumentException($"The fallback domain {domain.Suffix} has no servers.", nameof(fallbackDomains));
            }

            var exact = DomainPattern.Parse(domain.Suffix.TrimStart('*', '.'));
            var normalized = domain with { Suffix = exact.Name, Servers = domain.Servers.Select(WithDefaultPort).ToArray() };
            builder.Set(exact, normalized);
            builder.Set(DomainPattern.Parse("*." + exact.Name), normalized);
        }

        _domains = builder.ToTable();
        FallbackDomains = _domains.GetEntries().Where(e => !e.Key.IncludesSubdomains).Select(e => e.Value).ToArray();
    }

    internal IReadOnlyList<IPEndPoint> Defaults { get; }

    internal IReadOnlyList<DnsFallbackDomain> FallbackDomains { get; }

    /// <summary>The servers for a name, and whether they are a per-domain choice.</summary>
    internal IReadOnlyList<IPEndPoint> Select(ReadOnlySpan<byte> name, out bool fallback)
    {
        fallback = _domains.TryMatch(name, out _, out var domain);
        return fallback ? domain.Servers : Defaults;
    }

    private static IPEndPoint WithDefaultPort(IPEndPoint endPoint) =>
        endPoint.Port == 0 ? new IPEndPoint(endPoint.Address, 53) : endPoint;
}
