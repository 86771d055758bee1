using System.Net;

namespace Tunnel.Dns;

/// <summary>
/// A per-domain DNS server ("local domain fallback"): names equal to <see cref="Suffix"/> or below it are
/// resolved by <see cref="Servers"/> instead of the default upstreams. The most specific suffix wins.
/// </summary>
/// <param name="Suffix">A domain such as <c>corp.example.com</c>; it covers itself and every name below it.</param>
/// <param name="Servers">The servers to ask, in order (port 53 unless given).</param>
/// <param name="Description">What it is for.</param>
public sealed record DnsFallbackDomain(string Suffix, IReadOnlyList<IPEndPoint> Servers, string? Description = null);
