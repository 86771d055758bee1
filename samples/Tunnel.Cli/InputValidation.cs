using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tunnel.Cli;

/// <summary>
/// Checks that are cheap to make before calling the agent, so a typo is a usage error (exit 2) and not a
/// round trip; anything that needs the agent's state stays the agent's call.
/// </summary>
internal static class InputValidation
{
    /// <summary>Adds an error for each token that is not an address or CIDR prefix.</summary>
    /// <param name="result">The argument's parse result.</param>
    public static void Prefix(ArgumentResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (PrefixError(token.Value) is { } error)
            {
                result.AddError(error);
            }
        }
    }

    /// <summary>Adds an error for each token that is not an address or address:port.</summary>
    /// <param name="result">The argument's parse result.</param>
    public static void DnsServer(ArgumentResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (!IsDnsServer(token.Value))
            {
                result.AddError($"'{token.Value}' is not a DNS server: write an address or address:port (10.0.0.53, [fd00::53]:53).");
            }
        }
    }

    /// <summary>Why <paramref name="text"/> is not an address or CIDR prefix, or null when it is one.</summary>
    /// <param name="text">The command-line text.</param>
    public static string? PrefixError(string text)
    {
        string usage = $"'{text}' is not an IP address or CIDR prefix (10.0.0.0/8, 192.0.2.1, 2001:db8::/32).";
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        if (!IsStrictAddress(addressText, out var address))
        {
            return usage;
        }

        if (slash < 0)
        {
            return null;
        }

        int maxLength = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length > maxLength)
        {
            return usage;
        }

        // The agent stores prefixes as networks; 10.0.0.1/8 would be read as 10.0.0.0/8, so ask rather than guess.
        var network = new IPNetwork(Mask(address, length), length);
        return network.BaseAddress.Equals(address)
            ? null
            : $"'{text}' has bits set after the first {length}; did you mean {network}?";
    }

    private static bool IsDnsServer(string text)
    {
        if (IsStrictAddress(text, out _))
        {
            return true;
        }

        // IPEndPoint accepts "10.0.0.53:53" and "[fd00::53]:53"; the address part must still be written out in full.
        return IPEndPoint.TryParse(text, out var endPoint)
            && endPoint.Port != 0
            && IsStrictAddress(text[..text.LastIndexOf(':')].Trim('[', ']'), out _);
    }

    /// <summary>
    /// An IPv4 address in four dotted parts or any IPv6 address: <see cref="IPAddress.TryParse(string, out IPAddress)"/>
    /// also takes "10" or "10.1" (inet_aton's forms), which are more likely typos than intent.
    /// </summary>
    private static bool IsStrictAddress(string text, out IPAddress address)
    {
        if (!IPAddress.TryParse(text, out address!))
        {
            return false;
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? !text.Contains('%', StringComparison.Ordinal)
            : text.Count(c => c == '.') == 3 && text.All(c => c == '.' || char.IsAsciiDigit(c));
    }

    private static IPAddress Mask(IPAddress address, int length)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int bits = Math.Clamp(length - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }

        return new IPAddress(bytes);
    }
}
