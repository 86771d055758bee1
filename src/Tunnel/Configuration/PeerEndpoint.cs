using System.Globalization;
using System.Net;

namespace Tunnel.Configuration;

/// <summary>
/// A peer's <c>Endpoint</c> as a configuration file writes it: a host (an IPv4 address, an IPv6 address in
/// brackets, or a name resolved when the configuration is applied) and a UDP port.
/// </summary>
/// <param name="Host">The host: an address or a DNS name, without brackets.</param>
/// <param name="Port">The UDP port.</param>
public readonly record struct PeerEndpoint(string Host, ushort Port)
{
    /// <summary>The host as an address, when it is one rather than a name.</summary>
    public IPAddress? Address => IPAddress.TryParse(Host, out var address) ? address : null;

    /// <summary>Parses <c>host:port</c> or <c>[ipv6]:port</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The endpoint, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether the text is a valid endpoint.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out PeerEndpoint value)
    {
        value = default;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
        {
            return false;
        }

        ReadOnlySpan<char> host = text[..colon];
        if (host[0] == '[')
        {
            if (host.Length < 3 || host[^1] != ']' || !IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }

            host = host[1..^1];
        }
        else if (host.Contains(':') || !IsHostName(host))
        {
            // An unbracketed IPv6 address is ambiguous with the port separator; wg refuses it too.
            return false;
        }

        value = new PeerEndpoint(host.ToString(), port);
        return true;
    }

    /// <summary>The endpoint as <c>host:port</c>, an IPv6 address in brackets.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
            : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    private static bool IsHostName(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty || host.Length > 253)
        {
            return false;
        }

        foreach (char c in host)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
